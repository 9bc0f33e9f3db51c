#!/usr/bin/env bash
# Memory of idle fleet phones: N phones that have booted once and now wait --resync-interval for
# their resync. Once every first boot is over, the process's VmRSS / VmHWM are read from /proc and
# the run is stopped.
#   bench/fleet_memory.sh [--count N] [--threads T] [--binary PATH] [--provisioned [--concurrency C]]
# Default: every first boot fails at once (nothing listens on the port), the smallest idle phone.
# --provisioned: the phones provision for real from cms-mock (same build directory as the
#   binary): each device in cms-mock's table with its own Digest login, aastra.cfg, <model>.cfg and
#   <MAC>.cfg over HTTP, firmware already current; at most C boots at once (default 1000). An idle
#   phone then also holds its configuration in force. Fails unless all N provisioned.
# Goal (#6): 100,000 idle phones under 400 MB RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
count=100000
threads=1
binary=${APL_BUILD_DIR:-build-bench}/phone-agent/phone-agent
provisioned=0
concurrency=1000
while [[ $# -gt 0 ]]; do
  case $1 in
    --count) count=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --provisioned) provisioned=1; shift ;;
    --concurrency) concurrency=$2; shift 2 ;;
    *) echo "usage: $0 [--count N] [--threads T] [--binary PATH] [--provisioned [--concurrency C]]" >&2; exit 2 ;;
  esac
done
[[ -x $binary ]] || { echo "fleet_memory: $binary not built (scripts/build-pgo.sh, or Release: scripts/build.sh in build-bench)" >&2; exit 2; }
[[ $count =~ ^[0-9]+$ && $count -gt 0 ]] || { echo "fleet_memory: --count must be a positive number" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
log=$work/fleet.log
extra=()
if [[ $provisioned == 1 ]]; then
  cms=$(dirname "$(dirname "$binary")")/cms-mock/cms-mock
  [[ -x $cms ]] || { echo "fleet_memory: $cms not built (needed by --provisioned)" >&2; exit 2; }
  # Devices 00085D000000.. with login devN/pwN; 6731i and 9480i alternate as --models 1:1 deals them.
  python3 - "$count" >"$work/cms-mock.yaml" <<'PY'
import sys
n = int(sys.argv[1])
out = ["firmware:",
       "  - {model: 6731i, version: 3.2.2.3077, size: 4096}",
       "  - {model: 9480i, version: 3.2.2.3077, size: 4096}",
       "limits: {journal_size: 1000, max_connections: 4096}",
       "devices:"]
for i in range(n):
    out.append("  - {mac: %012X, model: %s, device: {username: dev%d, password: pw%d}, "
               "lines: [{auth_name: \"%d\", password: x, user_name: \"%d\", display_name: P%d, registrar: 127.0.0.1}]}"
               % (0x00085D000000 + i, "9480i" if i % 2 else "6731i", i, i, i, i, i))
print("\n".join(out))
PY
  "$cms" --config "$work/cms-mock.yaml" --http 127.0.0.1:0 --https off --admin 127.0.0.1:0 \
    --state-dir "$work/state" --log-level warn >"$work/cms.out" 2>"$work/cms.log" &
  pids+=($!)
  for _ in $(seq 3000); do  # 100,000 devices take a while to load
    grep -q '^ready' "$work/cms.out" && break
    kill -0 "${pids[0]}" 2>/dev/null || break
    sleep 0.1
  done
  grep -q '^ready' "$work/cms.out" || { echo "fleet_memory: cms-mock did not start:" >&2; cat "$work/cms.log" >&2; exit 1; }
  url=$(sed -n 's/^listening \(http:\/\/[^ ]*\)$/\1/p' "$work/cms.out" | head -1)
  server="$url/dms/Aastra{model}/"
  extra=(--mac-start 00085D000000 --models 6731i:1,9480i:1 --firmware 3.2.2.3077 --concurrency "$concurrency")
else
  # A port that refuses connections: bind one, note it, close it.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  server="http://127.0.0.1:$port/dms/Aastra{model}/"
fi
# shellcheck disable=SC2086  # APL_FLEET_EXTRA is a list of extra options
"$binary" fleet --server "$server" --count "$count" --resyncs 1 --resync-interval 3600s \
  --threads "$threads" "${extra[@]}" ${APL_FLEET_EXTRA:-} 2>"$log" >/dev/null &
pid=$!
pids+=("$pid")
# Every first boot has ended when "started N/2N" shows with nothing in flight.
done_line="started $count/$((2 * count)) in-flight 0 "
for _ in $(seq 1 600); do
  sleep 1
  if grep -q "$done_line" "$log"; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
done
grep -q "$done_line" "$log" || { tail -3 "$log" >&2; exit 1; }
sleep 1  # the shard hands freed memory back once its last boot has ended
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
last=$(grep "$done_line" "$log" | tail -1)
if [[ $provisioned == 1 ]]; then
  grep -q "$done_line.*provisioned $count failed 0 " <<<"$last" || {
    echo "fleet_memory: not every phone provisioned: $last" >&2; exit 1; }
fi
printf 'fleet_memory: %d idle phones (%s), %d thread(s): VmRSS %d KiB (%.0f MB), VmHWM %d KiB, %.0f bytes/phone\n' \
  "$count" "$([[ $provisioned == 1 ]] && echo provisioned || echo 'first boot failed')" "$threads" \
  "$rss" "$(echo "$rss/1000" | bc -l)" "$hwm" "$(echo "$rss*1024/$count" | bc -l)"
