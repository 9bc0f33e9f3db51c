#!/usr/bin/env bash
# cms-mock vs nginx serving the same 2 KiB file over loopback. Each server is pinned to one core
# (taskset -c $SERVER_CPU, default 0), the load generator to another ($CLIENT_CPU, default 1).
#
#   1. keep-alive HTTP            wrk -t1 -c64
#   2. keep-alive HTTPS           wrk -t1 -c64 (same certificate: cms-mock's development CA leaf)
#   3. a new TLS connection per request: wrk -H 'Connection: close' -c64 and h2load --h1 -c16
#      --header='Connection: close'; the best of the two counts
#   4. Digest on vs off, cms-mock only, keep-alive HTTP:
#      a. the 401-challenge rate (no credentials, Digest-protected path) vs the unauthenticated 200
#      b. precomputed valid Authorization headers (one per request, distinct nc values, nonces from
#         real 401s; bench/digest_headers.py + bench/wrk_report.lua) vs the same Lua client with
#         the same header file against the unauthenticated server (which ignores the header), so
#         both runs cost the client the same; the server's CPU per request is printed for both')
#
# Parts 3 and 4b, the ratios a busy host moves most, run in rounds (--rounds, default 3): each
# round runs every server/client pair of the part once, in turn, and a ratio is the median of the
# rounds' ratios (each taken within its round), so a slow spell of the host hits both sides of a
# ratio instead of one. Rates are shown per round and as medians.
#
# Prints each figure, the cms-mock/nginx ratios and the goals with PASS/FAIL. Missing a goal does
# not fail the run (exit 0); a server that does not start, or a load generator that fails, does.
#
# Usage: bench/cms_mock_vs_nginx.sh [--duration SECONDS] [--rounds R] [--cms-mock PATH] [--nodelay-shim] [--record]
#   --duration S   seconds per run (1..10, default 10); the whole script takes about 6 + 6 R runs of S
#   --rounds R     rounds of parts 3 and 4b (1..5, default 3)
#   --cms-mock P   the binary (default build-bench/cms-mock/cms-mock: scripts/build-pgo.sh, or
#                  Release: APL_BUILD_DIR=build-bench scripts/build.sh -DCMAKE_BUILD_TYPE=Release)
#   --nodelay-shim diagnostic: run cms-mock with bench/nodelay_shim.c preloaded, which sets
#                  TCP_NODELAY on every accepted socket (cms-mock before bf60332 did not; see
#                  bench/RESULTS.md)
#   --record       also append a dated table to bench/RESULTS.md
# Environment: SERVER_CPU, CLIENT_CPU (cores, default 0 and 1), KEEP_WORKDIR=1 keeps the temp dir.
set -euo pipefail

# shellcheck source=bench/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
duration=10
rounds=3
record=0
shim=0
conns=64
h2load_conns=16

while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --cms-mock) cms_mock=$2; shift 2 ;;
    --record) record=1; shift ;;
    --nodelay-shim) shim=1; shift ;;
    -h|--help) show_help ;;
    *) bad_argument "$1" ;;
  esac
done
if ! [[ $duration =~ ^[0-9]+$ ]] || (( duration < 1 || duration > 10 )); then
  echo "--duration must be 1..10 seconds" >&2; exit 2
fi
if ! [[ $rounds =~ ^[0-9]+$ ]] || (( rounds < 1 || rounds > 5 )); then
  echo "--rounds must be 1..5" >&2; exit 2
fi

ensure_packages nginx wrk nghttp2-client openssl util-linux python3 curl
(( shim == 0 )) || ensure_packages gcc libc6-dev

need_built cms-mock "$cms_mock"
ncpu=$(nproc)
(( server_cpu < ncpu && client_cpu < ncpu )) || die "needs cores $server_cpu and $client_cpu (nproc=$ncpu)"
[[ $server_cpu != "$client_cpu" ]] || log "warning: server and client share core $server_cpu"

