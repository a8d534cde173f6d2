#!/usr/bin/env bash
# Runs every test: the unit tests, and the integration tests against a real local control plane
# (started here, or reused when it already runs). Extra arguments go to `swift test`.
#
# RO_TEST_STATE_DIR names the plane (default ~/.cache/resilience-operator/planes/test).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=$PATH:/opt/swift/usr/bin
command -v swift >/dev/null || { echo "error: no Swift toolchain: install Swift 6 (it is at /opt/swift on the project's machines)" >&2; exit 1; }

export RO_TEST_STATE_DIR=${RO_TEST_STATE_DIR:-${RO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/resilience-operator}/planes/test}
# Bring the plane up first, so the long first build shows its progress; the tests then reuse it.
hack/control-plane.sh --state-dir "$RO_TEST_STATE_DIR" up
# The leader-election and process tests run the operator's and the simulator's executables.
swift build --product resilience-operator
swift build --product resilience-simulator
# The image tests run the operator from the image users deploy; build it once, here, with its progress.
if [ -z "${RO_IMAGE_ARCHIVE:-}" ]; then
  RO_IMAGE_ARCHIVE=$(hack/build-image.sh | tail -n 1)
  export RO_IMAGE_ARCHIVE
fi
swift test "$@"
# The decoders of what the network and users send, fuzzed for a bounded time from the committed corpus.
hack/fuzz.sh "${RO_FUZZ_SECONDS:-60}"
