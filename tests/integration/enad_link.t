#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The TAP's carrier follows the device's link: `enasim ctl link down/up`
# (an AENQ link-change event) turns the carrier of enad's TAP off and on;
# traffic stops and resumes with it; the address survives.
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
require ping

plan 14
topology_setup || bail "cannot create the namespaces"
sim_start sim --queues 1 || bail "enasim did not start"
peer_setup sim || bail "cannot address the peer TAP"
enad_conf num_io_queues=1 | enad_start || bail "enad did not start"
pass "enad starts"
ok "enad's TAP takes $HOST_ADDR/24 and goes up" host_setup

carrier() { netdev_attr "$NS_HOST" "$HOST_IF" carrier; }
carrier_is() { [ "$(carrier)" = "$1" ]; }
show_link() { enactl_j -i "$HOST_IF" show | jq -r '"\(.link) \(.carrier)"'; }

wait_for 5 carrier_is 1
is "$(carrier)" 1 "link up at start: carrier on"
ok "ping host -> peer with the link up" wait_ping "$NS_HOST" "$PEER_ADDR" 15

ok "enasim ctl link down" sim_ctl sim link down
wait_for 10 carrier_is 0
is "$(carrier)" 0 "device link down: carrier off"
is "$(netdev_attr "$NS_HOST" "$HOST_IF" operstate)" down "device link down: operstate down"
if have_enactl; then
	is "$(show_link)" "false false" "enactl show: link false, carrier false"
else
	skip "enactl show: link false, carrier false" "enactl is not available"
fi
fails "no traffic while the link is down" ns_ping "$NS_HOST" "$PEER_ADDR"

ok "enasim ctl link up" sim_ctl sim link up
wait_for 10 carrier_is 1
is "$(carrier)" 1 "device link up: carrier on"
ok "traffic resumes with the link" wait_ping "$NS_HOST" "$PEER_ADDR" 15

# Flapping: five downs and ups back to back end with the carrier on.
for _ in 1 2 3 4 5; do
	sim_ctl sim link down >/dev/null
	sim_ctl sim link up >/dev/null
done
wait_for 10 carrier_is 1
sleep 0.5 # a late "down" would show now
is "$(carrier)" 1 "after 5 quick flaps the carrier is on"
ok "the TAP keeps $HOST_ADDR/24 through the flaps" netdev_has_addr "$NS_HOST" "$HOST_IF" "$HOST_ADDR/24"