bench_workdir cms-nginx
chmod 755 "$work"  # nginx's workers may run as www-data
started=$SECONDS
mkdir -p "$work/docroot" "$work/state"
head -c 2048 /dev/urandom > "$work/docroot/bench.bin"
chmod 644 "$work/docroot/bench.bin"
path=/bench.bin
if (( shim )); then
  cc -O2 -shared -fPIC -o "$work/nodelay_shim.so" "$bench/nodelay_shim.c" -ldl ||
    die "cannot build bench/nodelay_shim.c"
  cms_mock_prefix=(env "LD_PRELOAD=$work/nodelay_shim.so")
fi

# ---- servers --------------------------------------------------------------------------------------
# start_cms NAME: cms-mock with bench/cms-mock-NAME.yaml on both schemes (sets cms_http/https).
start_cms() {
  local name=$1
  start_cms_mock "$name" "$server_cpu" --config "$bench/cms-mock-$name.yaml" --root "$work/docroot" \
    --state-dir "$work/state" --http 127.0.0.1:0 --https 127.0.0.1:0 --admin off --log-level warn
  [[ -n $cms_http && -n $cms_https ]] || die "cms-mock ($name): no listening lines in $(cat "$work/cms-$name.out")"
}

start_cms plain
cms_plain_http=$cms_http cms_plain_https=$cms_https cms_plain_pid=$cms_pid
start_cms digest
cms_digest_http=$cms_http cms_digest_pid=$cms_pid
check_certificates
start_nginx "$work/docroot" "$server_cpu"

# Sanity: both servers serve the same bytes over HTTP and HTTPS (verified against the dev CA), with
# the same certificate; the Digest instance challenges.
for url in "$cms_plain_http" "$cms_plain_https" "$nginx_http" "$nginx_https"; do
  curl -sf --cacert "$work/state/ca.pem" -o "$work/got" "$url$path" || die "GET $url$path failed"
  cmp -s "$work/got" "$work/docroot/bench.bin" || die "GET $url$path: wrong body"
