#!/usr/bin/env bash
# Memory of idle fleet phones: N phones whose first boot fails at once (nothing listens on the
# port) and who then wait --resync-interval for their resync. Once every first boot is over, the
# process's VmRSS / VmHWM are read from /proc and the run is stopped.
#   bench/fleet_memory.sh [--count N] [--threads T] [--binary PATH]
# Goal (#6): 100,000 idle phones under 400 MB RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
count=100000
threads=1
binary=${APL_BUILD_DIR:-build-bench}/phone-agent/phone-agent
while [[ $# -gt 0 ]]; do
  case $1 in
    --count) count=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    *) echo "usage: $0 [--count N] [--threads T] [--binary PATH]" >&2; exit 2 ;;
  esac
done
[[ -x $binary ]] || { echo "fleet_memory: $binary not built (Release: scripts/build.sh in build-bench)" >&2; exit 2; }

# A port that refuses connections: bind one, note it, close it.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$binary" fleet --server "http://127.0.0.1:$port/dms/Aastra{model}/" --count "$count" \
  --resyncs 1 --resync-interval 300s --threads "$threads" ${APL_FLEET_EXTRA:-} 2>"$log" >/dev/null &
pid=$!
# Every first boot has ended when "started N/2N" shows with nothing in flight.
for _ in $(seq 1 240); do
  sleep 1
  if grep -q "started $count/$((2 * count)) in-flight 0 " "$log"; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
done
grep -q "started $count/$((2 * count)) in-flight 0 " "$log" || { tail -3 "$log" >&2; kill "$pid"; exit 1; }
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
kill -INT "$pid"; sleep 0.5; kill -INT "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
printf 'fleet_memory: %d idle phones, %d thread(s): VmRSS %d KiB (%.0f MB), VmHWM %d KiB, %.0f bytes/phone\n' \
  "$count" "$threads" "$rss" "$(echo "$rss/1000" | bc -l)" "$hwm" "$(echo "$rss*1024/$count" | bc -l)"
