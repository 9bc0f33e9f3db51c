#!/usr/bin/env bash
# Per-request user-space instruction counts of cms-mock, by callgrind: a figure that does not
# depend on how loaded the machine is (bench/RESULTS.md, "Hot-path work" sections).
#
# Each case starts `valgrind --tool=callgrind cms-mock` twice, loads it with N and then with a
# larger N requests, and divides the difference of the two totals by the difference of N, so
# start-up, shutdown and anything else paid once cancel out.
#
#   plain    keep-alive HTTP GET of a 2 KiB file, h2load --h1 -c8 (bench/cms-mock-plain.yaml)
#   digest   the same file behind Digest (bench/cms-mock-digest.yaml), one keep-alive connection,
#            each request with its own valid Authorization header (16 nonces from real 401s,
#            increasing nc, as bench/digest_headers.py writes them)
#   shape    the same client and header bytes against the plain configuration, which ignores them:
#            digest minus shape is what a valid Digest header costs
#
# Usage: bench/cms_mock_callgrind.sh [--cms-mock PATH] [--cases "plain digest shape"]
#                                    [--small N] [--large N] [--keep DIR]
#   --keep DIR   copy the callgrind files there (callgrind_annotate --inclusive=yes FILE)
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
cms_mock=${CMS_MOCK:-$bench/../build/cms-mock/cms-mock}
cases="plain digest shape"
small=200
large=2200
keep=
while (($#)); do
  case $1 in
    --cms-mock) cms_mock=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --small) small=$2; shift 2 ;;
    --large) large=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 1; }
command -v h2load >/dev/null || { echo "h2load (nghttp2-client) is needed" >&2; exit 1; }
[[ -x $cms_mock ]] || { echo "no cms-mock binary at $cms_mock" >&2; exit 1; }

work=$(mktemp -d /tmp/cms-callgrind.XXXXXX)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/docroot" "$work/state"
head -c 2048 /dev/urandom >"$work/docroot/bench.bin"

# One keep-alive connection, request i with header i of a digest_headers.py file (or none).
cat >"$work/client.py" <<'EOF'
import socket, sys
host, port, count, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
headers = None
if len(sys.argv) > 5:
    with open(sys.argv[5], "rb") as f:
        k, n = map(int, f.readline().split())
        prefixes = [f.readline().rstrip(b"\n") for _ in range(k)]
        suffix = f.readline().rstrip(b"\n")
        blob = f.read()
    headers = (k, prefixes, suffix, blob)
s = socket.create_connection((host, port))
buf = b""
for i in range(count):
    req = b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
    if headers:
        k, prefixes, suffix, blob = headers
        nc = b"%08x" % (i // k + 1)
        req += b"Authorization: " + prefixes[i % k] + nc + suffix + blob[32 * i:32 * i + 32] + b'"\r\n'
    s.sendall(req + b"\r\n")
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, buf = buf.split(b"\r\n\r\n", 1)
    status = head.split(b" ", 2)[1]
    if status != b"200":
        sys.exit("request %d: status %s" % (i, status.decode()))
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(buf) < length:
        buf += s.recv(65536)
    buf = buf[length:]
s.close()
EOF

start_server() {  # CONFIG OUT: under callgrind, sets server_pid and url
  local config=$1 out=$2 i
  valgrind --tool=callgrind --callgrind-out-file="$out.cg" "$cms_mock" --config "$bench/cms-mock-$config.yaml" \
    --root "$work/docroot" --state-dir "$work/state" --http 127.0.0.1:0 --https off --admin off \
    --log-level warn >"$out.out" 2>"$out.err" &
  server_pid=$!
  for i in $(seq 1 600); do
    grep -qx ready "$out.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { echo "cms-mock exited: $(tail -5 "$out.err")" >&2; exit 1; }
    sleep 0.1
  done
  url=$(sed -n 's|^listening \(http://[^ ]*\)$|\1|p' "$out.out" | head -1)
  [[ -n $url ]] || { echo "cms-mock not ready: $(tail -5 "$out.err")" >&2; exit 1; }
}

stop_server() {  # OUT: prints the total instruction count
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=
  sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$1.cg" | head -1
}

run_case() {  # CASE N: prints the total
  local name=$1 n=$2 out=$work/$1.$2 hostport
  local config=plain
  [[ $name == digest ]] && config=digest
  start_server "$config" "$out"
  hostport=${url#http://}
  case $name in
    plain)
      h2load --h1 -c8 -n "$n" "$url/bench.bin" >"$out.load" 2>&1 ;;
    digest)
      python3 "$bench/digest_headers.py" --url "$url/bench.bin" --count "$n" --out "$out.headers"
      python3 "$work/client.py" "${hostport%:*}" "${hostport##*:}" "$n" /bench.bin "$out.headers" ;;
    shape)
      python3 "$work/client.py" "${hostport%:*}" "${hostport##*:}" "$n" /bench.bin "$work/shape.headers" ;;
  esac
  stop_server "$out"
  if [[ -n $keep ]]; then mkdir -p "$keep" && cp "$out.cg" "$keep/$name.$n.cg"; fi
}

if [[ " $cases " == *" shape "* ]]; then
  # Header bytes of the same shape for the plain server: taken from a Digest instance, which the
  # plain configuration never checks.
  "$cms_mock" --config "$bench/cms-mock-digest.yaml" --root "$work/docroot" --state-dir "$work/state" \
    --http 127.0.0.1:0 --https off --admin off --log-level warn >"$work/gen.out" 2>&1 &
  server_pid=$!
  for i in $(seq 1 100); do grep -qx ready "$work/gen.out" 2>/dev/null && break; sleep 0.1; done
  gen_url=$(sed -n 's|^listening \(http://[^ ]*\)$|\1|p' "$work/gen.out" | head -1)
  python3 "$bench/digest_headers.py" --url "$gen_url/bench.bin" --count "$large" --out "$work/shape.headers"
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=
fi

echo "binary: $cms_mock"
for c in $cases; do
  a=$(run_case "$c" "$small")
  b=$(run_case "$c" "$large")
  echo "$c: N=$small total $a, N=$large total $b, per request $(( (b - a) / (large - small) ))"
done
