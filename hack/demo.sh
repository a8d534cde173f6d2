#!/usr/bin/env bash
# The operator's main job against a real local control plane: brings the plane up (building Kubernetes
# once per machine), builds the operator, and runs it against the plane.
#
# What runs today: `resilience-operator check`, which connects as the operator will (verifying the
# server's certificate against the plane's CA, authenticating with a client certificate) and lists the
# namespaces. The reconcile loop arrives with the operator issue.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=$PATH:/opt/swift/usr/bin

hack/control-plane.sh up
echo "building the operator..." >&2
swift build --product resilience-operator 2>&1 | tail -n 1
eval "$(hack/control-plane.sh env)"
echo
echo "$ kubectl get nodes"
kubectl get nodes
echo
echo "$ resilience-operator check"
"$(swift build --show-bin-path)/resilience-operator" check
