#!/usr/bin/env bash
# Builds the operator's OCI image with no registry and no Docker engine, and prints the archive's path on
# its last line:
#
#   hack/build-image.sh                  -> .build-release/image/resilience-operator-<version>.oci.tar
#
# The image is FROM scratch: the release binary (Swift's standard library linked in statically, stripped),
# exactly the shared libraries it loads (glibc's, libstdc++, libgcc_s, libz...), CA certificates, and
# /etc/passwd and /etc/group naming user 65532 (nonroot), which it runs as. Layers are gzip-compressed,
# as a registry stores them. Debian's buildah builds it (--storage-driver vfs, chroot isolation) in a
# storage of its own under the output folder, so nothing is left in /var/lib/containers.
#
# Environment: RO_IMAGE_DIR (output folder), RO_IMAGE_SOURCE (the org.opencontainers.image.source label;
# default: the git remote 'origin'), RO_IMAGE_NAME (default resilience-operator).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=$PATH:/opt/swift/usr/bin
log() { printf '[build-image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
for tool in buildah strip readelf ldd; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing: run hack/control-plane.sh deps (it installs buildah, skopeo, binutils)" >&2; exit 1; }
done

out=$(realpath -m "${RO_IMAGE_DIR:-.build-release/image}")
name=${RO_IMAGE_NAME:-resilience-operator}
mkdir -p "$out"

log "release build, static Swift standard library"
# Swift's standard library and runtime linked in; no dynamic symbol table (SwiftPM exports every symbol of
# an executable, 3.8 MB that nothing loads). A build folder of its own, so that it never waits for the
# lock of a `swift test` running in .build (the tests build the image when not given one).
# hack/binary-size.sh builds with the same flags.
flags=(-c release --static-swift-stdlib -Xlinker --no-export-dynamic --scratch-path .build-release)
swift build "${flags[@]}" --product resilience-operator >"$out/swift-build.log" 2>&1 \
  || { tail -n 40 "$out/swift-build.log" >&2; exit 1; }
bin=$(swift build "${flags[@]}" --show-bin-path)/resilience-operator
version=$("$bin" --version)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || revision="$revision-dirty"
source_url=${RO_IMAGE_SOURCE:-$(git remote get-url origin 2>/dev/null || echo "file://$PWD")}
created=$(git log -1 --format=%ct 2>/dev/null || date +%s)

log "root filesystem"
rootfs=$out/rootfs
rm -rf "$rootfs"
mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc/ssl/certs"
strip --strip-all -o "$rootfs/usr/local/bin/resilience-operator" "$bin"
# Exactly the libraries the dynamic loader resolves for the binary, at the paths it resolves them to,
# and the loader itself.
ldd "$bin" | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]+ \(/{print $1}' | while read -r lib; do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done
if ldd "$bin" | grep -q 'not found'; then ldd "$bin" >&2; echo "error: a library of the binary is not found" >&2; exit 1; fi
interpreter=$(readelf -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -e "$rootfs$interpreter" ] || { echo "error: the dynamic loader $interpreter is not in the image" >&2; exit 1; }
cp -L /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
# The time zones of policies' windows (the operator reads the TZif files itself; it links no ICU):
# the zones alone, without tzdata's posix/ and right/ copies (about 2 MB, 400 KB compressed).
mkdir -p "$rootfs/usr/share/zoneinfo"
rsync -a --copy-links --exclude posix --exclude right --exclude '*.tab' --exclude '*.zi' --exclude leapseconds \
  --exclude 'leap-seconds.*' --exclude posixrules --exclude localtime /usr/share/zoneinfo/ "$rootfs/usr/share/zoneinfo/"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"

log "image $name:$version ($revision)"
storage=(--storage-driver vfs --root "$out/storage" --runroot "$out/storage-run")
export BUILDAH_ISOLATION=chroot
container=$(buildah "${storage[@]}" from --signature-policy <(echo '{"default":[{"type":"insecureAcceptAnything"}]}') scratch)
trap 'buildah "${storage[@]}" rm "$container" >/dev/null 2>&1 || true; rm -rf "$out/storage" "$out/storage-run"' EXIT
buildah "${storage[@]}" copy "$container" "$rootfs/" / >/dev/null
buildah "${storage[@]}" config \
  --user 65532:65532 \
  --workingdir / \
  --entrypoint '["/usr/local/bin/resilience-operator"]' \
  --cmd run \
  --port 8080 \
  --label org.opencontainers.image.title="$name" \
  --label org.opencontainers.image.description="Judges pod health and recovers Deployments, as ResiliencePolicy objects declare." \
  --label org.opencontainers.image.version="$version" \
  --label org.opencontainers.image.revision="$revision" \
  --label org.opencontainers.image.source="$source_url" \
  "$container"
archive=$out/$name-$version.oci.tar
rm -f "$archive"
buildah "${storage[@]}" commit --quiet --format oci --disable-compression=false --timestamp "$created" \
  --signature-policy <(echo '{"default":[{"type":"insecureAcceptAnything"}]}') \
  "$container" "oci-archive:$archive:$name:$version" >/dev/null

binary_size=$(stat -c %s "$rootfs/usr/local/bin/resilience-operator")
rootfs_size=$(du -sb "$rootfs" | cut -f1)
archive_size=$(stat -c %s "$archive")
log "binary $((binary_size / 1024)) KiB, root filesystem $((rootfs_size / 1024)) KiB, archive (compressed layers) $((archive_size / 1024)) KiB"
echo "$archive"
