#!/bin/sh
# A busybox udhcpc script (Debian's busybox ships none): applies the lease dockyard vpnkit offers
# to the interface, inside the namespace it runs in:
#   ip netns exec NS busybox udhcpc -i TAP -q -s examples/vpnkit/udhcpc.sh
# The DNS server is written only to $RESOLV_CONF when that is set, never to /etc/resolv.conf by
# default: `ip netns exec` gives the namespace its own /etc/resolv.conf only when
# /etc/netns/NS/resolv.conf exists, so without one that path is the host's file.
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
    ip route replace default via "$router"
    if [ -n "$dns" ]; then
      if [ -n "${RESOLV_CONF:-}" ]; then
        for server in $dns; do echo "nameserver $server"; done > "$RESOLV_CONF"
      else
        echo "udhcpc.sh: $interface $ip, DNS $dns (set RESOLV_CONF=FILE to write it there)"
      fi
    fi
    ;;
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
esac
exit 0
