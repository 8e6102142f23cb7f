#!/bin/sh
# A busybox udhcpc script (Debian's busybox ships none): applies the lease dockyard vpnkit offers.
#   ip netns exec NS busybox udhcpc -i TAP -q -s examples/vpnkit/udhcpc.sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    ip route replace default via "$router"
    [ -n "$dns" ] && [ -w /etc/resolv.conf ] && echo "nameserver $dns" > /etc/resolv.conf
    ;;
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
esac
exit 0
