# Shared helpers of all bench scripts (bench/cms_mock_vs_nginx.sh, fleet_vs_wrk.sh,
# fleet_connections.sh, fleet_storm.sh); sourced, not run. The caller sets `work` (its temp dir)
# before start_* calls.

die() { echo "bench: error: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }
load_avg() { cut -d" " -f1-3 /proc/loadavg; }

ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  (( ${#missing[@]} == 0 )) && return 0
  local sudo=()
  if (( EUID != 0 )); then
    command -v sudo >/dev/null || die "missing packages ${missing[*]} and not root (no sudo)"
    sudo=(sudo)
  fi
  log "installing ${missing[*]}"
  if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends \
      "${missing[@]}" >/dev/null; then
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends \
      "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
  fi
}

# Every process a script starts goes into pids; the EXIT trap stops them (TERM, then KILL).
pids=()
stop_all() {
  local pid i
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
bench_cleanup() {
  stop_all
  if [[ ${KEEP_WORKDIR:-0} == 1 ]]; then log "work directory kept: $work"; else rm -rf "$work"; fi
}

free_ports() {  # free_ports N: N distinct free loopback ports on one line
  python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
EOF
}

# start_cms_mock NAME CPU ARGS...: cms-mock pinned to CPU, logs in $work/cms-NAME.*; sets
# cms_http, cms_https (URLs, empty when off) and cms_pid.
start_cms_mock() {
  local name=$1 cpu=$2; shift 2
  local out=$work/cms-$name.out err=$work/cms-$name.err i
  taskset -c "$cpu" "$cms_mock" "$@" >"$out" 2>"$err" &
  cms_pid=$!
  pids+=("$cms_pid")
  for i in $(seq 1 300); do
    grep -qx ready "$out" 2>/dev/null && break
    kill -0 "$cms_pid" 2>/dev/null || die "cms-mock ($name) exited on start: $(tail -5 "$err")"
    sleep 0.1
  done
  grep -qx ready "$out" || die "cms-mock ($name) not ready after 30 s: $(tail -5 "$err")"
  cms_http=$(sed -n 's|^listening \(http://[^ ]*\)$|\1|p' "$out" | head -1)
  cms_https=$(sed -n 's|^listening \(https://[^ ]*\)$|\1|p' "$out" | head -1)
}

# make_certificates: cms-mock's development CA and leaf (the same chain bench/cms_mock_vs_nginx.sh
# gives nginx) into $work/state; $work/nginx-chain.pem is the leaf plus the CA.
make_certificates() {
  start_cms_mock certs 0 --state-dir "$work/state" --http off --https 127.0.0.1:0 --admin off \
    --log-level warn
  stop_all
  [[ -s $work/state/server.pem && -s $work/state/server.key && -s $work/state/ca.pem ]] ||
    die "cms-mock did not write server.pem/server.key/ca.pem into $work/state"
  if (( $(grep -c 'BEGIN CERTIFICATE' "$work/state/server.pem") > 1 )); then
    cp "$work/state/server.pem" "$work/nginx-chain.pem"
  else
    cat "$work/state/server.pem" "$work/state/ca.pem" > "$work/nginx-chain.pem"
  fi
}

# start_nginx ROOT CPU: bench/nginx.conf.in on two free ports; sets nginx_http, nginx_https.
start_nginx() {
  local root=$1 cpu=$2 user_line="" http_port https_port i
  read -r http_port https_port < <(free_ports 2)
  if (( EUID == 0 )); then
    if id www-data >/dev/null 2>&1; then user_line="user www-data;"; else user_line="user root;"; fi
  fi
  mkdir -p "$work/nginx-tmp"
  sed -e "s|@USER_LINE@|$user_line|" -e "s|@WORKDIR@|$work|g" -e "s|@ROOT@|$root|" \
      -e "s|@CERT@|$work/nginx-chain.pem|" -e "s|@KEY@|$work/state/server.key|" \
      -e "s|@PORT_HTTP@|$http_port|" -e "s|@PORT_HTTPS@|$https_port|" \
      "$bench/nginx.conf.in" > "$work/nginx.conf"
  nginx -t -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log" >"$work/nginx-t.log" 2>&1 ||
    die "nginx -t: $(tail -5 "$work/nginx-t.log")"
  taskset -c "$cpu" nginx -p "$work" -c "$work/nginx.conf" -e "$work/nginx-error.log" \
    >"$work/nginx.out" 2>&1 &
  pids+=("$!")
  nginx_http=http://127.0.0.1:$http_port
  nginx_https=https://127.0.0.1:$https_port
  for i in $(seq 1 100); do
    curl -s -o /dev/null "$nginx_http/" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || die "nginx exited on start: $(tail -5 "$work/nginx-error.log")"
    sleep 0.1
  done
  die "nginx did not answer on $nginx_http within 10 s"
}

# fleet_json FILE EXPR: one figure of a fleet --json report (a Python expression over `r`).
fleet_json() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"r": r})
print(f"{v:.4f}".rstrip("0").rstrip(".") if isinstance(v, float) else v)
EOF
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v >= g) ? "PASS" : "FAIL" }'; }
