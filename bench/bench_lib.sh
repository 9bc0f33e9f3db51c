# Shared helpers of all bench scripts (bench/cms_mock_vs_nginx.sh, fleet_vs_wrk.sh,
# fleet_connections.sh, fleet_storm.sh); sourced, not run, right after `set -euo pipefail`.
# Sourcing sets the defaults they share; bench_workdir sets `work`, which the start_* calls need.
# Variables cross the source boundary both ways (the callers' duration and h2load_conns, the
# figures the helpers set), which shellcheck cannot see from here:
# shellcheck shell=bash disable=SC2034,SC2154

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=$repo/bench
binary=$repo/build-bench/phone-agent/phone-agent
cms_mock=$repo/build-bench/cms-mock/cms-mock
server_cpu=${SERVER_CPU:-0}
client_cpu=${CLIENT_CPU:-1}

die() { echo "bench: error: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }
load_avg() { cut -d" " -f1-3 /proc/loadavg; }
# The usage text is the script's header comment, from line 2 up to `set -euo pipefail`.
show_help() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0; }
bad_argument() { echo "unknown argument: $1 (see --help)" >&2; exit 2; }
# need_built WHAT PATH: the benchmarks measure optimised builds, which the tests' build/ is not.
need_built() {
  [[ -x $2 ]] || die "no $1 at $2; build it first: scripts/build-pgo.sh (profile-guided and
  link-time optimised, about 5 minutes), or a plain Release build:
  APL_BUILD_DIR=build-bench scripts/build.sh -DCMAKE_BUILD_TYPE=Release"
}

# devices_csv COUNT MAC_BASE NUMBER_BASE LABEL: cms-mock's devices table on stdout, COUNT 6731i
# phones at firmware 3.2.2.3077: MACs MAC_BASE + i (12 hex digits), Device Access login
# dev<N>/pw<N> with N = NUMBER_BASE + i, one SIP line (the built-in mac.cfg.template needs it)
# shown as "LABEL i".
devices_csv() {
  python3 - "$@" <<'EOF'
import sys
count, base, number, label = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
print("mac,model,firmware,device_username,device_password,line1_auth_name,line1_password,"
      "line1_user_name,line1_display_name,line1_registrar")
for i in range(count):
    n = f"{number + i}"
    print(f"{base + i:012X},6731i,3.2.2.3077,dev{n},pw{n},{n},sip{n},{n},{label} {i},127.0.0.1")
EOF
}

