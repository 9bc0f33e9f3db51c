-- wrk script for bench/cms_mock_vs_nginx.sh.
--
-- done() prints one machine-readable line:
--   WRKRESULT requests=N duration_us=N p50_us=N p99_us=N connect=N read=N write=N status=N timeout=N
--
-- With BENCH_DIGEST_FILE set (written by bench/digest_headers.py), every request carries its own
-- precomputed Digest Authorization header: K nonces taken from real 401 challenges, used round
-- robin, each with an increasing nc (the server's replay window is 64 nc values per nonce, so 64
-- connections x K nonces tolerate out-of-order arrival). Request i uses nonce i % K with
-- nc = i // K + 1 and the MD5 response at bytes [32 i, 32 i + 32) of the responses blob.
-- With BENCH_PATHS set (space-separated request paths; bench/fleet_vs_wrk.sh), requests cycle
-- through those paths in order, with wrk's headers, so that wrk asks the server for the same
-- files in the same mix as the generator it is compared with.
-- Without either no request() is defined and wrk sends its static request.

local digest_file = os.getenv("BENCH_DIGEST_FILE")
local paths = os.getenv("BENCH_PATHS")

if digest_file then
  local prefixes, suffix, blob, count = {}, nil, nil, 0
  local k_nonces = 0
  local i = 0
  local exhausted = false

  local f = assert(io.open(digest_file, "rb"))
  -- Line 1: "K N"; then K lines with a header prefix (up to `nc=`); then one line with the
  -- rest after the nc value up to `response="`; then the blob of N*32 hex characters.
  k_nonces, count = f:read("*n", "*n")
  f:read("*l")
  for k = 1, k_nonces do prefixes[k] = f:read("*l") end
  suffix = f:read("*l")
  blob = f:read("*a")
  f:close()
  assert(#blob >= count * 32, "digest file: responses blob too short")

  local fmt = string.format
  local sub = string.sub
  local path = os.getenv("BENCH_PATH") or "/bench.bin"
  local headers = {}

  -- Every request is built here, before the run: built per request, each new Authorization value
  -- (a fresh string for LuaJIT to intern and collect) cost the client ~15 us of CPU, more than
  -- the server spent answering it, so the run measured wrk rather than the server.
  -- In init(), not at load: wrk.format takes the Host header from wrk.headers, set by then.
  local requests = {}
  function init(args)
    for n = 0, count - 1 do
      local k = n % k_nonces
      local nc = (n - k) / k_nonces + 1
      headers["Authorization"] = prefixes[k + 1] .. fmt("%08x", nc) .. suffix ..
          sub(blob, n * 32 + 1, n * 32 + 32) .. '"'
      requests[n + 1] = wrk.format("GET", path, headers)
    end
    blob = nil
  end

  function request()
    if i >= count then
      if not exhausted then io.stderr:write("WRKWARN digest headers exhausted; wrapping (replays)\n") end
      exhausted = true
      i = 0  -- wraps: the server then answers 401 (replay), which the script counts and reports
    end
    i = i + 1
    return requests[i]
  end
end

if paths and not digest_file then
  -- Built once in init() (wrk.headers holds the Host header and any -H by then): a request
  -- string made per request costs wrk more CPU than the server spends answering it.
  local requests, count, i = {}, 0, 0
  function init(args)
    for path in string.gmatch(paths, "%S+") do
      count = count + 1
      requests[count] = wrk.format("GET", path)
    end
    assert(count > 0, "BENCH_PATHS: no path")
  end

  function request()
    i = i % count + 1
    return requests[i]
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKRESULT requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
