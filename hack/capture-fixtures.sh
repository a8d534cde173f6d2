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
  local type=application/json
  [ "$1" = PATCH ] && type=application/merge-patch+json
  curl -sS --max-time 10 --cacert "$pki/ca.crt" "${auth[@]}" -X "$1" -H "Content-Type: $type" \
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
"${plane[@]}" established resiliencepolicies.resilience.dev
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
unset TOKEN


# A stuck rollout, as the planner sees it: revision 1 Ready, revision 2 crash-looping after an OOM kill,
# one pod terminating, a PodDisruptionBudget and a HorizontalPodAutoscaler.
# ready_status IMAGE IP, crashing_status IMAGE IP: a pod status patch; the container is named after the image.
ready_status() {
  local now container; now=$(date -u +%Y-%m-%dT%H:%M:%SZ); container=${1##*/}; container=${container%%:*}
  printf '{"status":{"phase":"Running","podIP":"%s","startTime":"%s","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"%s"},{"type":"ContainersReady","status":"True","lastTransitionTime":"%s"}],"containerStatuses":[{"name":"%s","ready":true,"started":true,"restartCount":0,"image":"%s","imageID":"","state":{"running":{"startedAt":"%s"}}}]}}' \
    "$2" "$now" "$now" "$now" "$container" "$1" "$now"
}
crashing_status() {
  local now container; now=$(date -u +%Y-%m-%dT%H:%M:%SZ); container=${1##*/}; container=${container%%:*}
  printf '{"status":{"phase":"Running","podIP":"%s","startTime":"%s","conditions":[{"type":"Ready","status":"False","reason":"ContainersNotReady","lastTransitionTime":"%s"},{"type":"ContainersReady","status":"False","reason":"ContainersNotReady","lastTransitionTime":"%s"}],"containerStatuses":[{"name":"%s","ready":false,"started":false,"restartCount":4,"image":"%s","imageID":"","state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 1m20s restarting failed container=%s"}},"lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled","startedAt":"%s","finishedAt":"%s"}}}]}}' \
    "$2" "$now" "$now" "$now" "$container" "$1" "$container" "$now" "$now"
}
pods_of() { kubectl -n "$ns" get pods -l "app=shop,pod-template-hash=$1" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}'; }
kubectl -n "$ns" create deployment shop --image=registry.example/shop:1 --replicas=3 >/dev/null
until [ "$(kubectl -n "$ns" get rs -l app=shop -o name | wc -l)" = 1 ] && [ "$(kubectl -n "$ns" get pods -l app=shop -o name | wc -l)" = 3 ]; do sleep 0.2; done
first=$(kubectl -n "$ns" get rs -l app=shop -o jsonpath='{.items[0].metadata.labels.pod-template-hash}')
address=10
for pod in $(pods_of "$first"); do
  api PATCH "/api/v1/namespaces/$ns/pods/$pod/status" "$(ready_status registry.example/shop:1 10.1.0.$address)" >/dev/null
  address=$((address + 1))
done
until [ "$(kubectl -n "$ns" get deployment shop -o jsonpath='{.status.availableReplicas}')" = 3 ]; do sleep 0.2; done
kubectl -n "$ns" set image deployment/shop shop=registry.example/shop:2 >/dev/null
until [ "$(kubectl -n "$ns" get rs -l app=shop -o name | wc -l)" = 2 ]; do sleep 0.2; done
second=$(kubectl -n "$ns" get rs -l app=shop -o json | jq -r '.items[] | select(.metadata.annotations["deployment.kubernetes.io/revision"] == "2") | .metadata.labels["pod-template-hash"]')
until [ -n "$(pods_of "$second")" ]; do sleep 0.2; done
for pod in $(pods_of "$second"); do
  api PATCH "/api/v1/namespaces/$ns/pods/$pod/status" "$(crashing_status registry.example/shop:2 10.1.0.$address)" >/dev/null
  address=$((address + 1))
done
kubectl -n "$ns" delete pod "$(pods_of "$first" | head -n 1)" --wait=false >/dev/null
api POST "/apis/policy/v1beta1/namespaces/$ns/poddisruptionbudgets" \
  '{"apiVersion":"policy/v1beta1","kind":"PodDisruptionBudget","metadata":{"name":"shop"},"spec":{"minAvailable":2,"selector":{"matchLabels":{"app":"shop"}}}}' >/dev/null
kubectl -n "$ns" autoscale deployment shop --min=3 --max=6 --cpu-percent=80 >/dev/null
until [ -n "$(kubectl -n "$ns" get pdb shop -o jsonpath='{.status.observedGeneration}')" ]; do sleep 0.2; done
sleep 2
# An eviction the budget refuses (two Ready pods left, minAvailable 2): 429 with a DisruptionBudget cause,
# unlike the 429 of API priority and fairness.
spare=$(pods_of "$first" | tail -n 1)
api POST "/api/v1/namespaces/$ns/pods/$spare/eviction" '{"apiVersion":"policy/v1beta1","kind":"Eviction","metadata":{"name":"'"$spare"'"}}' \
  | save status-disruption-budget.json
api GET "/apis/apps/v1/namespaces/$ns/deployments/shop" | save rollout-deployment.json
api GET "/apis/apps/v1/namespaces/$ns/replicasets?labelSelector=app%3Dshop" | save rollout-replicaset-list.json
api GET "/api/v1/namespaces/$ns/pods?labelSelector=app%3Dshop" | save rollout-pod-list.json
api GET "/apis/policy/v1beta1/namespaces/$ns/poddisruptionbudgets" | save rollout-pdb-list.json
api GET "/apis/autoscaling/v1/namespaces/$ns/horizontalpodautoscalers/shop" | save rollout-hpa.json

# A finished rollout with one pod crash-looping: what most recoveries start from.
kubectl -n "$ns" create deployment web --image=registry.example/web:1 --replicas=3 >/dev/null 2>&1 || true
kubectl -n "$ns" scale deployment web --replicas=3 >/dev/null
until [ "$(kubectl -n "$ns" get pods -l app=web -o name | wc -l)" -ge 3 ]; do sleep 0.2; done
web_hash=$(kubectl -n "$ns" get rs -l app=web -o jsonpath='{.items[0].metadata.labels.pod-template-hash}')
address=100
for pod in $(kubectl -n "$ns" get pods -l "app=web,pod-template-hash=$web_hash" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}'); do
  api PATCH "/api/v1/namespaces/$ns/pods/$pod/status" "$(ready_status registry.example/web:1 10.1.0.$address)" >/dev/null
  address=$((address + 1))
done
until [ "$(kubectl -n "$ns" get deployment web -o jsonpath='{.status.readyReplicas}')" = 3 ]; do sleep 0.2; done
sick=$(kubectl -n "$ns" get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
api PATCH "/api/v1/namespaces/$ns/pods/$sick/status" "$(crashing_status registry.example/web:1 10.1.0.99)" >/dev/null
until [ "$(kubectl -n "$ns" get deployment web -o jsonpath='{.status.readyReplicas}')" = 2 ]; do sleep 0.2; done
api GET "/apis/apps/v1/namespaces/$ns/deployments/web" | save stable-deployment.json
api GET "/apis/apps/v1/namespaces/$ns/replicasets?labelSelector=app%3Dweb" | save stable-replicaset-list.json
api GET "/api/v1/namespaces/$ns/pods?labelSelector=app%3Dweb" | save stable-pod-list.json
# The pods' Warning Events, as the operator's cache lists them for the evidence: the kubelet's, written
# here as a kubelet writes them (there is none), beside the scheduler's Normal one, which the list leaves out.
sick_uid=$(kubectl -n "$ns" get pod "$sick" -o jsonpath='{.metadata.uid}')
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
kubelet_event() { # NAME-SUFFIX REASON COUNT MESSAGE
  api POST "/api/v1/namespaces/$ns/events" '{"metadata":{"name":"'"$sick.$1"'"},"involvedObject":{"kind":"Pod","namespace":"'"$ns"'","name":"'"$sick"'","uid":"'"$sick_uid"'","apiVersion":"v1","fieldPath":"spec.containers{app}"},"reason":"'"$2"'","message":"'"$4"'","source":{"component":"kubelet","host":"sim-node-1"},"firstTimestamp":"'"$now"'","lastTimestamp":"'"$now"'","count":'"$3"',"type":"Warning","reportingComponent":"","reportingInstance":""}' >/dev/null
}
kubelet_event 1 BackOff 5 "Back-off restarting failed container"
kubelet_event 2 Unhealthy 3 "Liveness probe failed: HTTP probe failed with statuscode: 500; body: $(printf 'upstream timed out %.0s' $(seq 20))"
api GET "/api/v1/namespaces/$ns/events?fieldSelector=involvedObject.kind%3DPod%2Ctype%3DWarning" | save stable-pod-warnings.json

# StatefulSets, whose pods the StatefulSet controller creates one at a time, each once the one before is
# Ready (OrderedReady): `cache` finished with its two highest ordinals crash-looping, `db` in the middle
# of a rollout to revision 2 whose first pod (the highest ordinal) crash-loops.
statefulset() {
  printf '{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"%s","labels":{"app":"%s"}},"spec":{"replicas":3,"serviceName":"%s","selector":{"matchLabels":{"app":"%s"}},"template":{"metadata":{"labels":{"app":"%s"}},"spec":{"containers":[{"name":"%s","image":"registry.example/%s:1"}]}}}}' \
    "$1" "$1" "$1" "$1" "$1" "$1" "$1"
}
# ready_ordinals SET FIRST_ADDRESS: readies each pod as the controller creates it.
ready_ordinals() {
  for ordinal in 0 1 2; do
    until kubectl -n "$ns" get pod "$1-$ordinal" >/dev/null 2>&1; do sleep 0.2; done
    api PATCH "/api/v1/namespaces/$ns/pods/$1-$ordinal/status" "$(ready_status "registry.example/$1:1" "10.1.1.$(($2 + ordinal))")" >/dev/null
  done
  until [ "$(kubectl -n "$ns" get statefulset "$1" -o jsonpath='{.status.readyReplicas}')" = 3 ]; do sleep 0.2; done
}
api POST "/apis/apps/v1/namespaces/$ns/statefulsets" "$(statefulset cache)" >/dev/null
ready_ordinals cache 10
api PATCH "/api/v1/namespaces/$ns/pods/cache-1/status" "$(crashing_status registry.example/cache:1 10.1.1.11)" >/dev/null
api PATCH "/api/v1/namespaces/$ns/pods/cache-2/status" "$(crashing_status registry.example/cache:1 10.1.1.12)" >/dev/null
until [ "$(kubectl -n "$ns" get statefulset cache -o jsonpath='{.status.readyReplicas}')" = 1 ]; do sleep 0.2; done
api GET "/apis/apps/v1/namespaces/$ns/statefulsets/cache" | save statefulset-stable.json
api GET "/apis/apps/v1/namespaces/$ns/controllerrevisions?labelSelector=app%3Dcache" | save statefulset-stable-revisions.json
api GET "/api/v1/namespaces/$ns/pods?labelSelector=app%3Dcache" | save statefulset-stable-pods.json

api POST "/apis/apps/v1/namespaces/$ns/statefulsets" "$(statefulset db)" >/dev/null
ready_ordinals db 20
kubectl -n "$ns" set image statefulset/db db=registry.example/db:2 >/dev/null
update=
until [ -n "$update" ] && [ "$update" != "$(kubectl -n "$ns" get statefulset db -o jsonpath='{.status.currentRevision}')" ]; do
  sleep 0.2; update=$(kubectl -n "$ns" get statefulset db -o jsonpath='{.status.updateRevision}')
done
# The controller deletes db-2 first; without a kubelet its termination is confirmed by force.
until [ -n "$(kubectl -n "$ns" get pod db-2 -o jsonpath='{.metadata.deletionTimestamp}')" ]; do sleep 0.2; done
kubectl -n "$ns" delete pod db-2 --grace-period=0 --force >/dev/null 2>&1
until [ "$(kubectl -n "$ns" get pod db-2 -o jsonpath='{.metadata.labels.controller-revision-hash}' 2>/dev/null)" = "$update" ]; do sleep 0.2; done
api PATCH "/api/v1/namespaces/$ns/pods/db-2/status" "$(crashing_status registry.example/db:2 10.1.1.29)" >/dev/null
until [ "$(kubectl -n "$ns" get statefulset db -o jsonpath='{.status.readyReplicas}/{.status.updatedReplicas}')" = 2/1 ]; do sleep 0.2; done
api GET "/apis/apps/v1/namespaces/$ns/statefulsets/db" | save statefulset-rollout.json
api GET "/apis/apps/v1/namespaces/$ns/controllerrevisions?labelSelector=app%3Ddb" | save statefulset-rollout-revisions.json
api GET "/api/v1/namespaces/$ns/pods?labelSelector=app%3Ddb" | save statefulset-rollout-pods.json
