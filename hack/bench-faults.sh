#!/usr/bin/env bash
# `resilience-bench faults` as README runs it: release builds of the operator and the bench, and a plane
# of its own (planes/bench-faults: the bench restarts its API server, compacts its etcd and runs it with
# other flags; its audit log records the replicas' requests). Extra arguments go to the bench, e.g.
#   hack/bench-faults.sh --rows restart,sigkill
#   hack/bench-faults.sh --pods 10000 --deployments 100 --rows soak --soak-minutes 30
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=$PATH:/opt/swift/usr/bin
state=${RO_BENCH_STATE_DIR:-${RO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/resilience-operator}/planes/bench-faults}
hack/control-plane.sh --state-dir "$state" up
hack/control-plane.sh --state-dir "$state" kubectl apply -f crds/resilience.dev_resiliencepolicies.yaml >/dev/null
# The image's flags and build folder: one release build serves the image and the benches.
flags=(-c release --static-swift-stdlib -Xlinker --no-export-dynamic --scratch-path .build-release)
swift build "${flags[@]}" --product resilience-operator
swift build "${flags[@]}" --product resilience-bench
bin=$(swift build "${flags[@]}" --show-bin-path)
exec "$bin/resilience-bench" faults --kubeconfig "$state/admin.kubeconfig" \
  --operator-binary "$bin/resilience-operator" --control-plane hack/control-plane.sh "$@"
