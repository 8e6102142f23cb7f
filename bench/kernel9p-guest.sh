# Guest side of bench/kernel9p-throughput.sh (runs in the harness VM, cwd = the 9P mount).
# MODE=datakit: write into a transaction's rw/, commit, read back from the branch's ro/.
# MODE=plain:   write and read a plain file (the diod anchor).  SIZE_MB: file size.
up() { cut -d' ' -f1 /proc/uptime; }
rate() { awk -v mb="$1" -v a="$2" -v b="$3" 'BEGIN { d = b - a; if (d <= 0) d = 0.01; printf "%.1f", mb / d }'; }
if [ "$MODE" = datakit ]; then
  TX=big$$; mkdir -p branch/bench && mkdir branch/bench/transactions/$TX || exit 1
  W=branch/bench/transactions/$TX/rw/big.bin; R=branch/bench/ro/big.bin
else
  W=big.bin; R=big.bin
fi
t0=$(up); dd if=/dev/zero of="$W" bs=1M count="$SIZE_MB" 2>/dev/null || exit 1; t1=$(up)
[ "$MODE" = datakit ] && { echo commit > branch/bench/transactions/$TX/ctl || exit 1; }
t2=$(up); dd if="$R" of=/dev/null bs=1M 2>/dev/null || exit 1; t3=$(up)
size=$(wc -c < "$R" | tr -d ' ')
[ "$size" = $((SIZE_MB * 1048576)) ] || { echo "@@BENCH size mismatch $size"; exit 1; }
echo "@@BENCH mode=$MODE write_mibs=$(rate "$SIZE_MB" "$t0" "$t1") read_mibs=$(rate "$SIZE_MB" "$t2" "$t3")"
