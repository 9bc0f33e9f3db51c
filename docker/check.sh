#!/bin/bash
# Entry point of compose's `check` service (installed as apl-check in the phone-agent image): runs
# `phone-agent validate` (the demo 6731i) and a short `phone-agent fleet` (64 phones of the check
# range in deploy/cms-mock/devices.csv, firmware upgrade included) against cms-mock over HTTPS,
# trusting cms-mock's development CA. Exit code 0 when both passed, 1 otherwise.
#
# Environment: APL_CHECK_SERVER (host name, default cms-mock), APL_CHECK_PORT (HTTPS port, 8443),
# APL_CHECK_CA (default /state/ca.pem), APL_CHECK_PHONES (default 64).
set -uo pipefail
server=${APL_CHECK_SERVER:-cms-mock}
port=${APL_CHECK_PORT:-8443}
ca=${APL_CHECK_CA:-/state/ca.pem}
phones=${APL_CHECK_PHONES:-64}
base="https://$server:$port/dms"

failed=()
echo "== phone-agent validate $base/Aastra6731i/ (00085D000001)"
phone-agent validate --server "$base/Aastra6731i/" --mac 00085D000001 --model 6731i --ca "$ca" \
  || failed+=("validate (exit $?)")

echo "== phone-agent fleet: $phones phones from 00085D200000"
phone-agent fleet --server "$base/Aastra6731i/" --ca "$ca" --mac-start 00085D200000 \
  --count "$phones" --model 6731i --firmware 3.2.2.1000 --concurrency 16 \
  --threshold 'errors<0.1%' --threshold 'provisioned>=100%' --threshold 'p99<60s' \
  || failed+=("fleet (exit $?)")

if ((${#failed[@]} == 0)); then
  echo "check: passed (validate, fleet of $phones)"
  exit 0
fi
echo "check: FAILED: ${failed[*]}"
exit 1