done
fingerprint() {
  openssl s_client -connect "${1#https://}" -servername localhost </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
[[ $(fingerprint "$cms_plain_https") == "$(fingerprint "$nginx_https")" ]] ||
  die "cms-mock and nginx present different certificates"
code=$(curl -s -o /dev/null -w '%{http_code}' "$cms_digest_http$path")
[[ $code == 401 ]] || die "the Digest instance answered $code, not 401"
code=$(curl -s -o /dev/null -w '%{http_code}' --digest -u aastra:aastra "$cms_digest_http$path")
[[ $code == 200 ]] || die "the Digest instance refused curl --digest ($code)"

(( shim == 0 )) || log "DIAGNOSTIC: cms-mock runs with TCP_NODELAY forced on by bench/nodelay_shim.c"
log "cms-mock $cms_mock (plain $cms_plain_http $cms_plain_https, digest $cms_digest_http)"
log "nginx $(nginx -v 2>&1 | sed 's/.*: //') ($nginx_http $nginx_https); servers on core $server_cpu, clients on core $client_cpu; ${duration}s per run"

# ---- measurements ---------------------------------------------------------------------------------
declare -A rps ok p50 p99 errs note
order=()

# run_wrk KEY EXPECT URL [wrk args...]: EXPECT is 200 (every answer must be 2xx, at most 1% socket
# errors) or any (the 401 run). Sets rps/ok/p50/p99/errs[KEY].
run_wrk() {
  local key=$1 expect=$2 url=$3; shift 3
  local out=$work/wrk-$key.out
  if ! timeout $((duration + 20)) taskset -c "$client_cpu" wrk -t1 -c"$conns" -d"${duration}s" \
      --timeout 5s -s "$bench/wrk_report.lua" "$@" "$url" >"$out" 2>&1; then
    die "wrk ($key) failed: $(tail -5 "$out")"
  fi
  local requests dur_us p50_us p99_us status sock
  wrk_result "$key" "$out"
  if [[ $expect == 200 ]]; then
    (( status * 100 <= requests )) || die "wrk ($key): $status of $requests answers were not 2xx/3xx"
    (( sock * 100 <= requests )) || die "wrk ($key): $sock socket errors for $requests requests: $(grep -i error "$out")"
  fi
  rps[$key]=$(awk -v n="$requests" -v d="$dur_us" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
  ok[$key]=$(awk -v n="$requests" -v s="$status" -v d="$dur_us" 'BEGIN { printf "%.0f", (n - s) / (d / 1e6) }')
  p50[$key]=$(awk -v u="$p50_us" 'BEGIN { printf "%.2f", u / 1000 }')
  p99[$key]=$(awk -v u="$p99_us" 'BEGIN { printf "%.2f", u / 1000 }')
  errs[$key]="status=$status socket=$sock"
  grep -q WRKWARN "$out" && note[$key]="headers exhausted"
  order+=("$key")
  printf '  %-28s %10s req/s  p50 %8s ms  p99 %8s ms  (%s)\n' "$key" "${rps[$key]}" "${p50[$key]}" \
    "${p99[$key]}" "${errs[$key]}"
}

# run_h2load KEY URL COUNT: h2load --h1 -n COUNT (see h2load_count), a new TLS connection per
# request (the server closes after each answer and h2load reconnects). Sets rps/ok[KEY] (h2load
# has no percentiles).
run_h2load() {
  local key=$1 url=$2 count=$3
  local out=$work/h2load-$key.out
  if ! timeout $((duration + 20)) taskset -c "$client_cpu" h2load --h1 -c"$h2load_conns" \
      -n "$count" --header='Connection: close' "$url" >"$out" 2>&1; then
    die "h2load ($key) failed or hung: $(grep -v progress "$out" | tail -5)"
  fi
  local secs done_ succeeded failed errored
  h2load_result "$key" "$out"
  (( succeeded > 0 )) || die "h2load ($key): no request succeeded: $(tail -8 "$out")"
  (( (failed + errored) * 100 <= done_ + 1 )) || die "h2load ($key): $failed failed, $errored errored of $done_"
  local non2xx
  non2xx=$(sed -n 's/^status codes: [0-9]* 2xx, \([0-9]*\) 3xx, \([0-9]*\) 4xx, \([0-9]*\) 5xx$/\1 \2 \3/p' "$out" |
           awk '{ print $1 + $2 + $3 }')
  (( ${non2xx:-0} == 0 )) || die "h2load ($key): $non2xx answers were not 2xx"
  rps[$key]=$(awk -v n="$succeeded" -v d="$secs" 'BEGIN { printf "%.0f", n / d }')
  ok[$key]=${rps[$key]}
  p50[$key]="-"; p99[$key]="-"
  errs[$key]="failed=$failed errored=$errored"
  note[$key]="$(sed -n 's/^TLS Protocol: //p' "$out" | head -1) $(sed -n 's/^Cipher: //p' "$out" | head -1)"
  order+=("$key")
  printf '  %-28s %10s req/s  n=%s in %ss, %s  (%s)\n' "$key" "${rps[$key]}" "$count" "$secs" \
    "${note[$key]}" "${errs[$key]}"
}

echo "1. keep-alive HTTP (wrk -t1 -c$conns -d${duration}s, 2 KiB file)"
run_wrk nginx.http 200 "$nginx_http$path"
run_wrk cms-mock.http 200 "$cms_plain_http$path"
echo "2. keep-alive HTTPS (wrk -t1 -c$conns)"
run_wrk nginx.https 200 "$nginx_https$path"
run_wrk cms-mock.https 200 "$cms_plain_https$path"
# take_median KEY: rps/ok[KEY] = the medians of the rounds KEY.r1 .. KEY.rR, listed as KEY.
take_median() {
  local key=$1 r rates=() oks=()
  for ((r = 1; r <= rounds; r++)); do rates+=("${rps[$key.r$r]}"); oks+=("${ok[$key.r$r]}"); done
  rps[$key]=$(median_of "${rates[@]}")
  ok[$key]=$(median_of "${oks[@]}")
  p50[$key]="-"; p99[$key]="-"; errs[$key]="median of $rounds rounds"
  order+=("$key")
  printf '  %-28s %10s req/s  (median of %s rounds: %s)\n' "$key" "${rps[$key]}" "$rounds" "${rates[*]}"
}

echo "3. new TLS connection per request ($rounds rounds)"
n_nginx=$(h2load_count "$nginx_https$path")
n_cms=$(h2load_count "$cms_plain_https$path")
for ((round = 1; round <= rounds; round++)); do
  run_wrk nginx.tls-close.wrk.r$round 200 "$nginx_https$path" -H 'Connection: close'
  run_wrk cms-mock.tls-close.wrk.r$round 200 "$cms_plain_https$path" -H 'Connection: close'
  run_h2load nginx.tls-close.h2load.r$round "$nginx_https$path" "$n_nginx"
  run_h2load cms-mock.tls-close.h2load.r$round "$cms_plain_https$path" "$n_cms"
done
for key in nginx.tls-close.wrk cms-mock.tls-close.wrk nginx.tls-close.h2load cms-mock.tls-close.h2load; do
  take_median "$key"
done
echo "4. Digest on vs off, cms-mock, keep-alive HTTP"
run_wrk cms-mock.digest.401 any "$cms_digest_http$path"
# The Lua client against the unauthenticated instance, with a short header file: its rate sizes the
# header file for the Digest run (Digest can only be slower).
python3 "$bench/digest_headers.py" --url "$cms_digest_http$path" --count 1000 \
  --out "$work/digest-baseline.txt" || die "digest_headers.py failed"
BENCH_DIGEST_FILE=$work/digest-baseline.txt run_wrk cms-mock.lua.noauth 200 "$cms_plain_http$path"
count=$(awk -v r="${rps[cms-mock.lua.noauth]}" -v d="$duration" 'BEGIN { printf "%d", r * d * 1.6 + 20000 }')
# The baseline again with the Digest run's own header file: the client's work per request is then
# the same in both runs (built per request from a short file, it was not: ~9 vs ~16 us of wrk CPU).
# Each run also reads its server's CPU time (utime + stime, 100 ticks/s): the rate a saturated
# server loses to Digest, whatever the client does. Every round has a header file of its own
# (fresh nonces: the server refuses a nonce count it has seen).
server_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
us_per() { awk -v t="$1" -v r="$2" -v d="$duration" 'BEGIN { printf "%.2f", t * 10000 / (r * d) }'; }
cpu_noauth_rounds=() cpu_digest_rounds=()
for ((round = 1; round <= rounds; round++)); do
  python3 "$bench/digest_headers.py" --url "$cms_digest_http$path" --count "$count" --nonces 16 \
    --out "$work/digest.txt" || die "digest_headers.py failed"
  t0=$(server_ticks "$cms_plain_pid")
  BENCH_DIGEST_FILE=$work/digest.txt run_wrk cms-mock.lua.noauth.same.r$round 200 "$cms_plain_http$path"
  t1=$(server_ticks "$cms_plain_pid")
  u0=$(server_ticks "$cms_digest_pid")
  BENCH_DIGEST_FILE=$work/digest.txt run_wrk cms-mock.lua.digest.r$round 200 "$cms_digest_http$path"
  u1=$(server_ticks "$cms_digest_pid")
  cpu_noauth_rounds+=("$(us_per $((t1 - t0)) "${rps[cms-mock.lua.noauth.same.r$round]}")")
  cpu_digest_rounds+=("$(us_per $((u1 - u0)) "${rps[cms-mock.lua.digest.r$round]}")")
  [[ -z ${note[cms-mock.lua.digest.r$round]:-} ]] || note[cms-mock.lua.digest]=${note[cms-mock.lua.digest.r$round]}
done
take_median cms-mock.lua.noauth.same
take_median cms-mock.lua.digest
cpu_noauth=$(median_of "${cpu_noauth_rounds[@]}")
cpu_digest=$(median_of "${cpu_digest_rounds[@]}")

# ---- ratios and goals -----------------------------------------------------------------------------
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b) ? a : b }'; }

