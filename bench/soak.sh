#!/usr/bin/env bash
# Soak test (not part of CI): fleet load against cms-mock at half its measured capacity for N
# minutes, sampling cms-mock's RSS and open fds every 10 s. Prints RSS growth after warm-up, fd
# growth and the fleet's errors, and exits 1 when RSS grew by 5% or more after warm-up, the fd
# count grew, or any request failed.
#
#   bench/soak.sh [--minutes N] [--build-dir DIR] [--out DIR]
#
# Defaults: 30 minutes, build dir build-bench (a Release build: cmake -S . -B build-bench -G Ninja
# -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench), output in a temporary directory
# (samples.csv, capacity.json, soak.json, cms-mock.log). Warm-up is the first 20% (at least 1 min
# when the run is 5 minutes or longer). Capacity is measured first: 15 s of fleet boots with 32 in
# flight; the soak then releases phones at half that rate (open model: --storm-window over the whole
# run), so a server that slows down shows up as latency and errors, not as less load.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=30
build_dir=build-bench
out=
while [[ $# -gt 0 ]]; do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--minutes N] [--build-dir DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done
[[ $minutes =~ ^[0-9]+$ && $minutes -ge 1 ]] || { echo "soak.sh: --minutes must be a whole number >= 1" >&2; exit 2; }
cms=$build_dir/cms-mock/cms-mock
agent=$build_dir/phone-agent/phone-agent
for b in "$cms" "$agent"; do
  [[ -x $b ]] || { echo "soak.sh: $b not found; build $build_dir first (see the header)" >&2; exit 2; }
done
if [[ -z $out ]]; then out=$(mktemp -d "${TMPDIR:-/tmp}/apl-soak.XXXXXX"); fi
mkdir -p "$out"

cat >"$out/cms-mock.yaml" <<'YAML'
firmware:
  - {model: 9480i, version: 3.2.2.3077, size: 256KiB}
  - {model: 6731i, version: 3.2.2.3077, size: 256KiB}
limits: {max_connections: 4096, journal_size: 1000}
# The fleet's MACs are not configured devices, so nothing asks for device credentials.
auth: {rules: [{path: "*", scheme: none}]}
YAML
"$cms" --config "$out/cms-mock.yaml" --http 127.0.0.1:0 --https off --admin 127.0.0.1:0 \
  --state-dir "$out/state" --log-level warn >"$out/cms-mock.out" 2>"$out/cms-mock.log" &
cms_pid=$!
trap 'kill "$cms_pid" 2>/dev/null || true; wait "$cms_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^ready' "$out/cms-mock.out" && break; sleep 0.1; done
grep -q '^ready' "$out/cms-mock.out" || { echo "soak.sh: cms-mock did not start:" >&2; cat "$out/cms-mock.log" >&2; exit 1; }
url=$(sed -n 's/^listening \(http:\/\/[^ ]*\)$/\1/p' "$out/cms-mock.out" | head -1)
server="$url/dms/Aastra{model}/"
fleet=("$agent" fleet --server "$server" --models 6731i:1,9480i:1 --firmware 3.2.2.1000 --no-state)

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$cms_pid/status"; }
fds() { ls "/proc/$cms_pid/fd" | wc -l; }

echo "soak.sh: cms-mock pid $cms_pid at $url; output in $out"
"${fleet[@]}" --mac-start 00085D100000 --count 200000 --concurrency 32 --duration 15s \
  --json "$out/capacity.json" >/dev/null 2>"$out/capacity.log" || true
capacity=$(python3 -c 'import json,sys; print(max(1, int(json.load(open(sys.argv[1]))["throughput"]["provisioned_per_s"])))' \
  "$out/capacity.json") || { echo "soak.sh: capacity run failed:" >&2; tail -5 "$out/capacity.log" >&2; exit 1; }
rate=$(( capacity / 2 > 0 ? capacity / 2 : 1 ))
seconds=$(( minutes * 60 ))
count=$(( rate * seconds ))
echo "soak.sh: capacity ~$capacity boots/s (6 requests each); soak at $rate boots/s for $minutes min ($count boots)"

echo "t_s,rss_kib,fds" >"$out/samples.csv"
(
  start=$SECONDS
  while kill -0 "$cms_pid" 2>/dev/null; do
    echo "$((SECONDS - start)),$(rss),$(fds)" >>"$out/samples.csv"
    sleep 10
  done
) &
sampler=$!
status=0
"${fleet[@]}" --mac-start 00085E000000 --count "$count" --storm-window "${seconds}s" --concurrency 0 \
  --json "$out/soak.json" >"$out/soak.out" 2>"$out/soak.log" || status=$?
sleep 12   # one more sample after the load, connections closed
kill "$sampler" 2>/dev/null || true

python3 - "$out" "$minutes" "$status" <<'PY'
import csv, json, sys
out, minutes, status = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [(int(r['t_s']), int(r['rss_kib']), int(r['fds'])) for r in csv.DictReader(open(out + '/samples.csv'))]
warm = max(60, minutes * 60 // 5) if minutes >= 5 else minutes * 60 // 5
after = [r for r in rows if r[0] >= warm] or rows[-1:]
base_rss, end_rss = after[0][1], rows[-1][1]
base_fds, end_fds = rows[0][2], rows[-1][2]
growth = 100.0 * (end_rss - base_rss) / base_rss
report = json.load(open(out + '/soak.json'))
errors = sum(report["errors"].values())
requests = report["throughput"]["requests"]
print(f"soak.sh: {len(rows)} samples over {rows[-1][0]} s; warm-up {warm} s")
print(f"soak.sh: RSS {base_rss} KiB after warm-up -> {end_rss} KiB at the end: {growth:+.2f}% (peak {max(r[1] for r in rows)} KiB)")
print(f"soak.sh: fds {base_fds} before load -> {end_fds} after (peak {max(r[2] for r in rows)})")
print(f"soak.sh: fleet exit {status}, requests {requests}, errors {errors}")
ok = growth < 5.0 and end_fds <= base_fds and status == 0 and not errors
print("soak.sh: PASS" if ok else "soak.sh: FAIL")
sys.exit(0 if ok else 1)
PY
