#!/usr/bin/env bash
# A real, local Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and one simulated Ready node. Built once per machine from Debian bookworm's sources.
#
#   hack/control-plane.sh [--state-dir DIR] deps|build|baseline|up|down|env|status|kubeconfig|kubectl|established|stop|start|etcdctl
#
#   deps        install the Debian packages the plane and the Swift build need
#   build       deps, then build the Kubernetes binaries into the cache (once per machine)
#   baseline    build, then the client-go baseline of `resilience-bench operator` from the same source
#               tree (hack/baseline/main.go); prints its path
#   up          build, then start a plane in the state folder, or reuse the one running there
#   down        stop exactly the processes this state folder started
#   env         print the shell exports for the plane (eval "$(hack/control-plane.sh env)")
#   status      say what runs and whether the API server is ready (exit 1 when it is not)
#   kubeconfig  print the path of the plane's admin kubeconfig
#   kubectl ... run the kubectl built here against the plane
#   established CRD
#               wait (30 s at most) until the CustomResourceDefinition CRD is Established; unlike
#               `kubectl wait --for=condition=Established`, which fails at once while a CRD just created
#               has no conditions yet
#   stop NAME   stop one component (etcd, kube-apiserver, ...) of a running plane, for fault tests
#   start NAME [FLAG...]
#               start it again with the arguments it had, and FLAGs after them for this run only
#               (e.g. start kube-apiserver --max-requests-inflight 2 --watch-cache=false)
#   etcdctl ... run etcdctl against the plane's etcd (to compact it, say)
#
# Environment: RO_CACHE_DIR (default ~/.cache/resilience-operator) holds the build and the default
# state folder; RO_STATE_DIR picks the state folder (as --state-dir does), so several planes can run
# side by side.
set -euo pipefail

readonly K8S_VERSION=1.20.2
readonly DEB_SOURCE_VERSION=1.20.5+really1.20.2
readonly K8S_COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
readonly NODE_NAME=sim-node-1
readonly SERVICE_CIDR=10.0.0.0/24
readonly APT_PACKAGES=(etcd-server etcd-client golang-go golang-github-modern-go-reflect2-dev rsync jq openssl curl
  dpkg-dev util-linux iproute2 libcurl4-openssl-dev libyaml-dev prometheus prometheus-alertmanager
  buildah skopeo socat binutils ca-certificates python3 docker-registry tzdata)

CACHE_DIR=${RO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/resilience-operator}
BUILD_DIR=$CACHE_DIR/kubernetes-$K8S_VERSION
BIN_DIR=$BUILD_DIR/bin
STATE_DIR=${RO_STATE_DIR:-$CACHE_DIR/planes/default}