r_http=$(ratio "${rps[cms-mock.http]}" "${rps[nginx.http]}")
r_https=$(ratio "${rps[cms-mock.https]}" "${rps[nginx.https]}")
# Per round, then the median: the best client on each server, and each client alone.
close_rounds=() wrk_rounds=() h2_rounds=() cost_rounds=() cpu_cost_rounds=()
for ((round = 1; round <= rounds; round++)); do
  best_cms=$(max "${rps[cms-mock.tls-close.wrk.r$round]}" "${rps[cms-mock.tls-close.h2load.r$round]}")
  best_nginx=$(max "${rps[nginx.tls-close.wrk.r$round]}" "${rps[nginx.tls-close.h2load.r$round]}")
  close_rounds+=("$(ratio "$best_cms" "$best_nginx")")
  wrk_rounds+=("$(ratio "${rps[cms-mock.tls-close.wrk.r$round]}" "${rps[nginx.tls-close.wrk.r$round]}")")
  h2_rounds+=("$(ratio "${rps[cms-mock.tls-close.h2load.r$round]}" "${rps[nginx.tls-close.h2load.r$round]}")")
  cost_rounds+=("$(awk -v d="${ok[cms-mock.lua.digest.r$round]}" -v b="${ok[cms-mock.lua.noauth.same.r$round]}" \
    'BEGIN { printf "%.1f", 100 * (1 - d / b) }')")
  cpu_cost_rounds+=("$(awk -v a="${cpu_noauth_rounds[round - 1]}" -v b="${cpu_digest_rounds[round - 1]}" \
    'BEGIN { printf "%.1f", (b > 0) ? 100 * (1 - a / b) : 0 }')")
