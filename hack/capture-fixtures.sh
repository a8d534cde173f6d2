#!/usr/bin/env bash
# Captures the unit tests' fixtures from a real API server, so decoding is tested on objects shaped
# exactly as the server returns them. Run it against a local plane (it starts one if needed):
#
#   hack/capture-fixtures.sh [--state-dir DIR]
#
# It writes Tests/Fixtures/*.json. Review the diff before committing: server-set fields (uids,
# timestamps, resourceVersions) change on every capture.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
plane=("$repo/hack/control-plane.sh" "$@")
"${plane[@]}" up >/dev/null 2>&1 || "${plane[@]}" up
kubeconfig=$("${plane[@]}" kubeconfig)
state=$(dirname "$kubeconfig")
pki=$state/pki
server=https://127.0.0.1:$(cat "$state/ports/apiserver")
out=$repo/Tests/Fixtures
ns=fixtures-$(date +%s)
mkdir -p "$out"

kubectl() { "${plane[@]}" kubectl "$@"; }
# api METHOD PATH [BODY]: the raw answer, whatever its status code.
api() {
  local auth=(--cert "$pki/admin.crt" --key "$pki/admin.key")
  [ -n "${TOKEN:-}" ] && auth=(-H "Authorization: Bearer $TOKEN")
  curl -sS --max-time 10 --cacert "$pki/ca.crt" "${auth[@]}" -X "$1" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$server$2"
}
save() { jq . >"$out/$1"; echo "captured $1"; }

kubectl create namespace "$ns" >/dev/null
# Without a kubelet nothing confirms a pod's termination: force the pods out so the namespace can go.
# The namespace goes first, so that its ReplicaSet cannot create pods again.
trap 'kubectl delete namespace "$ns" --wait=false >/dev/null; kubectl -n "$ns" delete pods --all --grace-period=0 --force >/dev/null 2>&1' EXIT
kubectl -n "$ns" create deployment web --image=registry.example/web:1.0 --replicas=2 >/dev/null
until [ "$(kubectl -n "$ns" get pods -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | grep -c sim-node-1)" = 2 ]; do
  sleep 0.2
done

api GET /api/v1/namespaces | save namespace-list.json
api GET /api/v1/nodes/sim-node-1 | save node.json
api GET "/api/v1/namespaces/$ns/pods" | save pod-list-pending.json
api GET "/apis/apps/v1/namespaces/$ns/replicasets" | save replicaset-list.json
api GET "/api/v1/namespaces/$ns/pods?limit=1" | save pod-list-page.json

api GET "/api/v1/namespaces/$ns/pods/missing" | save status-not-found.json
api POST "/api/v1/namespaces" '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"'$ns'"}}' \
  | save status-already-exists.json
stale='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","resourceVersion":"1"}}'
api POST "/api/v1/namespaces/$ns/configmaps" '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}' >/dev/null
api PUT "/api/v1/namespaces/$ns/configmaps/c" "$stale" | save status-conflict.json
api POST "/api/v1/namespaces/$ns/configmaps" '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Not_Valid"},"data":{"bad key!":"x"}}' \
  | save status-invalid.json

# A watch stream as the server writes it: one JSON object a line, bookmarks near the timeout.
version=$(api GET "/api/v1/namespaces/$ns/configmaps" | jq -r .metadata.resourceVersion)
api GET "/api/v1/namespaces/$ns/configmaps?watch=1&allowWatchBookmarks=true&timeoutSeconds=4&resourceVersion=$version" \
  >"$out/watch-configmaps.jsonl" &
watcher=$!
sleep 0.5
kubectl -n "$ns" create configmap watched --from-literal=a=1 >/dev/null
kubectl -n "$ns" patch configmap watched -p '{"data":{"a":"2"}}' >/dev/null
kubectl -n "$ns" delete configmap watched >/dev/null
wait $watcher || true
echo "captured watch-configmaps.jsonl"

# A watch from a version that etcd compacted away and the restarted API server's cache no longer has.
revision=$("${plane[@]}" etcdctl endpoint status -w json | jq '.[0].Status.header.revision')
"${plane[@]}" etcdctl compact "$revision" >/dev/null
"${plane[@]}" stop kube-apiserver 2>/dev/null
"${plane[@]}" start kube-apiserver 2>/dev/null
api GET "/api/v1/namespaces/$ns/configmaps?watch=1&resourceVersion=$version&timeoutSeconds=1" >"$out/.expired" || true
head -n 1 "$out/.expired" | save watch-event-expired.json && rm -f "$out/.expired"

# Policies as the server returns them, with the CRD's defaults applied.
kubectl apply -f "$repo/crds/resilience.dev_resiliencepolicies.yaml" >/dev/null
kubectl wait --for=condition=Established --timeout=30s crd/resiliencepolicies.resilience.dev >/dev/null
policies=/apis/resilience.dev/v1alpha1/namespaces/$ns/resiliencepolicies
api POST "$policies" '{"apiVersion":"resilience.dev/v1alpha1","kind":"ResiliencePolicy","metadata":{"name":"minimal"},"spec":{"targetRef":{"kind":"Deployment","name":"web"},"recovery":{},"safety":{}}}' \
  | save policy-minimal-defaulted.json
kubectl -n "$ns" apply -f "$repo/examples/error-ratio-outliers.yaml" >/dev/null
api GET "$policies/checkout-outliers" | save policy-error-ratio-outliers.json

api POST "/api/v1/namespaces/$ns/serviceaccounts" '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"nobody"}}' >/dev/null
TOKEN=$(api POST "/api/v1/namespaces/$ns/serviceaccounts/nobody/token" \
  '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":600}}' | jq -r .status.token)
TOKEN=$TOKEN api GET /api/v1/namespaces | save status-forbidden.json
TOKEN=not-a-token api GET /api/v1/namespaces | save status-unauthorized.json

