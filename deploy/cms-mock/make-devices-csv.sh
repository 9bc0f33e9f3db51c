#!/usr/bin/env bash
# Writes devices.csv (stdout), the devices table that compose.yaml and deploy/k8s give cms-mock:
#   00085D000001-3       the built-in demo's three phones (6731i, 6739i, 9480i, users alice|bob|carol)
#   00085D200000-03F     64 phones (6731i) for the `check` service's short fleet
#   00085D100000-3FF     1024 phones (9480i) for the load fleet: 4 shards of 256
# Each has its own Device Access login devNNNNNN/pwNNNNNN and a SIP line (mac.cfg.template needs it).
# Usage: deploy/cms-mock/make-devices-csv.sh > deploy/cms-mock/devices.csv
set -euo pipefail
echo "mac,model,firmware,device_username,device_password,user_username,user_password,line1_auth_name,line1_password,line1_user_name,line1_display_name,line1_registrar"
i=1
for demo in 6731i:alice 6739i:bob 9480i:carol; do
  n=$(printf '%06d' "$i")
  echo "00085D$n,${demo%%:*},3.2.2.3077,dev$n,pw$n,${demo#*:}@example.com,1234,100$i,sip$n,100$i,${demo#*:},cms-mock"
  i=$((i + 1))
done
for ((k = 0; k < 64; k++)); do
  n=$(printf '2%05d' "$k")
  echo "$(printf '00085D2%05X' "$k"),6731i,3.2.2.3077,dev$n,pw$n,,,$n,sip$n,$n,Check $k,cms-mock"
done
for ((k = 0; k < 1024; k++)); do
  n=$(printf '1%05d' "$k")
  echo "$(printf '00085D1%05X' "$k"),9480i,3.2.2.3077,dev$n,pw$n,,,$n,sip$n,$n,Load $k,cms-mock"
done
