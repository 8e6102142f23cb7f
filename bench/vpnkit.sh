#!/usr/bin/env bash
# User-space networking for a namespace, same run, same host: iperf3 (1 and 4 streams, both
# directions, 5 s each) and new-connection rate (ab: 2000 HTTP requests, 8 at a time, no keep-alive)
# from a network namespace to a server on the host's loopback, through
#   dockyard vpnkit (--tap into the namespace; guest 192.168.65.2 by DHCP, host at 192.168.65.254),
#   slirp4netns (--configure; host loopback at 10.0.2.2), pasta (passt; host loopback at its
#   gateway address; its default 65520 MTU and again at 1500, our MTU), and a plain veth pair (kernel
#   routing, the ceiling). CPU seconds of the user-space process per Gbit moved are printed too.
# Ends with the ratios of dockyard vpnkit (MTU 1500) to slirp4netns and to pasta at MTU 1500, per column.
# usage: bench/vpnkit.sh [--seconds S (5)]
# env:   BENCH_SMOKE=1: every backend with two iperf3 runs of 1 s (1 stream guest->host, 4 streams
#        host->guest) and 200 ab requests (bench/smoke, CI)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECS=5 REQUESTS=2000
MODES=("1" "1 -R" "4" "4 -R")
HEADS=("iperf3 guest->host 1 stream" "host->guest 1" "guest->host 4" "host->guest 4")
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
  SECS=1 REQUESTS=200 MODES=("1" "4 -R") HEADS=("iperf3 guest->host 1 stream" "host->guest 4")
fi
[ "${1:-}" = --seconds ] && SECS=$2
die() { echo "vpnkit-bench: $*" >&2; exit 1; }
# set -e would end the run without a word where a step fails; say which one
trap 'echo "vpnkit-bench: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
[ "$(id -u)" = 0 ] || die "must run as root (namespaces, taps)"
for c in iperf3 ab jq slirp4netns pasta busybox ip; do command -v $c >/dev/null || die "$c is not installed"; done
bin/dockyard vpnkit --help >/dev/null
W=$(mktemp -d /tmp/vkbench.XXXXXX); NS=vkb$$; PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; pkill -f "pasta.*$NS" 2>/dev/null || true
  ip netns del $NS 2>/dev/null || true; ip link del vkbh 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
mkdir -p "$W/www"; echo ok > "$W/www/small"
HTTP_PORT=18080
busybox httpd -f -p 127.0.0.1:$HTTP_PORT -h "$W/www" & PIDS+=($!)
cpu() { awk '{print $14+$15}' /proc/$1/stat; }   # utime+stime in clock ticks
TCK=$(getconf CLK_TCK)

measure() { # NAME TARGET_IP PROC_PID
  local name=$1 ip=$2 pid=${3:-} row="" nums=""
  for mode in "${MODES[@]}"; do
    set -- $mode
    iperf3 -s -1 -B "${SERVER_BIND:-127.0.0.1}" -p 15201 >/dev/null 2>&1 & local sp=$!; sleep 0.3
    local c0=0; [ -n "$pid" ] && c0=$(cpu $pid)
    local j; j=$(ip netns exec $NS iperf3 -c "$ip" -p 15201 -t "$SECS" -P "$1" ${2:-} -J 2>/dev/null || echo '{}')
    local c1=0; [ -n "$pid" ] && c1=$(cpu $pid)
    wait $sp 2>/dev/null || true
    local bps; bps=$(echo "$j" | jq -r '.end.sum_received.bits_per_second // 0')
    local gbit; gbit=$(echo "$j" | jq -r '(.end.sum_received.bytes // 0) * 8 / 1e9')
    local cpg="-"; [ -n "$pid" ] && cpg=$(echo "scale=2; ($c1-$c0)/$TCK / ($gbit+0.000001)" | bc)
    row="$row$(printf '%-26s | ' "$(printf '%.0f Mb/s (%s cpu-s/Gbit)' "$(echo "$bps/1000000" | bc -l)" "$cpg")")"
    nums="$nums $(printf '%.0f' "$(echo "$bps/1000000" | bc -l)")"
  done
  local rps; rps=$(ip netns exec $NS ab -q -n "$REQUESTS" -c 8 "http://$ip:${HTTP_PORT_NS:-$HTTP_PORT}/small" 2>/dev/null | awk '/Requests per second/ {print $4}')
  printf '%-20s | %s%s\n' "$name" "$row" "${rps:-0}"
  echo "$name|$nums ${rps:-0}" >> "$W/results"
}

fresh_ns() { ip netns del $NS 2>/dev/null || true; ip netns add $NS; ip netns exec $NS ip link set lo up; }

