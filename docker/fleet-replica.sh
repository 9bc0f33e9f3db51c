#!/bin/bash
# Entry point of the load fleet (installed as apl-fleet-replica in the phone-agent image): one
# replica of `docker compose --profile load up --scale fleet=N` or one pod of the Kubernetes
# Indexed Job boots its own slice of the load phones, so replicas never share a MAC: with
# `phone-agent fleet --shard index/shards` where the binary has it, else
#   slice = APL_FLEET_PHONES / APL_FLEET_SHARDS phones from APL_FLEET_MAC_START + index * slice
# The replica's index (0-based) is APL_FLEET_INDEX, else JOB_COMPLETION_INDEX (Kubernetes), else
# the number Compose puts at the end of the container name (`<project>[-_]fleet[-_]<n>`, 1-based),
# which the engine's DNS gives back for the container's own address.
# Extra arguments go to `phone-agent fleet` (e.g. --threshold 'p99<2s').
#
# Environment: APL_FLEET_SERVER (required), APL_FLEET_SHARDS (default 1), APL_FLEET_PHONES (1024),
# APL_FLEET_MAC_START (00085D100000), APL_FLEET_MODEL (9480i), APL_FLEET_CA (/state/ca.pem),
# APL_FLEET_CONCURRENCY (64), APL_FLEET_FIRMWARE (3.2.2.1000: every phone downloads firmware).
set -euo pipefail
server=${APL_FLEET_SERVER:?APL_FLEET_SERVER must name the provisioning URL}
shards=${APL_FLEET_SHARDS:-1}
phones=${APL_FLEET_PHONES:-1024}
mac_start=${APL_FLEET_MAC_START:-00085D100000}

fail() { echo "fleet-replica: $*" >&2; exit 2; }
[[ $shards =~ ^[1-9][0-9]*$ ]] || fail "APL_FLEET_SHARDS must be a positive number, not '$shards'"
[[ $phones =~ ^[1-9][0-9]*$ ]] || fail "APL_FLEET_PHONES must be a positive number, not '$phones'"
[[ $mac_start =~ ^[0-9A-Fa-f]{12}$ ]] || fail "APL_FLEET_MAC_START must be 12 hex digits, not '$mac_start'"

index=${APL_FLEET_INDEX:-${JOB_COMPLETION_INDEX:-}}
if [[ -z $index ]]; then
  # The container's own address (Docker writes it next to the host name), then its name by PTR.
  address=$(awk -v h="$HOSTNAME" '$2 == h { print $1; exit }' /etc/hosts)
  name=$(nslookup "$address" 2>/dev/null | sed -n 's/.*name = \([^ ]*\).*/\1/p' | head -n1)
  name=${name%%.*}
  if [[ $name =~ [-_]([0-9]+)$ ]]; then
    index=$((BASH_REMATCH[1] - 1))
    echo "fleet-replica: container $name is replica $((index + 1))" >&2
  elif ((shards == 1)); then
    index=0
  else
    fail "cannot tell this replica's number (address '$address', name '$name'); set APL_FLEET_INDEX"
  fi
fi
[[ $index =~ ^[0-9]+$ ]] || fail "replica index must be a number, not '$index'"
((index < shards)) || fail "replica index $index is not below APL_FLEET_SHARDS=$shards (set it to the --scale value)"

common=(--server "$server" --ca "${APL_FLEET_CA:-/state/ca.pem}" --model "${APL_FLEET_MODEL:-9480i}"
  --firmware "${APL_FLEET_FIRMWARE:-3.2.2.1000}" --concurrency "${APL_FLEET_CONCURRENCY:-64}")
if phone-agent fleet --help 2>/dev/null | grep -q -- '--shard'; then
  # phone-agent fleet splits the phones itself (contiguous parts, remainder included).
  echo "fleet-replica: --shard $index/$shards of $phones phones from $mac_start" >&2
  exec phone-agent fleet "${common[@]}" --mac-start "$mac_start" --count "$phones" \
    --shard "$index/$shards" "$@"
fi
slice=$((phones / shards))
((slice > 0)) || fail "APL_FLEET_PHONES=$phones cannot be split into $shards shards"
first=$(printf '%012X' $((16#$mac_start + index * slice)))
echo "fleet-replica: shard $index of $shards: $slice phones from $first" >&2
exec phone-agent fleet "${common[@]}" --mac-start "$first" --count "$slice" "$@"
