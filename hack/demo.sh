#!/usr/bin/env bash
# The operator's main job against a real local control plane, in one command:
#
#   hack/demo.sh         bring up the plane (building Kubernetes once per machine), build the operator,
#                        install the CRD, the demo app and its policy, start the pod simulator and the
#                        operator, inject a crash loop, and show the recovery; everything stays running
#   hack/demo.sh stop    stop the simulator and the operator (hack/control-plane.sh down stops the plane)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=$PATH:/opt/swift/usr/bin

state=$(dirname "$(hack/control-plane.sh kubeconfig 2>/dev/null || echo "${RO_STATE_DIR:-$HOME/.cache/resilience-operator/planes/default}/x")")
say() { printf '\n\033[1m%s\033[0m\n' "$*" >&2; }
stop() {
  for name in operator simulator; do
    if [ -f "$state/pids/demo-$name" ]; then
      kill "$(cat "$state/pids/demo-$name")" 2>/dev/null || true
      rm -f "$state/pids/demo-$name"
    fi
  done
}
if [ "${1:-}" = stop ]; then stop; echo "stopped the demo's simulator and operator"; exit 0; fi

hack/control-plane.sh up
state=$(dirname "$(hack/control-plane.sh kubeconfig)")
say "building the operator and the pod simulator..."
swift build --product resilience-operator 2>&1 | tail -n 1
swift build --product resilience-simulator 2>&1 | tail -n 1
bin=$(swift build --show-bin-path)/resilience-operator
sim=$(swift build --show-bin-path)/resilience-simulator
eval "$(hack/control-plane.sh env)"

say "installing the CRD, the demo app (namespace demo) and its policy"
kubectl apply -k crds/ >/dev/null
hack/control-plane.sh established resiliencepolicies.resilience.dev
stop
# A fresh start: an earlier run's policy remembers its episodes (status.memory), and its loop breaker
# would rightly refuse to act again; its pods have no kubelet while the simulator is stopped.
# The operator is stopped, so nothing would undo what the old policy holds and lift its finalizer: the
# app goes with it anyway.
for rp in $(kubectl -n demo get resiliencepolicies -o name 2>/dev/null); do
  kubectl -n demo patch "$rp" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null
done
kubectl -n demo delete resiliencepolicies,deployments --all --ignore-not-found --wait=false >/dev/null 2>&1 || true
kubectl -n demo delete pods --all --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
kubectl create namespace demo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n demo apply -f examples/demo/web.yaml -f examples/demo/policy.yaml

say "starting the pod simulator and the operator (logs in $state/logs/demo-*.log)"
mkdir -p "$state/pids" "$state/logs"
# Own sessions, no inherited descriptors but the standard ones: they outlive this script.
setsid "$sim" run --kubeconfig "$KUBECONFIG" --discovery-address 127.0.0.1:9464 --time-scale 0.2 \
  >"$state/logs/demo-simulator.log" 2>&1 </dev/null &
echo $! >"$state/pids/demo-simulator"
setsid "$bin" run --kubeconfig "$KUBECONFIG" --namespace demo --metrics-address 127.0.0.1:8089 \
  >"$state/logs/demo-operator.log" 2>&1 </dev/null &
echo $! >"$state/pids/demo-operator"

for _ in $(seq 1 120); do
  [ "$(kubectl -n demo get deployment web -o jsonpath='{.status.readyReplicas}')" = 3 ] && break
  sleep 0.5
done
kubectl -n demo get pods -o wide
victim=$(kubectl -n demo get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
victim_uid=$(kubectl -n demo get pod "$victim" -o jsonpath='{.metadata.uid}')

say "injecting a crash loop into $victim"
"$sim" fault --kubeconfig "$KUBECONFIG" -n demo --pod "$victim" --set crashLoop
start=$SECONDS
recovered=""
for _ in $(seq 1 240); do
  if ! kubectl -n demo get pods -o jsonpath='{.items[*].metadata.uid}' | grep -q "$victim_uid" \
    && [ "$(kubectl -n demo get deployment web -o jsonpath='{.status.readyReplicas}')" = 3 ]; then
    recovered=yes
    break
  fi
  sleep 0.5
done
if [ -n "$recovered" ]; then
  say "recovered in $((SECONDS - start)) s: $victim was evicted and replaced by a Ready pod"
else
  say "no recovery within 2 minutes; see $state/logs/demo-operator.log"
fi
kubectl -n demo get pods
echo
kubectl -n demo get rp
say "Events"
# 1.20's endpoints controller refuses loopback pod addresses (EndpointSlices take them): leave its noise out.
kubectl -n demo get events --sort-by=.lastTimestamp \
  --field-selector reason!=FailedToUpdateEndpoint,reason!=FailedToUpdateEndpointSlices | tail -n 6
say "the operator's log"
tail -n 5 "$state/logs/demo-operator.log"

cat <<EXPLORE

Everything is still running. To explore:
  eval "\$(hack/control-plane.sh env)"; alias ro=$bin sim=$sim
  ro plan -n demo                                   # verdicts and decisions, changing nothing
  sim fault -n demo --selector app=web --set crashLoop
  sim fault -n demo --selector app=web --clear
  kubectl -n demo get rp web -o yaml                # status: conditions, pods, last actions
  curl http://127.0.0.1:9464/sd                     # the pods' addresses, as Prometheus finds them
To tear down: hack/demo.sh stop && hack/control-plane.sh down
EXPLORE
[ -n "$recovered" ]