done
r_close=$(median_of "${close_rounds[@]}")
r_close_wrk=$(median_of "${wrk_rounds[@]}")
r_close_h2=$(median_of "${h2_rounds[@]}")
best_cms_close=$(max "${rps[cms-mock.tls-close.wrk]}" "${rps[cms-mock.tls-close.h2load]}")
best_nginx_close=$(max "${rps[nginx.tls-close.wrk]}" "${rps[nginx.tls-close.h2load]}")
r_401=$(ratio "${rps[cms-mock.digest.401]}" "${rps[cms-mock.http]}")
digest_cost=$(median_of "${cost_rounds[@]}")
# A client that always pays the 401 round trip (no nonce reuse) completes one fetch per 401 + 200.
full=$(awk -v c="${rps[cms-mock.digest.401]}" -v d="${ok[cms-mock.lua.digest]}" \
  'BEGIN { printf "%.0f", 1 / (1 / c + 1 / d) }')
full_cost=$(awk -v f="$full" -v b="${ok[cms-mock.lua.noauth.same]}" 'BEGIN { printf "%.1f", 100 * (1 - f / b) }')
cpu_cost=$(median_of "${cpu_cost_rounds[@]}")

echo
echo "ratios cms-mock / nginx"
printf '  keep-alive HTTP            %s\n' "$r_http"
printf '  keep-alive HTTPS           %s\n' "$r_https"
printf '  new TLS per request        %s (best client per round: %s; medians cms-mock %s, nginx %s req/s; wrk %s, h2load %s)\n' \
  "$r_close" "${close_rounds[*]}" "$best_cms_close" "$best_nginx_close" "$r_close_wrk" "$r_close_h2"
echo "Digest (cms-mock)"
printf '  401 challenge rate / unauthenticated 200 rate   %s\n' "$r_401"
printf '  valid Digest header vs none (same Lua client)   %s vs %s req/s (medians): cost %s%% (per round: %s)\n' \
  "${ok[cms-mock.lua.digest]}" "${ok[cms-mock.lua.noauth.same]}" "$digest_cost" "${cost_rounds[*]}"
printf '  server CPU per request, Digest vs none          %s vs %s us (medians): cost %s%% (per round: %s)\n' \
  "$cpu_digest" "$cpu_noauth" "$cpu_cost" "${cpu_cost_rounds[*]}"
printf '  401 + authorized request per fetch (estimate)   %s fetches/s: cost %s%%\n' "$full" "$full_cost"
[[ -z ${note[cms-mock.lua.digest]:-} ]] ||
  echo "  warning: the Digest run used up its precomputed headers (some answers were replays)"