log() { printf '[control-plane %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# step NAME LOGFILE CMD...: runs CMD with its output in LOGFILE; on failure names the step and the log.
step() {
  local name=$1 logfile=$2
  shift 2
  log "$name (log: $logfile)"
  if ! "$@" >"$logfile" 2>&1; then
    log "error: step '$name' failed; the last lines of $logfile:"
    tail -n 25 "$logfile" >&2 || true
    exit 1
  fi
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- deps -----------------------------------------------------------------------------------------

has_deb_src() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && grep -qE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' "$f" && return 0
  done
  return 1
}

add_deb_src() {
  # deb822 with the archive keyring, so it agrees with a deb822 "deb" entry for the same URI.
  as_root tee /etc/apt/sources.list.d/resilience-operator-src.sources >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

cmd_deps() {
  mkdir -p "$CACHE_DIR"
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  local need_update=0
  if ! has_deb_src; then
    log "adding a deb-src entry for bookworm main"
    add_deb_src
    need_update=1
  fi
  if [ ${#missing[@]} -gt 0 ]; then need_update=1; fi
  if [ $need_update -eq 1 ]; then step "apt-get update" "$CACHE_DIR/apt-update.log" as_root apt-get update; fi
  if [ ${#missing[@]} -gt 0 ]; then
    step "apt-get install ${missing[*]}" "$CACHE_DIR/apt-install.log" \
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
}

# --- build ----------------------------------------------------------------------------------------

binaries_present() {
  local c
  for c in "${K8S_COMPONENTS[@]}"; do [ -x "$BIN_DIR/$c" ] || return 1; done
}

replace_reflect2() {
  # Kubernetes 1.20 vendors reflect2 1.0.1, which crashes under Go >= 1.18 on the first custom
  # resource; Debian's 1.0.2 carries the fix. Copy its sources (not its tests) over the vendored ones.
  local src=/usr/share/gocode/src/github.com/modern-go/reflect2 dst=$1/vendor/github.com/modern-go/reflect2
  [ -d "$src" ] || die "$src is missing (package golang-github-modern-go-reflect2-dev)"
  rm -f "$dst"/*.go "$dst"/*.s
  find "$src" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) ! -name '*_test.go' -exec cp {} "$dst"/ \;
  grep -rq 'go_above_118\|mapiterinit' "$dst" || die "reflect2 replacement did not take"
}

# fetch_tree: Debian's Kubernetes source tree (vendor/ included) unpacked into $BUILD_DIR/src; prints its path.
fetch_tree() {
  local src_root=$BUILD_DIR/src tree
  tree=$src_root/kubernetes-$K8S_VERSION
  rm -rf "$src_root" && mkdir -p "$src_root"
  (cd "$src_root" && apt-get source --download-only "kubernetes=$DEB_SOURCE_VERSION*" \
    || apt-get source --download-only kubernetes) >"$BUILD_DIR/source.log" 2>&1 \
    || { tail -n 20 "$BUILD_DIR/source.log" >&2; die "step 'apt-get source kubernetes' failed (log: $BUILD_DIR/source.log)"; }
  local dsc
  dsc=$(ls "$src_root"/kubernetes_"$DEB_SOURCE_VERSION"-*.dsc | head -n 1)
  # dpkg-source unpacks the full upstream tree (vendor/ included) and applies Debian's security patches.
  step "unpack $(basename "$dsc")" "$BUILD_DIR/unpack.log" \
    dpkg-source --no-check -x "$dsc" "$tree"
  replace_reflect2 "$tree"
  echo "$tree"
}

# build_baseline TREE: the client-go remediator that `resilience-bench operator` compares with, built
# from hack/baseline/main.go against the tree's vendored client-go.
build_baseline() {
  local tree=$1 here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  mkdir -p "$tree/cmd/client-go-remediator"
  cp "$here/baseline/main.go" "$tree/cmd/client-go-remediator/main.go"
  # GOPATH mode, as Kubernetes 1.20's own build: the tree is k8s.io/kubernetes, its vendor/ serves client-go.
  mkdir -p "$tree/.go/src/k8s.io" && ln -sfn ../../.. "$tree/.go/src/k8s.io/kubernetes"
  step "build the client-go baseline" "$BUILD_DIR/baseline.log" \
    env -C "$tree/.go/src/k8s.io/kubernetes" CGO_ENABLED=0 GO111MODULE=off GOPATH="$tree/.go" GOCACHE="$BUILD_DIR/gocache" \
    go build -o "$BIN_DIR/client-go-remediator" k8s.io/kubernetes/cmd/client-go-remediator
}

build_kubernetes() {
  local src_root=$BUILD_DIR/src tree
  tree=$(fetch_tree)
  log "building ${K8S_COMPONENTS[*]} with $(go version | cut -d' ' -f3) (about 5 minutes on 2 cores)"
  local build_log=$BUILD_DIR/make.log what="" c
  for c in "${K8S_COMPONENTS[@]}"; do what+="cmd/$c "; done
  (
    cd "$tree"
    export CGO_ENABLED=0 GOFLAGS=-mod=vendor GOPATH=$tree/.go GOCACHE=$BUILD_DIR/gocache
    export KUBE_GIT_VERSION=v$K8S_VERSION KUBE_GIT_TREE_STATE=clean KUBE_GIT_MAJOR=1 KUBE_GIT_MINOR=20
    mkdir -p .go/src/k8s.io && ln -sfn ../../.. .go/src/k8s.io/kubernetes
    make WHAT="$what" >"$build_log" 2>&1 &
    local pid=$! started=$SECONDS
    while kill -0 $pid 2>/dev/null; do
      sleep 15
      kill -0 $pid 2>/dev/null && log "  still building ($((SECONDS - started)) s): $(tail -n 1 "$build_log" | cut -c1-100)"
    done
    wait $pid
  ) || {
    log "error: step 'make' failed; the last lines of $build_log:"
    tail -n 25 "$build_log" >&2
    rm -rf "$tree/_output"
    exit 1
  }
  mkdir -p "$BIN_DIR.tmp"
  for c in "${K8S_COMPONENTS[@]}"; do cp "$tree/_output/bin/$c" "$BIN_DIR.tmp/"; done
  rm -rf "$BIN_DIR" && mv "$BIN_DIR.tmp" "$BIN_DIR"
  build_baseline "$tree"
  rm -rf "$src_root" "$BUILD_DIR/gocache"
  log "built into $BIN_DIR"
}

cmd_baseline() {
  cmd_build
  [ -x "$BIN_DIR/client-go-remediator" ] && [ "$BIN_DIR/client-go-remediator" -nt "$(dirname "${BASH_SOURCE[0]}")/baseline/main.go" ] && {
    echo "$BIN_DIR/client-go-remediator"; return 0; }
  exec 8>"$BUILD_DIR/.build.lock"
  flock 8
  local tree
  tree=$(fetch_tree)
  build_baseline "$tree"
  rm -rf "$BUILD_DIR/src" "$BUILD_DIR/gocache"
  flock -u 8
  echo "$BIN_DIR/client-go-remediator"
}

cmd_build() {
  # Cheap when everything is there; a machine that cached the binaries earlier may still lack a package
  # added since (prometheus, prometheus-alertmanager).
  cmd_deps
  if binaries_present; then return 0; fi
  mkdir -p "$BUILD_DIR"
  exec 8>"$BUILD_DIR/.build.lock"
  flock 8
  binaries_present || build_kubernetes
  flock -u 8
}

# --- PKI ------------------------------------------------------------------------------------------

# cert NAME SUBJECT [EXTENSIONS]: a key and a certificate signed by the plane's CA.
cert() {
  local name=$1 subject=$2 ext=${3:-} pki=$STATE_DIR/pki
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$name.key" 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subject" -out "$pki/$name.csr"
  printf '%s\n' "$ext" >"$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}

make_pki() {
  local pki=$STATE_DIR/pki
  mkdir -p "$pki" && chmod 700 "$pki"
  # ECDSA P-256 throughout: RSA keys would take seconds to generate on every start.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 30 \
    -subj "/CN=resilience-operator-local-ca" 2>/dev/null
  cert apiserver "/CN=kube-apiserver" "$(printf '%s\n' \
    'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' \
    'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc')"
  local client='basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'
  cert admin "/O=system:masters/CN=admin" "$client"
  cert controller-manager "/CN=system:kube-controller-manager" "$client"
  cert scheduler "/CN=system:kube-scheduler" "$client"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/sa.key" 2>/dev/null
  openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

# kubeconfig NAME CERT: a kubeconfig with the CA, the server and the client certificate inline.
write_kubeconfig() {
  local name=$1 user=$2 pki=$STATE_DIR/pki
  cat >"$STATE_DIR/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$(cat "$STATE_DIR/ports/apiserver")
    certificate-authority-data: $(base64 -w0 <"$pki/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$pki/$user.crt")
    client-key-data: $(base64 -w0 <"$pki/$user.key")
contexts:
- name: local
  context:
    cluster: local
    user: $user
    namespace: default
current-context: local
EOF
  chmod 600 "$STATE_DIR/$name.kubeconfig"
}

# --- processes ------------------------------------------------------------------------------------

# Any socket on the port counts, not only listeners: an outgoing connection's local port blocks a bind too.
port_in_use() { ss -Htan "sport = :$1" | grep -q .; }

# free_port TAKEN...: a free port below the kernel's ephemeral range (where outgoing connections take
# their local ports, so a port free now may be taken by the time a daemon binds it), not among TAKEN.
free_port() {
  local p taken=" $* " low
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  [ "$low" -gt 12000 ] || low=32768
  while :; do
    p=$((10000 + RANDOM % (low - 10000)))
    [[ $taken == *" $p "* ]] && continue
    port_in_use "$p" || { echo "$p"; return; }
  done
}

# start NAME BINARY ARGS...: starts a daemon in its own session, logging to logs/NAME.log. The daemon
# inherits no descriptor but the three standard ones: not our lock, and not a pipe or socket through
# which whoever ran this script waits for it to finish.
start() {
  local name=$1
  shift
  mkdir -p "$STATE_DIR/cmd"
  printf '%s\0' "$@" >"$STATE_DIR/cmd/$name"
  (
    for fd in $(ls /proc/$BASHPID/fd); do
      [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
    done
    exec setsid "$@" >"$STATE_DIR/logs/$name.log" 2>&1 </dev/null
  ) &
  local pid=$! i
  echo "$pid" >"$STATE_DIR/pids/$name"
  # Until it execs, the subshell runs this script's command line, which pid_alive does not recognise:
  # return once the daemon's own command line (naming this state folder) has replaced it, or it is gone.
  for i in $(seq 1 250); do
    [ -r "/proc/$pid/cmdline" ] || break
    [[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == *"$STATE_DIR/"* ]] && break
    sleep 0.02
  done
}

# A PID file names our process only while that PID still runs what we started: its command line names
# this state folder. The command line reads empty for an instant while a process execs (and for good once
# it has exited), so an empty one is read again before it counts.
pid_alive() {
  local name=$1 pid cmd="" i
  [ -f "$STATE_DIR/pids/$name" ] || return 1
  pid=$(cat "$STATE_DIR/pids/$name")
  for i in 1 2 3 4 5; do
    [ -r "/proc/$pid/cmdline" ] || return 1
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
    [ -n "$cmd" ] && break
    sleep 0.02
  done
  [[ $cmd == *"$STATE_DIR/"* ]]
}

readonly DAEMONS=(etcd kube-apiserver kube-controller-manager kube-scheduler)

curl_api() {
  local pki=$STATE_DIR/pki
  curl -fsS --max-time 5 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "https://127.0.0.1:$(cat "$STATE_DIR/ports/apiserver")$1"
}

api_ready() { [ -f "$STATE_DIR/ports/apiserver" ] && [ "$(curl_api /readyz 2>/dev/null)" = ok ]; }

# wait_for WHAT SECONDS CMD...: polls a startup condition of a process we just launched.
wait_for() {
  local what=$1 deadline=$((SECONDS + $2))
  shift 2
  until "$@" >/dev/null 2>&1; do
    local d
    for d in "${DAEMONS[@]}"; do
      if [ -f "$STATE_DIR/pids/$d" ] && ! pid_alive "$d"; then
        log "error: $d exited while waiting for $what; the last lines of $STATE_DIR/logs/$d.log:"
        tail -n 25 "$STATE_DIR/logs/$d.log" >&2
        exit 1
      fi
    done
    [ $SECONDS -lt $deadline ] || die "timed out waiting for $what (logs in $STATE_DIR/logs)"
    sleep 0.2
  done
}

kubectl_admin() { "$BIN_DIR/kubectl" --kubeconfig "$STATE_DIR/admin.kubeconfig" "$@"; }

register_node() {
  local now
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  # Nodes accept status on create. The TaintNodesByCondition admission plugin still adds the
  # not-ready taint, which nothing removes without a kubelet and the node lifecycle controller.
  kubectl_admin apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  labels:
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    resilience.dev/simulated: "true"
status:
  capacity: {cpu: "1000", memory: 4000Gi, pods: "10000", ephemeral-storage: 1000Gi}
  allocatable: {cpu: "1000", memory: 4000Gi, pods: "10000", ephemeral-storage: 1000Gi}
  addresses: [{type: InternalIP, address: 127.0.0.1}, {type: Hostname, address: $NODE_NAME}]
  conditions:
  - {type: Ready, status: "True", reason: SimulatedNodeReady, message: "simulated by resilience-operator", lastHeartbeatTime: "$now", lastTransitionTime: "$now"}
  - {type: MemoryPressure, status: "False", reason: SimulatedNode, lastHeartbeatTime: "$now", lastTransitionTime: "$now"}
  - {type: DiskPressure, status: "False", reason: SimulatedNode, lastHeartbeatTime: "$now", lastTransitionTime: "$now"}
  - {type: PIDPressure, status: "False", reason: SimulatedNode, lastHeartbeatTime: "$now", lastTransitionTime: "$now"}
  nodeInfo: {kubeletVersion: v$K8S_VERSION, operatingSystem: linux, architecture: amd64, containerRuntimeVersion: "simulated://1", kernelVersion: "", osImage: "", kubeProxyVersion: "", machineID: "", systemUUID: "", bootID: ""}
EOF
  kubectl_admin patch node "$NODE_NAME" --type=json -p '[{"op":"replace","path":"/spec/taints","value":[]}]' >/dev/null
}

node_schedulable() {
  [ "$(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.spec.taints}')" = "" ]
}

default_service_account_ready() {
  kubectl_admin -n default get serviceaccount default -o jsonpath='{.secrets[0].name}' | grep -q .
}

start_plane() {
  local started=$SECONDS
  rm -rf "$STATE_DIR/etcd" "$STATE_DIR/pki" "$STATE_DIR/ports" "$STATE_DIR/pids" "$STATE_DIR/logs" "$STATE_DIR/cmd"
  mkdir -p "$STATE_DIR/ports" "$STATE_DIR/pids" "$STATE_DIR/logs"
  make_pki
  local etcd_port etcd_peer api_port cm_port sched_port pki=$STATE_DIR/pki
  etcd_port=$(free_port)
  etcd_peer=$(free_port "$etcd_port")
  api_port=$(free_port "$etcd_port" "$etcd_peer")
  cm_port=$(free_port "$etcd_port" "$etcd_peer" "$api_port")
  sched_port=$(free_port "$etcd_port" "$etcd_peer" "$api_port" "$cm_port")
  echo "$etcd_port" >"$STATE_DIR/ports/etcd"
  echo "$api_port" >"$STATE_DIR/ports/apiserver"
  write_kubeconfig admin admin
  write_kubeconfig controller-manager controller-manager
  write_kubeconfig scheduler scheduler

  log "starting etcd on 127.0.0.1:$etcd_port"
  start etcd etcd --name "$(basename "$STATE_DIR")" --data-dir "$STATE_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "$(basename "$STATE_DIR")=http://127.0.0.1:$etcd_peer"
  wait_for "etcd" 30 curl -fsS "http://127.0.0.1:$etcd_port/health"

  # The audit log records the requests of the benchmarks' ServiceAccounts only (resilience-bench counts
  # API requests per action from it); everyone else's are not logged.
  cat >"$STATE_DIR/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  userGroups: ["system:serviceaccounts:resilience-bench"]
- level: None
EOF
  log "starting kube-apiserver on https://127.0.0.1:$api_port"
  start kube-apiserver "$BIN_DIR/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" --insecure-port 0 \
    --cert-dir "$pki" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --authorization-mode Node,RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --allow-privileged=true --profiling=false \
    --endpoint-reconciler-type none \
    --audit-policy-file "$STATE_DIR/audit-policy.yaml" --audit-log-path "$STATE_DIR/logs/audit.log" \
    --audit-log-maxsize 200 --audit-log-maxbackup 1
  wait_for "kube-apiserver /readyz" 60 api_ready

  log "starting kube-controller-manager and kube-scheduler"
  start kube-controller-manager "$BIN_DIR/kube-controller-manager" \
    --kubeconfig "$STATE_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$STATE_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$STATE_DIR/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$cm_port" --port 0 --leader-elect=false \
    --controllers '*,-nodeipam,-nodelifecycle' --use-service-account-credentials \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --profiling=false --kube-api-qps 500 --kube-api-burst 1000
  start kube-scheduler "$BIN_DIR/kube-scheduler" \
    --kubeconfig "$STATE_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig "$STATE_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig "$STATE_DIR/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$sched_port" --port 0 --leader-elect=false --profiling=false \
    --kube-api-qps 500 --kube-api-burst 1000

  log "registering the simulated node $NODE_NAME"
  wait_for "the simulated node to register" 30 register_node
  wait_for "the simulated node to be schedulable" 30 node_schedulable
  wait_for "the default service account" 60 default_service_account_ready
  log "ready in $((SECONDS - started)) s"
}

cmd_up() {
  cmd_build
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/.lock"
  flock 9
  if plane_running; then
    log "reusing the plane running in $STATE_DIR"
  else
    stop_plane
    start_plane
  fi
  flock -u 9
  print_usage
}

plane_running() {
  local d
  for d in "${DAEMONS[@]}"; do pid_alive "$d" || return 1; done
  api_ready
}

stop_daemon() {
  local d=$1 pid i
  pid_alive "$d" || { rm -f "$STATE_DIR/pids/$d"; return 0; }
  pid=$(cat "$STATE_DIR/pids/$d")
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do pid_alive "$d" || break; sleep 0.1; done
  pid_alive "$d" && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$STATE_DIR/pids/$d"
  log "stopped $d ($pid)"
}

stop_plane() {
  local d
  for d in kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_daemon "$d"; done
}

# For fault tests: stop or start one component of a running plane, with the arguments it started with.
component_name() {
  local d
  for d in "${DAEMONS[@]}"; do [ "$d" = "${1:-}" ] && return 0; done
  die "unknown component '${1:-}' (one of: ${DAEMONS[*]})"
}

cmd_stop_component() {
  component_name "$1"
  exec 9>"$STATE_DIR/.lock"
  flock 9
  stop_daemon "$1"
}

cmd_start_component() {
  local name=${1:-}
  component_name "$name"
  shift
  [ -f "$STATE_DIR/cmd/$name" ] || die "$name never ran in $STATE_DIR"
  exec 9>"$STATE_DIR/.lock"
  flock 9
  if pid_alive "$name"; then log "$name already runs"; return 0; fi
  local args=()
  mapfile -d '' args <"$STATE_DIR/cmd/$name"
  # Later flags win; the saved command stays the plane's own, so the next start drops them.
  start "$name" "${args[@]}" "$@"
  printf '%s\0' "${args[@]}" >"$STATE_DIR/cmd/$name"
  log "started $name ($(cat "$STATE_DIR/pids/$name"))${*:+ with $*}"
  if [ "$name" = kube-apiserver ]; then wait_for "kube-apiserver /readyz" 60 api_ready; fi
}

# etcdctl against the plane's etcd, for fault tests (compaction).
cmd_established() {
  local crd=${1:?established needs a CRD name} status=
  for _ in $(seq 150); do
    status=$("$BIN_DIR/kubectl" --kubeconfig "$STATE_DIR/admin.kubeconfig" get crd "$crd" \
      -o 'jsonpath={.status.conditions[?(@.type=="Established")].status}' 2>/dev/null || true)
    [ "$status" = True ] && return 0
    sleep 0.2
  done
  echo "the CRD $crd is not Established after 30 s" >&2
  return 1
}

cmd_etcdctl() {
  ETCDCTL_API=3 exec etcdctl --endpoints "http://127.0.0.1:$(cat "$STATE_DIR/ports/etcd")" "$@"
}

cmd_down() {
  [ -d "$STATE_DIR" ] || { log "nothing runs in $STATE_DIR"; return 0; }
  exec 9>"$STATE_DIR/.lock"
  flock 9
  stop_plane
  rm -rf "$STATE_DIR/etcd"
  flock -u 9
}

cmd_env() {
  [ -f "$STATE_DIR/admin.kubeconfig" ] || die "no plane in $STATE_DIR: run '$0 up' first"
  printf 'export KUBECONFIG=%q\n' "$STATE_DIR/admin.kubeconfig"
  printf 'export PATH=%q:"$PATH"\n' "$BIN_DIR"
}

cmd_status() {
  local d ok=0
  for d in "${DAEMONS[@]}"; do
    if pid_alive "$d"; then echo "$d: running (pid $(cat "$STATE_DIR/pids/$d"))"; else echo "$d: stopped"; ok=1; fi
  done
  if api_ready; then echo "kube-apiserver: ready at https://127.0.0.1:$(cat "$STATE_DIR/ports/apiserver")"
  else echo "kube-apiserver: not ready"; ok=1; fi
  return $ok
}

print_usage() {
  cat >&2 <<EOF

The control plane in $STATE_DIR is ready. To use it:
  eval "\$($0${STATE_ARG:+ --state-dir $STATE_DIR} env)"
  kubectl get nodes          # the kubectl built here, v$K8S_VERSION
Or: export KUBECONFIG=$STATE_DIR/admin.kubeconfig PATH=$BIN_DIR:\$PATH
EOF
}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

main() {
  STATE_ARG=""
  while [ $# -gt 0 ]; do
    case $1 in
      --state-dir) STATE_DIR=$(realpath -m "$2"); STATE_ARG=1; shift 2 ;;
      --state-dir=*) STATE_DIR=$(realpath -m "${1#*=}"); STATE_ARG=1; shift ;;
      -h|--help) usage; return 0 ;;
      *) break ;;
    esac
  done
  case ${1:-} in
    deps) cmd_deps ;;
    build) cmd_build ;;
    baseline) cmd_baseline ;;
    up) cmd_up ;;
    down) cmd_down ;;
    env) cmd_env ;;
    status) cmd_status ;;
    kubeconfig) echo "$STATE_DIR/admin.kubeconfig" ;;
    kubectl) shift; exec "$BIN_DIR/kubectl" --kubeconfig "$STATE_DIR/admin.kubeconfig" "$@" ;;
    stop) cmd_stop_component "${2:-}" ;;
    start) shift; cmd_start_component "$@" ;;
    established) cmd_established "${2:-}" ;;
    etcdctl) shift; cmd_etcdctl "$@" ;;
    *) usage >&2; return 2 ;;
  esac
}

main "$@"
