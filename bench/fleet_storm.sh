#!/usr/bin/env bash
# A boot storm of --count phones (default 10,000) against cms-mock over HTTPS (#6): every phone is
# in cms-mock's devices table with its own Device Access login, and fetches four files, each
# behind Digest (cms-mock's default rules: aastra.cfg and <model>.cfg with the shared login,
# <MAC>.cfg and the firmware with the device's own, which aastra.cfg hands it); it runs firmware
# 3.2.2.1000 and the server announces 3.2.2.3077, so <model>.st (--firmware-size) is fetched too.
# One new TLS connection per request, as the phone does. Phones are released uniformly within
# --storm-window; cms-mock on core SERVER_CPU (0), the fleet (1 thread) on CLIENT_CPU (1).
#
# Reports boots/s and requests/s, the share of request time in TLS handshakes (the fleet's
# `connections.tls_time_share`), time to provisioned, errors, and the load average.
# Exit 0 when the storm ran (even with failed boots, which are reported); 1 when it did not run.
#
# Usage: bench/fleet_storm.sh [--count N] [--storm-window S] [--concurrency C] [--firmware-size SIZE]
#                             [--scheme https|http]
#                             [--binary PATH] [--cms-mock PATH] [--record]
#   --count N           phones (default 10000)
#   --storm-window S    seconds within which all are released (default 30)
#   --firmware-size SZ  synthetic firmware image size, cms-mock units (default 64KiB)
#   --concurrency C     at most C phones in flight (default 0: none, the whole storm at once);
#                       with a cap the run measures the server's sustained boot rate instead of
#                       how it sheds an overload
#   --scheme            https (default) or http, for the TLS cost by difference
#   --record            append a dated section to bench/RESULTS.md
set -euo pipefail

# shellcheck source=bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
count=10000
window=30
fw_size=64KiB
scheme=https
concurrency=0
record=0
mac_base=$((0x400000))

while [[ $# -gt 0 ]]; do
  case $1 in
    --count) count=$2; shift 2 ;;
    --storm-window) window=$2; shift 2 ;;
    --firmware-size) fw_size=$2; shift 2 ;;
    --scheme) scheme=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --cms-mock) cms_mock=$2; shift 2 ;;
    --record) record=1; shift ;;
    -h|--help) show_help ;;
    *) bad_argument "$1" ;;
  esac
done
[[ $count =~ ^[0-9]+$ ]] && (( count > 0 && count <= 1000000 )) || { echo "--count: 1..1000000" >&2; exit 2; }
[[ $window =~ ^[0-9]+$ ]] || { echo "--storm-window: whole seconds" >&2; exit 2; }
[[ $concurrency =~ ^[0-9]+$ ]] || { echo "--concurrency: a number (0 = no cap)" >&2; exit 2; }
[[ $scheme == https || $scheme == http ]] || { echo "--scheme: https or http" >&2; exit 2; }

ensure_packages util-linux python3 curl
need_built phone-agent "$binary"
need_built cms-mock "$cms_mock"
need=$((count + 1024))
raise_nofile "$need"

bench_workdir fleet-storm

# The devices table: MACs from mac_base on, logins devNNNNNNN/pwNNNNNNN.
devices_csv "$count" "$mac_base" 4000000 Storm > "$work/devices.csv"
cat > "$work/cms.yaml" <<EOF
log_level: warn
devices_csv: $work/devices.csv
firmware:
  - {model: 6731i, version: 3.2.2.3077, size: $fw_size}
limits:
  max_connections: $need
  journal_size: 1000
EOF
start_cms_mock storm "$server_cpu" --config "$work/cms.yaml" --state-dir "$work/state" \
  --http 127.0.0.1:0 --https 127.0.0.1:0 --admin off
if [[ $scheme == https ]]; then server=$cms_https/; else server=$cms_http/; fi
mac0=$(printf '%012X' "$mac_base")
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/state/ca.pem" --digest -u "dev4000000:pw4000000" \
  -A "Aastra6731i MAC:${mac0:0:2}-${mac0:2:2}-${mac0:4:2}-${mac0:6:2}-${mac0:8:2}-${mac0:10:2} V:3.2.2.1000-SIP" \
  "${server}${mac0}.cfg")