# build_kind BINARY: how the build directory holding BINARY (<dir>/<program>/<program>) was
# configured, for the record: "Release, PGO use, LTO" and the like.
build_kind() {
  local cache
  cache=$(dirname "$(dirname "$1")")/CMakeCache.txt
  [[ -f $cache ]] || { echo "unknown build"; return; }
  awk -F= '/^CMAKE_BUILD_TYPE:/ { t = $2 } /^APL_PGO:/ { p = $2 } /^APL_LTO:/ { l = $2 }
    END { printf "%s%s%s\n", (t == "" ? "default" : t), (p == "" ? "" : ", PGO " p), (l == "ON" ? ", LTO" : "") }' "$cache"
}

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
# bench_workdir NAME: a fresh $work (/tmp/bench-NAME.XXXXXX) that the exit removes along with every
# process in pids; load_before is the load average before the script adds any.
bench_workdir() {
  work=$(mktemp -d "/tmp/bench-$1.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM HUP
  load_before=$(load_avg)
}

# raise_nofile NEED: each side of a connection benchmark holds one descriptor per connection.
raise_nofile() {
  local need=$1
  (( $(ulimit -n) < need )) || return 0
  (( $(ulimit -Hn) >= need )) || ulimit -Hn "$need" 2>/dev/null ||
    die "RLIMIT_NOFILE hard limit $(ulimit -Hn) < $need and cannot be raised (run as root)"
  ulimit -n "$need"
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
# cms_http, cms_https (URLs, empty when off) and cms_pid. cms_mock_prefix goes before it (a
# diagnostic LD_PRELOAD, say).
cms_mock_prefix=()
start_cms_mock() {
  local name=$1 cpu=$2; shift 2
  local out=$work/cms-$name.out err=$work/cms-$name.err i
  "${cms_mock_prefix[@]}" taskset -c "$cpu" "$cms_mock" "$@" >"$out" 2>"$err" &
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

# make_certificates: cms-mock's development CA and leaf into $work/state.
make_certificates() {
  start_cms_mock certs 0 --state-dir "$work/state" --http off --https 127.0.0.1:0 --admin off \
    --log-level warn
  stop_all
  check_certificates
}
# check_certificates: a cms-mock wrote its CA and server certificate into $work/state. nginx serves
# that server.pem as it is, so it sends what cms-mock sends (the leaf alone; the development CA is a
# root the clients are given with --ca / -CAfile) and clients parse the same certificates from both.
check_certificates() {
  [[ -s $work/state/server.pem && -s $work/state/server.key && -s $work/state/ca.pem ]] ||
    die "cms-mock did not write server.pem/server.key/ca.pem into $work/state"
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
      -e "s|@CERT@|$work/state/server.pem|" -e "s|@KEY@|$work/state/server.key|" \
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

# wrk_result KEY OUT: the WRKRESULT line bench/wrk_report.lua printed into OUT. Sets requests,
# dur_us, p50_us, p99_us, status (answers not 2xx/3xx) and sock (socket errors), which the caller
# declares local; dies when no request completed.
wrk_result() {
  local key=$1 out=$2 line connect read write timeout_
  line=$(grep '^WRKRESULT ' "$out") || die "wrk ($key): no result line: $(tail -5 "$out")"
  eval "$(sed 's/^WRKRESULT //; s/duration_us=/dur_us=/; s/timeout=/timeout_=/' <<<"$line" |
          tr ' ' '\n' | grep -E '^[a-z0-9_]+=[0-9]+$')"
  (( requests > 0 )) || die "wrk ($key): no request completed: $(tail -5 "$out")"
  sock=$((connect + read + write + timeout_))
}

# h2load_count URL: h2load needs a request count, and its rate differs from wrk's; a short
# calibration run (16 requests per client, h2load_conns clients) sizes the real run to about
# 0.85 x duration. (h2load -D with --h1 and Connection: close hangs at the end of the run.)
h2load_count() {
  local out=$work/h2load-calibration.out n=$((h2load_conns * 16)) r
  timeout 30 taskset -c "$client_cpu" h2load --h1 -c"$h2load_conns" -n "$n" \
    --header='Connection: close' "$1" >"$out" 2>&1 || die "h2load calibration failed: $(tail -3 "$out")"
  r=$(sed -n 's/^finished in [0-9.]*m\{0,1\}s, \([0-9.]*\) req\/s.*/\1/p' "$out")
  [[ -n $r ]] || die "h2load calibration: unreadable output: $(tail -3 "$out")"
  awk -v r="$r" -v d="$duration" -v m="$n" 'BEGIN { n = int(r * (d - 0.5) * 0.85); print (n < m) ? m : n }'
}

# h2load_result KEY OUT: the summary of an h2load run in OUT. Sets secs, done_, succeeded, failed
# and errored, which the caller declares local.
h2load_result() {
  local key=$1 out=$2
  secs=$(sed -n 's/^finished in \([0-9.]*\)\(m\{0,1\}\)s,.*/\1 \2/p' "$out" |
         awk '{ printf "%.3f", ($2 == "m") ? $1 / 1000 : $1 }')
  read -r done_ succeeded failed errored < <(sed -n \
    's/^requests: [0-9]* total, [0-9]* started, \([0-9]*\) done, \([0-9]*\) succeeded, \([0-9]*\) failed, \([0-9]*\) errored.*/\1 \2 \3 \4/p' "$out")
  [[ -n $secs && -n $succeeded ]] || die "h2load ($key): unreadable output: $(tail -5 "$out")"
}

# median_of VALUE...: the middle value (the lower of the two middle ones for an even count).
median_of() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
# verdict VALUE OP GOAL: PASS when VALUE OP GOAL holds, OP being >= or <.
verdict() { awk -v v="$1" -v op="$2" -v g="$3" 'BEGIN {
  ok = (op == ">=") ? (v >= g) : (v < g); print ok ? "PASS" : "FAIL" }'; }