# A server whose rate x p50 latency is about the number of connections is waiting, not working:
# its throughput is set by a per-request stall (for cms-mock: Nagle + delayed ACK, ~40 ms).
stalled=$(awk -v r="${rps[cms-mock.http]}" -v p="${p50[cms-mock.http]}" -v c="$conns" \
  'BEGIN { print (p >= 30 && r * p / 1000 >= 0.8 * c) ? 1 : 0 }')
if (( stalled )); then
  echo "  warning: cms-mock is latency-bound (p50 ${p50[cms-mock.http]} ms x ${rps[cms-mock.http]} req/s ~ $conns"
  echo "  connections): a per-request stall, not CPU, sets its rate, so the Digest cost is hidden."
  echo "  Try --nodelay-shim (TCP_NODELAY forced on) to see the CPU-bound figures."
fi

g1=$(verdict "$r_http" ">=" 1.2)
g2=$(verdict "$r_close" ">=" 1.0)
g3=$(verdict "$digest_cost" "<" 15)
echo
echo "goals"
printf '  %-4s keep-alive HTTP >= 1.2x nginx             (%sx)\n' "$g1" "$r_http"
printf '  %-4s new TLS per request >= 1.0x nginx        (%sx)\n' "$g2" "$r_close"
printf '  %-4s Digest costs < 15%% of the unauth. rate   (%s%%)\n' "$g3" "$digest_cost"

elapsed=$((SECONDS - started))
log "done in ${elapsed}s"

# ---- RESULTS.md -----------------------------------------------------------------------------------
if (( record )); then
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
  commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
  [[ -z $(git -C "$repo" status --porcelain -- cms-mock common 2>/dev/null) ]] ||
    commit+=" (with uncommitted changes in cms-mock/ or common/)"
  {
    echo
    echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — commit $commit$( (( shim )) && echo ' — DIAGNOSTIC: cms-mock with TCP_NODELAY (--nodelay-shim)')"
    echo
    echo "Machine: nproc $ncpu, $cpu, kernel $(uname -r); load average before the run: $load_before."
    echo "cms-mock binary: $cms_mock, built $(date -u -r "$cms_mock" '+%Y-%m-%d %H:%M UTC')."
    echo "Servers on core $server_cpu, clients on core $client_cpu, ${duration} s per run, parts 3 and 4b in"
    echo "$rounds rounds (medians);"
    echo "$(nginx -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | head -1 | awk '{print "wrk " $2}'),"
    echo "h2load $(h2load --version 2>&1 | awk '{print $NF}'), $(openssl version | awk '{print $1, $2}')."
    echo
    echo "| run | req/s | p50 ms | p99 ms | errors |"
    echo "|---|---:|---:|---:|---|"
    for k in "${order[@]}"; do
      echo "| $k | ${rps[$k]} | ${p50[$k]} | ${p99[$k]} | ${errs[$k]} |"
    done
    echo
    echo "| ratio / goal | value | verdict |"
    echo "|---|---:|---|"
    echo "| keep-alive HTTP cms-mock/nginx (goal >= 1.2) | $r_http | $g1 |"
    echo "| keep-alive HTTPS cms-mock/nginx | $r_https | |"
    echo "| new TLS per request, best client (goal >= 1.0) | $r_close (wrk $r_close_wrk, h2load $r_close_h2) | $g2 |"
    echo "| Digest 401 rate / unauthenticated 200 rate | $r_401 | |"
    echo "| Digest cost, valid header vs none (goal < 15 %) | $digest_cost % | $g3 |"
    echo "| Digest cost in server CPU per request ($cpu_digest vs $cpu_noauth us) | $cpu_cost % | |"
    echo "| Digest cost with a 401 round trip per fetch | $full_cost % | |"
    if (( stalled )); then
      echo
      echo "cms-mock was latency-bound in this run (p50 ${p50[cms-mock.http]} ms x ${rps[cms-mock.http]} req/s ~ $conns connections):"
      echo "the Digest cost above is hidden behind the per-request stall."
    fi
  } >> "$bench/RESULTS.md"
  log "appended to bench/RESULTS.md"
fi
exit 0
