#!/usr/bin/env bash
# phone-agent fleet vs wrk / h2load as load generators against one nginx serving 2 KiB files.
# nginx is pinned to one core (SERVER_CPU, default 0), every generator to another (CLIENT_CPU, 1),
# so the generator that keeps the server busiest with one core wins.
#
#   a. keep-alive: wrk -t1 -c64 on the same files vs `fleet --keep-alive` with 64 phones in flight,
#      each booting again as soon as its boot ends (--resyncs R --resync-interval 1ms, stopped by
#      --duration): aastra.cfg, 6731i.cfg, <MAC>.cfg (2 KiB each; `firmware version` equals the
#      running one, so no .st is fetched). Goal (#6): fleet >= 1.0x wrk.
#   b. a new HTTPS connection per request: fleet without --keep-alive over https (certificate
#      verified against the CA) vs the best of `wrk -c64 -H 'Connection: close'` and
#      `h2load --h1 -c16 --header='Connection: close'`. The fleet keeps as many phones in flight as
#      h2load has connections (16), the concurrency both do best at here (64 cost each ~2%). Both resume the TLS session on reconnect,
#      so the goal run gives the fleet --tls-resumption too (like for like; its resumed count is
#      printed and checked), and the ClientHello offer h2load sends (its 8 TLS 1.2 ciphers and 4
#      groups, through tls.cipher_list and tls.groups; OpenSSL's default offer is 30 ciphers and 10
#      groups, each checked in every handshake). Goal: fleet >= 1.0x the best. The phone's own
#      behaviour, a full handshake every time with OpenSSL's default offer, is run as well and
#      printed for information.
#
# In part a, wrk asks nginx for the fleet's files in the fleet's order (aastra.cfg, 6731i.cfg,
# <MAC>.cfg for each of the phones in turn; BENCH_PATHS for bench/wrk_report.lua, whose requests
# are built once): nginx, not the generator, is the limit there, so both must ask it for the same
# work. wrk and h2load send the phone's User-Agent header (`Aastra6731i MAC:00-08-5D-00-00-00
# V:3.2.2.3077-SIP`), as the fleet does: nginx inspects it, and without it nginx answered wrk 1-2.5%
# faster here (three paired 5 s runs), a server cost the keep-alive part would otherwise count
# against the fleet.
#
# Both parts run in rounds (--rounds, default 5): each round runs every generator of the part once,
# in turn, the order reversed every other round (so a host that speeds up or slows down over the
# run favours neither side); a goal's ratio is the median of the rounds' ratios (each taken within
# its round), so a slow spell of the host hits both sides of a ratio instead of one. Rates and CPU
# per request are shown per round and as medians, with nginx's CPU per request over each run and
# how busy that kept its core: when nginx is near 100% under both generators, the server sets the
# rate and the ratio moves with its cost per request between runs, not with the generators.
#
# Prints each figure with the load average, the ratios and PASS/FAIL. Missing a goal exits 0; a
# server or generator that fails to run (or errors above 1%) exits 1.
#
# Usage: bench/fleet_vs_wrk.sh [--duration S] [--rounds R] [--binary PATH] [--cms-mock PATH] [--phones N] [--record]
#   --duration S   seconds per run (1..30, default 6); 1 + 5 R runs plus set-up
#   --rounds R     rounds of each part (1..5, default 5)
#   --binary P     phone-agent (default build-bench/phone-agent/phone-agent: scripts/build-pgo.sh)
#   --cms-mock P   cms-mock, only used to issue the development CA and server certificate
#   --phones N     wrk connections, and fleet phones in flight in part a (default 64)
#   --record       append a dated section to bench/RESULTS.md
# Environment: SERVER_CPU, CLIENT_CPU, KEEP_WORKDIR=1 keeps the temp dir.
set -euo pipefail

