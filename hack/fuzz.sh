#!/usr/bin/env bash
# Fuzzes the decoders of watch events, Status and policies with libFuzzer (and AddressSanitizer), for a
# bounded time, starting from the committed corpus (Fuzz/corpus/decoders). A crash fails the run and
# leaves the input that caused it in the printed folder: add it to the corpus once fixed.
#
#   hack/fuzz.sh [SECONDS]      (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=$PATH:/opt/swift/usr/bin
seconds=${1:-60}
# lld: gold cannot link libFuzzer's objects with Swift's.
flags=(--product fuzz-decoders --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING
  -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld)
swift build "${flags[@]}" 2>&1 | grep -v "ld.gold: warning: Cannot export local symbol" | tail -n 1
bin=$(swift build "${flags[@]}" --show-bin-path)/fuzz-decoders
work=$(mktemp -d /tmp/fuzz-decoders.XXXXXX)
mkdir -p "$work/found"
echo "fuzzing the decoders for ${seconds}s (new inputs and crashes in $work)"
status=0
"$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/found" Fuzz/corpus/decoders >"$work/log" 2>&1 || status=$?
grep -E "^Done|^stat::number_of_executed_units|ERROR|SUMMARY|artifact|Test unit written" "$work/log" | tail -n 20
[ "$status" = 0 ] || { echo "the fuzzer found a failure (exit $status): $work/log" >&2; tail -n 40 "$work/log" >&2; }
exit "$status"
