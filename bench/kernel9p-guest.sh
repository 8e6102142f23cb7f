# Guest side of bench/kernel9p-throughput.sh: runs in the harness VM (busybox sh, cwd = the 9P
# mount made with the harness's msize). Mounts the same server a second time at /mnt2 with
# msize=$MSIZE2, then for each mount: dd SIZE_MB MiB (1 MiB of /dev/urandom repeated, so it does not
# compress) from tmpfs into the server, and dd it back to /dev/null. Prints one line per mount:
#   @@BENCH mount=NAME msize=N write_mibs=W read_mibs=R commit_s=C
# MODE=datakit: written into branch/bench/transactions/T/rw/big, committed, read from branch/bench/ro/big
# MODE=plain:   a plain file big.T (the diod anchor).  ROUNDS: rounds per mount (the best is printed).
up() { cut -d' ' -f1 /proc/uptime; }
rate() { awk -v mb="$1" -v a="$2" -v b="$3" 'BEGIN { d = b - a; if (d <= 0) d = 0.01; printf "%.1f", mb / d }'; }
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 >= b + 0) ? a : b }'; }
. /harness.env   # PORT, VERSION, HOST: the init sources it but does not export them
ROUNDS=${ROUNDS:-2}
dd if=/dev/urandom of=/tmp/chunk bs=1M count=1 2>/dev/null
i=0; while [ $i -lt "$SIZE_MB" ]; do cat /tmp/chunk; i=$((i+1)); done > /tmp/src
[ "$(wc -c < /tmp/src)" = $((SIZE_MB * 1048576)) ] || { echo "@@BENCH-FAIL cannot make /tmp/src"; exit 1; }
rm /tmp/chunk
mkdir -p /mnt2
mount -t 9p -o "trans=tcp,port=$PORT,version=$VERSION,$OPTS2,msize=$MSIZE2" "$HOST" /mnt2 || { echo "@@BENCH-FAIL second mount"; exit 1; }
msize_of() { sed -n "s|.* $1 9p .*msize=\([0-9]*\).*|\1|p" /proc/mounts | head -1; }
[ "$MODE" = datakit ] && { mkdir branch/bench || exit 1; }
measure() { # NAME DIR
  W=; R=; C=0
  r=0; while [ $r -lt "$ROUNDS" ]; do
    T=t$r$1
    if [ "$MODE" = datakit ]; then
      mkdir "$2/branch/bench/transactions/$T" || return 1
      WF=$2/branch/bench/transactions/$T/rw/big; RF=$2/branch/bench/ro/big
    else
      WF=$2/big.$T; RF=$WF
    fi
    t0=$(up); dd if=/tmp/src of="$WF" bs=1M 2>/dev/null || return 1; t1=$(up)
    if [ "$MODE" = datakit ]; then echo commit > "$2/branch/bench/transactions/$T/ctl" || return 1; fi
    t2=$(up); dd if="$RF" of=/dev/null bs=1M 2>/dev/null || return 1; t3=$(up)
    size=$(stat -c %s "$RF")
    [ "$size" = $((SIZE_MB * 1048576)) ] || { echo "@@BENCH-FAIL $1 size $size"; return 1; }
    if [ $r = 0 ]; then cmp -s /tmp/src "$RF" || { echo "@@BENCH-FAIL $1 content differs"; return 1; }; fi
    [ "$MODE" = plain ] && rm -f "$WF"
    W=$(best "$(rate "$SIZE_MB" "$t0" "$t1")" "$W"); R=$(best "$(rate "$SIZE_MB" "$t2" "$t3")" "$R")
    C=$(awk -v a="$t1" -v b="$t2" -v c="$C" 'BEGIN { d = b - a; print (c == 0 || d < c) ? d : c }')
    r=$((r+1))
  done
  echo "@@BENCH mount=$1 msize=$(msize_of "$2") write_mibs=$W read_mibs=$R commit_s=$C"
}
measure main /mnt || exit 1
measure second /mnt2 || exit 1
cd /; umount /mnt2