[[ $code == 200 ]] || die "cms-mock answered $code for ${mac0}.cfg with the device's Digest login"

log "$count phones over $scheme within ${window}s, at most $concurrency in flight (0 = no cap), firmware $fw_size; load $load_before"
t0=$SECONDS
taskset -c "$client_cpu" "$binary" fleet --server "$server" --ca "$work/state/ca.pem" \
  --mac-start "$mac0" --count "$count" --model 6731i --firmware 3.2.2.1000 --storm-window "${window}s" \
  --concurrency "$concurrency" --json "$work/fleet.json" >"$work/fleet.out" 2>"$work/fleet.err" || true
load_after=$(load_avg)
[[ -s $work/fleet.json ]] || die "the fleet wrote no report after $((SECONDS - t0)) s: $(tail -5 "$work/fleet.err")"
cat "$work/fleet.out"

j() { fleet_json "$work/fleet.json" "$1"; }
elapsed=$(j 'round(r["elapsed_s"], 1)')
provisioned=$(j 'r["phones"]["provisioned"]')
failed=$(j 'r["phones"]["failed"]')
requests=$(j 'r["throughput"]["requests"]')
rps=$(j 'round(r["throughput"]["requests_per_s"])')
bps=$(j 'round(r["throughput"]["provisioned_per_s"], 1)')
share=$(j 'round(100 * r["connections"]["tls_time_share"], 1)')
tls=$(j 'r["connections"]["tls_handshakes"]')
s401=$(j 'r["throughput"]["status"]["4xx"]')
ttp=$(j '"p50 %.2f s, p99 %.2f s" % (r["latency_us"]["ttp"]["p50"] / 1e6, r["latency_us"]["ttp"]["p99"] / 1e6)' 2>/dev/null || echo "?")
cpu=$(j 'round(100 * r["generator"]["cpu_share"])')
errors=$(j '", ".join(f"{k} {v}" for k, v in r["errors"].items() if v) or "none"' 2>/dev/null || grep '^errors:' "$work/fleet.out")
echo
printf 'storm: %s phones over %s (concurrency %s) in %s s: provisioned %s, failed %s (errors: %s)\n' "$count" "$scheme" \
  "$concurrency" "$elapsed" "$provisioned" "$failed" "$errors"
printf '  %s boots/s, %s req/s (%s requests, %s of them 4xx: the Digest challenges), %s TLS handshakes\n' \
  "$bps" "$rps" "$requests" "$s401" "$tls"
printf '  %s%% of request time in TLS handshakes; time to provisioned %s; generator cpu %s%%; load %s -> %s\n' \
  "$share" "$ttp" "$cpu" "$load_before" "$load_after"

if (( record )); then
  {
    echo
    echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — boot storm against cms-mock (bench/fleet_storm.sh), commit $(git -C "$repo" rev-parse --short HEAD)"
    echo
    echo "$count phones over $scheme released within $window s (concurrency cap $concurrency, 0 = none), 4 files each behind Digest (firmware $fw_size),"
    echo "a new connection per request; cms-mock on core $server_cpu, fleet (1 thread) on core $client_cpu;"
    echo "load average $load_before before, $load_after after."
    echo
    echo "| figure | value |"
    echo "|---|---|"
    echo "| elapsed | $elapsed s |"
    echo "| provisioned / failed | $provisioned / $failed (errors: $errors) |"
    echo "| boots/s, req/s | $bps, $rps ($requests requests, $s401 of them 401) |"
    echo "| TLS handshakes, share of request time | $tls, $share % |"
    echo "| time to provisioned | $ttp |"
    echo "| generator cpu | $cpu % |"
  } >> "$bench/RESULTS.md"
  log "appended to bench/RESULTS.md"
fi
exit 0
