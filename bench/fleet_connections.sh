#!/usr/bin/env bash
# 10,000 concurrent connections held by one fleet process (#6). cms-mock answers aastra.cfg only
# after a delay fault of --hold seconds, so every phone released in the --storm-window keeps its
# connection open until then; once all have connected, the count of established connections on
# cms-mock's port is the number the fleet holds. Plain HTTP, no authentication, one io_context
# thread; cms-mock on core SERVER_CPU (0), the fleet on CLIENT_CPU (1).
#
# Reports the peak number of established connections (`ss`, sampled every 0.5 s), the fleet's and
# cms-mock's peak RSS (VmHWM), the fleet's peak open files and its errors, with the load average.
# Missing the count exits 0 with FAIL; a process that does not run exits 1.
#
# Usage: bench/fleet_connections.sh [--count N] [--hold S] [--storm-window S] [--binary PATH]
#                                   [--cms-mock PATH] [--record]
#   --count N         phones, each with one connection (default 10000)
#   --hold S          seconds cms-mock waits before answering aastra.cfg (default 20; < 30, the
#                     fleet's response timeout is set to hold + 30 s anyway)
#   --storm-window S  phones are released uniformly within S seconds (default 5)
#   --binary, --cms-mock  default build-bench/{phone-agent/phone-agent,cms-mock/cms-mock}
#   --record          append a dated section to bench/RESULTS.md
set -euo pipefail

# shellcheck source=bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
count=10000
hold=20
window=5
record=0

while [[ $# -gt 0 ]]; do
  case $1 in
    --count) count=$2; shift 2 ;;
    --hold) hold=$2; shift 2 ;;
    --storm-window) window=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --cms-mock) cms_mock=$2; shift 2 ;;
    --record) record=1; shift ;;
    -h|--help) show_help ;;
    *) bad_argument "$1" ;;
  esac
done
for v in count hold window; do
  [[ ${!v} =~ ^[0-9]+$ ]] && (( ${!v} > 0 )) || { echo "--${v/window/storm-window}: a positive integer" >&2; exit 2; }
done
(( window < hold )) || { echo "--storm-window must be shorter than --hold" >&2; exit 2; }

ensure_packages iproute2 util-linux python3 curl
need_built phone-agent "$binary"
need_built cms-mock "$cms_mock"

need=$((count + 1024))  # plus each side's own few dozen descriptors
raise_nofile "$need"

bench_workdir fleet-conns

mkdir -p "$work/docroot"
printf '# aastra.cfg for bench/fleet_connections.sh\ntime server disabled: 1\n' > "$work/docroot/aastra.cfg"
printf '# 6731i.cfg\nfirmware version: 3.2.2.3077\n' > "$work/docroot/6731i.cfg"
printf '# every phone'"'"'s <MAC>.cfg\nsip line1 screen name: bench\n' > "$work/docroot/default.cfg"
cat > "$work/cms.yaml" <<EOF
log_level: warn
fallback_profile: default.cfg
auth:
  rules:
    - {path: "*", scheme: none}
faults:
  - {path: "*aastra.cfg", delay: ${hold}s}
limits:
  max_connections: $need
  request_timeout: $((hold + 60))s
  idle_timeout: $((hold + 60))s
  write_timeout: $((hold + 60))s
  journal_size: 1000
EOF
start_cms_mock held "$server_cpu" --config "$work/cms.yaml" --root "$work/docroot" --state-dir "$work/state" \
  --http 127.0.0.1:0 --https off --admin off
port=${cms_http##*:}
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$cms_http/6731i.cfg")
[[ $code == 200 ]] || die "cms-mock answered $code for /6731i.cfg"

log "$count phones released within ${window}s, aastra.cfg answered after ${hold}s; RLIMIT_NOFILE $(ulimit -n); load $load_before"
taskset -c "$client_cpu" "$binary" fleet --server "$cms_http/" --mac-start 00085D300000 --count "$count" \
  --model 6731i --firmware 3.2.2.3077 --storm-window "${window}s" --set retry.max_attempts=1 \
  --set "timeouts.response=$((hold + 30))s" --json "$work/fleet.json" >"$work/fleet.out" 2>"$work/fleet.err" &
fleet_pid=$!
pids+=("$fleet_pid")

peak=0 peak_at=0 fleet_hwm=0 cms_hwm=0 t0=$SECONDS
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
while kill -0 "$fleet_pid" 2>/dev/null; do
  n=$(ss -Htn state established "( sport = :$port )" | wc -l)
  (( n > peak )) && { peak=$n; peak_at=$((SECONDS - t0)); peak_load=$(load_avg); }
  h=$(hwm "$fleet_pid"); (( ${h:-0} > fleet_hwm )) && fleet_hwm=$h
  h=$(hwm "$cms_pid"); (( ${h:-0} > cms_hwm )) && cms_hwm=$h
  sleep 0.5
done
wait "$fleet_pid" || true
[[ -s $work/fleet.json ]] || die "the fleet wrote no report: $(tail -5 "$work/fleet.err")"
cat "$work/fleet.out"

provisioned=$(fleet_json "$work/fleet.json" 'r["phones"]["provisioned"]')
failed=$(fleet_json "$work/fleet.json" 'r["phones"]["failed"]')
errors=$(python3 -c "
import json; r = json.load(open('$work/fleet.json'))
print(', '.join(f'{k} {v}' for k, v in r['errors'].items() if isinstance(v, int) and v) or 'none')" 2>/dev/null ||
  grep '^errors:' "$work/fleet.out")
fds=$(fleet_json "$work/fleet.json" 'r["generator"]["peak_open_fds"]')
verdict=$( (( peak >= count )) && echo PASS || echo FAIL)
echo
printf '%s peak established connections %d of %d phones (at %d s; load %s)\n' "$verdict" "$peak" "$count" \
  "$peak_at" "${peak_load:-?}"
printf '  fleet VmHWM %d MiB (%.1f KiB per phone), peak open files %s; cms-mock VmHWM %d MiB\n' \
  $((fleet_hwm / 1024)) "$(awk -v h="$fleet_hwm" -v n="$count" 'BEGIN { print h / n }')" "$fds" $((cms_hwm / 1024))
printf '  provisioned %s, failed %s; errors: %s\n' "$provisioned" "$failed" "$errors"

if (( record )); then
  {
    echo
    echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — fleet holding connections (bench/fleet_connections.sh), commit $(git -C "$repo" rev-parse --short HEAD)"
    echo
    echo "$count phones over HTTP released within ${window} s, cms-mock answering aastra.cfg after ${hold} s;"
    echo "cms-mock on core $server_cpu, fleet (1 thread) on core $client_cpu; load average before $load_before."
    echo
    echo "| figure | value |"
    echo "|---|---|"
    echo "| peak established connections (ss, every 0.5 s) | $peak of $count ($verdict), at $peak_at s, load ${peak_load:-?} |"
    echo "| fleet VmHWM | $((fleet_hwm / 1024)) MiB |"
    echo "| fleet peak open files | $fds |"
    echo "| cms-mock VmHWM | $((cms_hwm / 1024)) MiB |"
    echo "| provisioned / failed | $provisioned / $failed (errors: $errors) |"
  } >> "$bench/RESULTS.md"
  log "appended to bench/RESULTS.md"
fi
exit 0