# shellcheck source=bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
duration=6
rounds=5
phones=64
record=0
h2load_conns=16
# What `h2load --h1` offers in its ClientHello (nghttp2's list), as fleet agent settings.
h2load_offer=(--set "tls.cipher_list=ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"
              --set "tls.groups=X25519:P-256:P-384:P-521")
model=6731i
firmware=3.2.2.3077
mac_start=00085D000000
phone_ua="User-Agent: Aastra$model MAC:00-08-5D-00-00-00 V:$firmware-SIP"

while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --cms-mock) cms_mock=$2; shift 2 ;;
    --phones) phones=$2; shift 2 ;;
    --record) record=1; shift ;;
    -h|--help) show_help ;;
    *) bad_argument "$1" ;;
  esac
done
[[ $duration =~ ^[0-9]+$ ]] && (( duration >= 1 && duration <= 30 )) || { echo "--duration: 1..30" >&2; exit 2; }
[[ $phones =~ ^[0-9]+$ ]] && (( phones >= 1 && phones <= 4096 )) || { echo "--phones: 1..4096" >&2; exit 2; }
[[ $rounds =~ ^[0-9]+$ ]] && (( rounds >= 1 && rounds <= 5 )) || { echo "--rounds: 1..5" >&2; exit 2; }

ensure_packages nginx wrk nghttp2-client openssl util-linux python3 curl
need_built phone-agent "$binary"
need_built cms-mock "$cms_mock"
(( server_cpu < $(nproc) && client_cpu < $(nproc) )) || die "needs cores $server_cpu and $client_cpu"

bench_workdir fleet-wrk
chmod 755 "$work"  # nginx's workers may run as www-data
started=$SECONDS