printf '%-20s | ' backend; for h in "${HEADS[@]}"; do printf '%-26s | ' "$h"; done; echo "new connections/s"
# --- veth (kernel) ----------------------------------------------------------------------------
fresh_ns
ip link add vkbh type veth peer name vkbg netns $NS
ip addr add 10.77.0.1/24 dev vkbh; ip link set vkbh up
ip netns exec $NS ip addr add 10.77.0.2/24 dev vkbg; ip netns exec $NS ip link set vkbg up
SERVER_BIND=10.77.0.1 HTTP_PORT_NS=18081 bash -c true
busybox httpd -f -p 10.77.0.1:18081 -h "$W/www" & PIDS+=($!)
SERVER_BIND=10.77.0.1 HTTP_PORT_NS=18081 measure "veth (kernel)" 10.77.0.1
ip link del vkbh
# --- dockyard vpnkit --------------------------------------------------------------------------
fresh_ns
bin/dockyard vpnkit --tap vkbt0 --netns $NS > "$W/dy.log" 2>&1 & DY=$!; PIDS+=($DY)
for _ in $(seq 100); do ip netns exec $NS ip link show vkbt0 >/dev/null 2>&1 && break; sleep 0.1; done
printf '#!/bin/sh\n[ "$1" = bound ] && ip addr add $ip/${mask:-24} dev $interface && ip route add default via $router\nexit 0\n' > "$W/dhcp.sh"; chmod +x "$W/dhcp.sh"
ip netns exec $NS busybox udhcpc -i vkbt0 -q -n -t 5 -T 1 -s "$W/dhcp.sh" >/dev/null 2>&1 || die "no DHCP lease from dockyard vpnkit: $(cat $W/dy.log)"
JPID=$(pgrep -P $DY java || echo $DY)
measure "dockyard vpnkit" 192.168.65.254 "$JPID"
kill $DY; wait $DY 2>/dev/null || true
fresh_ns
bin/dockyard vpnkit --tap vkbt0 --netns $NS --mtu 65520 > "$W/dy2.log" 2>&1 & DY=$!; PIDS+=($DY)
for _ in $(seq 100); do ip netns exec $NS ip link show vkbt0 >/dev/null 2>&1 && break; sleep 0.1; done
ip netns exec $NS busybox udhcpc -i vkbt0 -q -n -t 5 -T 1 -s "$W/dhcp.sh" >/dev/null 2>&1 || die "no DHCP lease from dockyard vpnkit: $(cat $W/dy2.log)"
JPID=$(pgrep -P $DY java || echo $DY)
measure "dockyard (mtu 65520)" 192.168.65.254 "$JPID"
kill $DY; wait $DY 2>/dev/null || true
# --- slirp4netns ------------------------------------------------------------------------------
fresh_ns
slirp4netns --configure --netns-type=path /run/netns/$NS tap0 > "$W/slirp.log" 2>&1 & SL=$!; PIDS+=($SL)
sleep 1
measure "slirp4netns" 10.0.2.2 "$SL"
kill $SL; wait $SL 2>/dev/null || true
# --- pasta ------------------------------------------------------------------------------------
for mtu in default 1500; do
  fresh_ns
  extra=(); [ $mtu = 1500 ] && extra=(--mtu 1500)
  rm -f "$W/pasta.pid"
  pasta --runas 0 --config-net "${extra[@]}" --pid "$W/pasta.pid" --netns /run/netns/$NS >"$W/pasta.log" 2>&1 ||
    die "pasta failed: $(grep -v syslog "$W/pasta.log" | tail -5)"
  sleep 0.5
  PP=$(cat "$W/pasta.pid")   # pasta forks into the background: its own pid file names the process that stays
  GW=$(ip netns exec $NS ip route | awk '/default/ && g == "" {g = $3} END {print g}')   # no early exit: ip would die of SIGPIPE (pipefail)
  measure "pasta (mtu $mtu)" "$GW" "$PP"
  kill $PP 2>/dev/null || true; sleep 0.3
done
echo
# ratios of dockyard vpnkit (MTU 1500) to each user-space anchor, per column (Mb/s, then connections/s)
printf '%-38s' "ratio"; for h in "${HEADS[@]}"; do printf ' | %-26s' "$h"; done; echo " | new connections/s"
for anchor in "slirp4netns" "pasta (mtu 1500)" "pasta (mtu default)"; do
  awk -F'|' -v a="$anchor" '$1 == "dockyard vpnkit" { split($2, d, " ") } $1 == a { split($2, x, " ") }
    END { printf "%-38s", "dockyard vpnkit / " a; n = length(d)
          for (i = 1; i <= n; i++) printf " | %-26s", (x[i] > 0 ? sprintf("%.2f", d[i] / x[i]) : "-"); print "" }' "$W/results"
done
