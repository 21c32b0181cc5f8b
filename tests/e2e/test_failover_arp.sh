#!/usr/bin/env bash
# The failover test of test_failover.sh with ARP health checks instead of
# ICMP: members detected up, cut and restored, answered by real kernels' ARP.
HFE_METHOD=arp exec "$(dirname "$0")/test_failover.sh" "$@"