# ---- the tree: three 2 KiB .cfg files per phone, valid Aastra syntax ------------------------------
# pad_cfg FILE LINES...: the lines, then comment lines up to exactly 2048 bytes.
pad_cfg() {
  local file=$1; shift
  python3 - "$file" "$@" <<'EOF'
import sys
path, lines = sys.argv[1], sys.argv[2:]
text = "".join(l + "\n" for l in lines)
n = 0
while len(text) < 2048:
    line = f"# bench padding line {n:04d} " + "x" * 40 + "\n"
    text += line[: 2048 - len(text) - 1] + "\n" if len(text) + len(line) > 2048 else line
    n += 1
assert len(text) == 2048, len(text)
open(path, "w").write(text)
EOF
}
root=$work/docroot
mkdir -p "$root"
pad_cfg "$root/aastra.cfg" "# aastra.cfg for bench/fleet_vs_wrk.sh" "time server disabled: 1"
pad_cfg "$root/$model.cfg" "# $model.cfg" "firmware version: $firmware"
macs=$(python3 -c "
s = int('$mac_start', 16)
print(' '.join(f'{s + i:012X}' for i in range($phones)))")
for mac in $macs; do pad_cfg "$root/$mac.cfg" "# $mac.cfg" "sip line1 screen name: $mac"; done
chmod -R a+rX "$root"

make_certificates
start_nginx "$root" "$server_cpu"
for url in "$nginx_http/aastra.cfg" "$nginx_https/$model.cfg"; do
  curl -sf --cacert "$work/state/ca.pem" -o "$work/got" "$url" || die "GET $url failed"
  [[ $(stat -c %s "$work/got") == 2048 ]] || die "GET $url: not 2048 bytes"
done
# worker_processes 1: one worker does all of nginx's work.
nginx_worker=$(pgrep -P "${pids[-1]}" | head -1)
[[ -n $nginx_worker && -r /proc/$nginx_worker/stat ]] || die "no nginx worker process under ${pids[-1]}"
log "nginx $(nginx -v 2>&1 | sed 's/.*: //') $nginx_http $nginx_https on core $server_cpu; generators on core $client_cpu; ${duration}s per run"
log "phone-agent $binary ($(build_kind "$binary"))"

# ---- generators -----------------------------------------------------------------------------------
declare -A rps detail load cpu_us srv_us srv_busy resumed handshakes
order=()

# server_ticks: CPU time nginx's worker has used so far (user + system, clock ticks).
server_ticks() { awk '{ print $14 + $15 }' "/proc/$nginx_worker/stat"; }
clock_tick=$(getconf CLK_TCK)

# timed KEY OUT ERR CMD...: runs CMD with stdout/stderr into OUT/ERR and keeps its user+system CPU
# seconds (all its descendants) in $work/cpu-KEY: CPU per request is the figure the machine's load
# disturbs least. nginx's CPU over the same span goes to $work/srv-KEY.
timed() {
  local key=$1 out=$2 err=$3; shift 3
  local TIMEFORMAT='%U %S' before rc=0
  before=$(server_ticks)
  { time "$@" >"$out" 2>"$err"; } 2>"$work/cpu-$key" || rc=$?
  echo $(($(server_ticks) - before)) >"$work/srv-$key"
  return "$rc"
}
# note_cpu KEY REQUESTS: cpu_us[KEY] = generator CPU microseconds per request; srv_us[KEY] = nginx's,
# and srv_busy[KEY] = the share of nginx's core that took at the run's rate (rps[KEY], set first):
# near 100% the server, not the generator, sets the rate.
note_cpu() {
  cpu_us[$1]=$(awk -v n="$2" '{ printf "%.0f", ($1 + $2) * 1e6 / n }' "$work/cpu-$1")
  srv_us[$1]=$(awk -v n="$2" -v hz="$clock_tick" '{ printf "%.1f", $1 * 1e6 / hz / n }' "$work/srv-$1")
  srv_busy[$1]=$(awk -v us="${srv_us[$1]}" -v r="${rps[$1]}" 'BEGIN { printf "%.0f", us * r / 1e4 }')
}
# show KEY: the run's line.
show() {
  printf '  %-16s %7s req/s %6s us CPU/req  nginx %5s us/req, %3s%% busy  (%s; load %s)\n' "$1" "${rps[$1]}" \
    "${cpu_us[$1]}" "${srv_us[$1]}" "${srv_busy[$1]}" "${detail[$1]}" "${load[$1]}"
}

# run_wrk KEY URL [wrk args]: wrk -t1 -c$phones; every answer 2xx, socket errors <= 1%.
run_wrk() {
  local key=$1 url=$2; shift 2
  local out=$work/wrk-$key.out
  timed "$key" "$out" "$out.err" timeout $((duration + 30)) taskset -c "$client_cpu" wrk -t1 -c"$phones" \
    -d"${duration}s" --timeout 5s -s "$bench/wrk_report.lua" "$@" "$url" ||
    die "wrk ($key) failed: $(tail -5 "$out" "$out.err")"
  local requests dur_us p50_us p99_us status sock
  wrk_result "$key" "$out"
  (( status * 100 <= requests )) || die "wrk ($key): $status of $requests answers were not 2xx"
  (( sock * 100 <= requests )) || die "wrk ($key): $sock socket errors for $requests requests"
  rps[$key]=$(awk -v n="$requests" -v d="$dur_us" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
  note_cpu "$key" "$requests"
  detail[$key]="p50 $((p50_us / 1000)) ms, p99 $((p99_us / 1000)) ms, non-2xx $status, socket errors $sock"
  load[$key]=$(load_avg)
  order+=("$key")
  show "$key"
}

# run_h2load KEY URL: h2load --h1 -c16 with Connection: close, sized by a calibration run.
run_h2load() {
  local key=$1 url=$2 out=$work/h2load-$1.out n
  n=$(h2load_count "$url")
  timed "$key" "$out" "$out.err" timeout $((duration * 3 + 30)) taskset -c "$client_cpu" h2load --h1 \
    -c"$h2load_conns" -n "$n" --header='Connection: close' --header="$phone_ua" "$url" || die "h2load ($key) failed or hung: $(tail -5 "$out")"
  local secs done_ succeeded failed errored
  h2load_result "$key" "$out"
  (( succeeded > 0 && (failed + errored) * 100 <= done_ + 1 )) ||
    die "h2load ($key): $succeeded succeeded, $failed failed, $errored errored"
  rps[$key]=$(awk -v n="$succeeded" -v d="$secs" 'BEGIN { printf "%.0f", n / d }')
  note_cpu "$key" "$done_"
  detail[$key]="$succeeded requests in ${secs}s, $(sed -n 's/^TLS Protocol: //p' "$out" | head -1) $(sed -n 's/^Cipher: //p' "$out" | head -1)"
  load[$key]=$(load_avg)
  order+=("$key")
  show "$key"
}

# run_fleet KEY SERVER_URL [fleet args]: $fleet_phones phones, each booting back to back for $duration s.
run_fleet() {
  local key=$1 server=$2; shift 2
  local json=$work/fleet-$key.json err=$work/fleet-$key.err
  if ! timed "$key" "$work/fleet-$key.out" "$err" timeout $((duration + 60)) taskset -c "$client_cpu" \
      "$binary" fleet --server "$server" --mac-start "$mac_start" --count "$fleet_phones" --model "$model" \
      --firmware "$firmware" --resyncs $((duration * 1000)) --resync-interval 1ms --duration "${duration}s" \
      --json "$json" "$@"; then
    die "fleet ($key) failed: $(grep -v '^fleet: started' "$err" | tail -5)"
  fi
  local requests failed non2xx
  requests=$(fleet_json "$json" 'r["throughput"]["requests"]')
  failed=$(fleet_json "$json" 'r["phones"]["failed"]')
  non2xx=$(fleet_json "$json" 'sum(v for k, v in r["throughput"]["status"].items() if k != "2xx")')
  (( requests > 0 )) || die "fleet ($key): no request: $(tail -5 "$err")"
  (( failed * 100 <= requests && non2xx * 100 <= requests )) ||
    die "fleet ($key): $failed failed boots, $non2xx non-2xx answers of $requests: $(grep first "$work/fleet-$key.out")"
  rps[$key]=$(fleet_json "$json" 'round(r["throughput"]["requests_per_s"])')
  note_cpu "$key" "$requests"
  local boots reused tls share cpu
  boots=$(fleet_json "$json" 'r["phones"]["provisioned"]')
  reused=$(fleet_json "$json" 'r["connections"]["reused"]')
  tls=$(fleet_json "$json" 'r["connections"]["tls_handshakes"]')
  resumed[$key]=$(fleet_json "$json" 'r["connections"]["tls_resumed"]')
  handshakes[$key]=$tls
  share=$(fleet_json "$json" 'round(100 * r["connections"]["tls_time_share"], 1)')
  cpu=$(fleet_json "$json" 'round(100 * r["generator"]["cpu_share"])')
  detail[$key]="$requests requests, $boots boots, $reused reused connections, $tls TLS handshakes (${resumed[$key]} resumed; $share% of request time), generator cpu $cpu%, failed $failed"
  load[$key]=$(load_avg)
  order+=("$key")
  show "$key"
}

# take_medians KEY...: rps, cpu_us, srv_us and srv_busy of each KEY = the medians of its rounds
# KEY.r1 .. KEY.rR.
take_medians() {
  local key r rates cpus srvs busy
  for key in "$@"; do
    rates=() cpus=() srvs=() busy=()
    for ((r = 1; r <= rounds; r++)); do
      rates+=("${rps[$key.r$r]}"); cpus+=("${cpu_us[$key.r$r]}")
      srvs+=("${srv_us[$key.r$r]}"); busy+=("${srv_busy[$key.r$r]}")
    done
    rps[$key]=$(median_of "${rates[@]}")
    cpu_us[$key]=$(median_of "${cpus[@]}")
    srv_us[$key]=$(median_of "${srvs[@]}")
    srv_busy[$key]=$(median_of "${busy[@]}")
    detail[$key]="medians of $rounds rounds; req/s ${rates[*]}"; load[$key]=$(load_avg)
    order+=("$key")
    show "$key"
  done
}

fleet_phones=$phones
echo "a. keep-alive, 2 KiB files, $phones connections / phones in flight ($rounds rounds)"
BENCH_PATHS=$(for mac in $macs; do printf '/aastra.cfg /%s.cfg /%s.cfg ' "$model" "$mac"; done)
export BENCH_PATHS
for ((round = 1; round <= rounds; round++)); do
  if (( round % 2 )); then
    run_wrk wrk.keepalive.r$round "$nginx_http/aastra.cfg" -H "$phone_ua"
    run_fleet fleet.keepalive.r$round "$nginx_http/" --keep-alive
  else
    run_fleet fleet.keepalive.r$round "$nginx_http/" --keep-alive
    run_wrk wrk.keepalive.r$round "$nginx_http/aastra.cfg" -H "$phone_ua"
  fi
done
unset BENCH_PATHS
take_medians wrk.keepalive fleet.keepalive
fleet_phones=$h2load_conns
echo "b. a new HTTPS connection per request, fleet phones in flight = h2load connections = $fleet_phones ($rounds rounds)"
run_close_wrk() { run_wrk wrk.close.r$round "$nginx_https/aastra.cfg" -H 'Connection: close' -H "$phone_ua"; }
run_close_h2load() { run_h2load h2load.close.r$round "$nginx_https/aastra.cfg"; }
run_close_fleet() {
  run_fleet fleet.https.r$round "$nginx_https/" --ca "$work/state/ca.pem" --tls-resumption "${h2load_offer[@]}"
}
for ((round = 1; round <= rounds; round++)); do
  if (( round % 2 )); then run_close_wrk; run_close_h2load; run_close_fleet
  else run_close_fleet; run_close_h2load; run_close_wrk; fi
  # Each phone's first handshake is a full one; every later one should resume.
  (( ${resumed[fleet.https.r$round]} * 100 >= (${handshakes[fleet.https.r$round]} - fleet_phones) * 95 )) ||
    die "fleet.https: only ${resumed[fleet.https.r$round]} of ${handshakes[fleet.https.r$round]} TLS handshakes resumed"
done
take_medians wrk.close h2load.close fleet.https
resumed[fleet.https]=${resumed[fleet.https.r$rounds]} handshakes[fleet.https]=${handshakes[fleet.https.r$rounds]}
run_fleet fleet.https.full "$nginx_https/" --ca "$work/state/ca.pem"

# ---- ratios and goals -----------------------------------------------------------------------------
best_close=${rps[wrk.close]}; best_name=wrk
(( ${rps[h2load.close]} > best_close )) && { best_close=${rps[h2load.close]}; best_name=h2load; }
ka_rounds=() tls_rounds=()
for ((round = 1; round <= rounds; round++)); do
  ka_rounds+=("$(ratio "${rps[fleet.keepalive.r$round]}" "${rps[wrk.keepalive.r$round]}")")
  best=${rps[wrk.close.r$round]}
  (( ${rps[h2load.close.r$round]} > best )) && best=${rps[h2load.close.r$round]}
  tls_rounds+=("$(ratio "${rps[fleet.https.r$round]}" "$best")")
done
r_ka=$(median_of "${ka_rounds[@]}")
r_tls=$(median_of "${tls_rounds[@]}")
r_full=$(ratio "${rps[fleet.https.full]}" "$best_close")
g_ka=$(verdict "$r_ka" ">=" 1.0)
g_tls=$(verdict "$r_tls" ">=" 1.0)
echo
echo "goals (fleet / other generator, same nginx, same run)"
printf '  %-4s keep-alive: fleet %s vs wrk %s req/s (medians); median of the rounds'"'"' ratios %sx (%s) (goal >= 1.0)\n' \
  "$g_ka" "${rps[fleet.keepalive]}" "${rps[wrk.keepalive]}" "$r_ka" "${ka_rounds[*]}"
server_note() {  # server_note A B: how busy nginx was under generators A and B (medians)
  local a=$1 b=$2 why=""
  if (( ${srv_busy[$a]} >= 90 && ${srv_busy[$b]} >= 90 )); then
    why="; nginx was the limit under both, so the ratio is its cost per request from run to run"
  fi
  printf '       nginx %s%% busy under %s, %s%% under %s (%s and %s us CPU per request)%s\n' "${srv_busy[$a]}" \
    "${a%%.*}" "${srv_busy[$b]}" "${b%%.*}" "${srv_us[$a]}" "${srv_us[$b]}" "$why"
}
server_note wrk.keepalive fleet.keepalive
printf '  %-4s new HTTPS connection per request: fleet %s vs best (%s) %s req/s (medians); median of the rounds'"'"' ratios %sx (%s) (goal >= 1.0)\n' \
  "$g_tls" "${rps[fleet.https]}" "$best_name" "$best_close" "$r_tls" "${tls_rounds[*]}"
printf '       (fleet with --tls-resumption and h2load'"'"'s cipher and group offer, %s of %s handshakes resumed; wrk and h2load resume too)\n' \
  "${resumed[fleet.https]}" "${handshakes[fleet.https]}"
server_note "$best_name.close" fleet.https
printf '  info new HTTPS connection per request, full handshake each time (the phone): fleet %s req/s = %sx\n' \
  "${rps[fleet.https.full]}" "$r_full"
echo "generator CPU per request (user + system, less disturbed by the machine's load than the rates)"
printf '  keep-alive: fleet %s us, wrk %s us\n' "${cpu_us[fleet.keepalive]}" "${cpu_us[wrk.keepalive]}"
printf '  new HTTPS connection: fleet %s us (resumed), %s us (full handshakes); wrk %s us, h2load %s us\n' \
  "${cpu_us[fleet.https]}" "${cpu_us[fleet.https.full]}" "${cpu_us[wrk.close]}" "${cpu_us[h2load.close]}"
log "done in $((SECONDS - started))s; load average before $load_before, after $(load_avg)"

if (( record )); then
  commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
  {
    echo
    echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — fleet vs wrk/h2load (bench/fleet_vs_wrk.sh), commit $commit"
    echo
    echo "nproc $(nproc), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); load average"
    echo "before $load_before. nginx on core $server_cpu, generators on core $client_cpu, ${duration} s per run"
    echo "in $rounds rounds (ratios: medians of the rounds' ratios),"
    echo "keep-alive: $phones connections / phones; new HTTPS: fleet $h2load_conns phones, h2load $h2load_conns and wrk $phones connections;"
    echo "phone-agent built $(date -u -r "$binary" '+%Y-%m-%d %H:%M UTC') ($(build_kind "$binary"))."
    echo
    echo "| run | req/s | generator CPU µs/request | nginx CPU µs/request (busy) | detail | load average |"
    echo "|---|---:|---:|---:|---|---|"
    for k in "${order[@]}"; do
      echo "| $k | ${rps[$k]} | ${cpu_us[$k]} | ${srv_us[$k]} (${srv_busy[$k]}%) | ${detail[$k]} | ${load[$k]} |"
    done
    echo
    echo "| goal | ratio | verdict |"
    echo "|---|---:|---|"
    echo "| keep-alive fleet / wrk >= 1.0 | $r_ka (rounds: ${ka_rounds[*]}) | $g_ka |"
    echo "| new HTTPS connection per request, fleet --tls-resumption / best of wrk, h2load per round >= 1.0 | $r_tls (rounds: ${tls_rounds[*]}) | $g_tls |"
    echo "| (information) the same, fleet with full handshakes (the phone) | $r_full | - |"
  } >> "$bench/RESULTS.md"
  log "appended to bench/RESULTS.md"
fi
exit 0
