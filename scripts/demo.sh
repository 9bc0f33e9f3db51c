#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install packages, build, start cms-mock on free ports,
# boot one emulated Aastra 9480i from it over HTTPS (Digest, then firmware), show what the mock
# journalled, and stop. Everything lives in a temporary directory that is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build_dir=${APL_BUILD_DIR:-build}
work=$(mktemp -d)
mock_pid=
cleanup() {
  [[ -n $mock_pid ]] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$build_dir/cms-mock/cms-mock" --http 127.0.0.1:0 --https 127.0.0.1:0 --admin 127.0.0.1:0 \
  --state-dir "$work/cms-state" --log-level warn > "$work/cms.out" &
mock_pid=$!
for _ in $(seq 100); do grep -q '^ready$' "$work/cms.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^ready$' "$work/cms.out" || { echo "cms-mock did not start" >&2; exit 1; }
cat "$work/cms.out"
https_url=$(sed -n 's/^listening \(https:.*\)$/\1/p' "$work/cms.out")
admin_url=$(sed -n 's/^listening admin \(.*\)$/\1/p' "$work/cms.out")

echo
echo "== phone-agent boot (9480i, MAC 00085D000003, running firmware 3.2.2.1000)"
status=0
"$build_dir/phone-agent/phone-agent" boot --server "$https_url/dms/Aastra9480i/" \
  --mac 00:08:5D:00:00:03 --model 9480i --firmware 3.2.2.1000 \
  --ca "$work/cms-state/ca.pem" --state-dir "$work/phone" --json "$work/phone/boot.json" || status=$?
echo
echo "== cms-mock's verdict on the boot order"
curl -s "$admin_url/_admin/devices/00085D000003/sequence"; echo
echo "== phone-agent exit code: $status (0 = provisioned)"
exit "$status"
