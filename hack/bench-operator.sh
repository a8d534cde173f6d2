#!/usr/bin/env bash
# `resilience-bench operator` as README runs it: release builds of the operator and the bench, the
# client-go baseline built from the plane's Kubernetes source tree, and a plane of its own (planes/bench,
# whose audit log records the bench's ServiceAccounts' requests). Extra arguments go to the bench, e.g.
#   hack/bench-operator.sh --pods 10000 --namespaces 10
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=$PATH:/opt/swift/usr/bin
state=${RO_BENCH_STATE_DIR:-${RO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/resilience-operator}/planes/bench}
hack/control-plane.sh --state-dir "$state" up
hack/control-plane.sh --state-dir "$state" kubectl apply -f crds/resilience.dev_resiliencepolicies.yaml >/dev/null
baseline=$(hack/control-plane.sh baseline | tail -n 1)
# The image's flags and build folder: one release build serves the image and the bench.
flags=(-c release --static-swift-stdlib -Xlinker --no-export-dynamic --scratch-path .build-release)
swift build "${flags[@]}" --product resilience-operator
swift build "${flags[@]}" --product resilience-bench
bin=$(swift build "${flags[@]}" --show-bin-path)
exec "$bin/resilience-bench" operator --kubeconfig "$state/admin.kubeconfig" \
  --operator-binary "$bin/resilience-operator" --baseline-binary "$baseline" "$@"
