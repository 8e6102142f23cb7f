#!/usr/bin/env bash
# HyperKit (dockyard.hyperkit) numbers against anchors measured in the same run, on this host's KVM:
#  1. in-process (the library use: one JVM, a fresh VM each time): ms from building the VM to the
#     guest's first serial byte and to its exit (hello.elf64, 64 MiB);
#  2. KVM exit round trip: exits.elf64's 100000 port-I/O exits, TSC cycles each (the guest measures),
#     against the same guest under a ~400-line C VMM (src/test/guest/kvm-harness.c) = the floor;
#  3. virtio-blk: virtio.elf64 writing then reading N single-sector requests on a raw file, MiB/s;
#  4. process start to guest exit (hyperfine) for hello.elf32, which qemu also runs (PVH entry):
#     bin/dockyard hyperkit run (a JVM per run), the C harness, qemu -accel kvm, qemu TCG.
# usage: bench/hyperkit.sh [--sectors N (20000)] [--runs N (20)]
# env:   BENCH_SMOKE=1: the same steps at tiny sizes (bench/smoke, CI): 3 VMs in-process, 5000 sectors,
#        hyperfine 2 runs without warm-up; on a machine without a writable /dev/kvm it says so and
#        runs what needs no KVM (building the guests and the C harness, qemu TCG on hello.elf32)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECTORS=20000 RUNS=20 WARMUP=2 STARTS=50 KVM=1
[ "${BENCH_SMOKE:-0}" = 1 ] && SECTORS=5000 RUNS=2 WARMUP=0 STARTS=3
while [ $# -gt 0 ]; do
  case $1 in
    --sectors) SECTORS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) echo "usage: bench/hyperkit.sh [--sectors N] [--runs N]" >&2; exit 2 ;;
  esac
done
die() { echo "hyperkit-bench: $*" >&2; exit 1; }
if [ ! -w /dev/kvm ]; then
  [ "${BENCH_SMOKE:-0}" = 1 ] || die "/dev/kvm is not writable"
  KVM=0
  echo "SMOKE-SKIP hyperkit.sh: the KVM parts (in-process VMs, exit round trip, virtio-blk, dockyard and C harness and qemu kvm runs): $( [ -e /dev/kvm ] && echo '/dev/kvm is not writable' || echo 'this machine has no /dev/kvm')"
fi
for c in hyperfine qemu-system-x86_64 jq bc; do command -v $c >/dev/null || die "$c is not installed"; done
. bin/jdk.sh
./mvnw -q -B -o -pl hyperkit -am test-compile -DskipTests >&2 || ./mvnw -q -B -pl hyperkit -am test-compile -DskipTests >&2
bin/dockyard hyperkit --help >/dev/null   # builds the CLI if sources changed
G=hyperkit/target/guests
J=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp linux/target/classes:hyperkit/target/classes:hyperkit/target/test-classes
   dockyard.hyperkit.bench.HyperKitBench)
if [ $KVM = 0 ]; then   # smoke without KVM: the guests are built; qemu's TCG needs no KVM
  W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
  hyperfine -N --runs "$RUNS" --warmup "$WARMUP" -i --export-json "$W/h.json" \
    -n "qemu tcg" "qemu-system-x86_64 -accel tcg -kernel $G/hello.elf32 -m 64 -nodefaults -display none -serial file:$W/c3 -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=1" \
    > "$W/h.txt" 2>&1 || { cat "$W/h.txt"; die "hyperfine failed"; }   # -i: qemu leaves through isa-debug-exit, never with 0
  jq -r '.results[] | [.command, (.mean*1000), ((.stddev // 0)*1000)] | @tsv' "$W/h.json" | while IFS=$'\t' read -r n m s; do printf '%-24s %8.1f ms ± %.1f\n' "$n" "$m" "$s"; done
  grep -q "OK hello32" "$W/c3" || die "qemu tcg did not print the guest's OK line: $(head -c 200 "$W/c3" 2>/dev/null)"
  echo "(qemu tcg printed the guest's OK line; the dockyard rows need KVM)"
  exit 0
fi
echo "== in-process (library)"
"${J[@]}" startup "$G" "$STARTS"
echo "== KVM exit round trip"
ours=$("${J[@]}" exits "$G" | sed -n 's/.*cycles-each \([0-9]*\).*/\1/p')
theirs=$("$G/kvm-harness" -m 64 "$G/exits.elf64" | sed -n 's/.* \([0-9]*\) cycles each.*/\1/p')
echo "dockyard $ours cycles/exit, C harness $theirs cycles/exit, ratio $(echo "scale=2; $ours/$theirs" | bc)"
echo "== virtio-blk"
"${J[@]}" blk "$G" "$SECTORS"
echo "== process start to guest exit (hello.elf32)"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
hyperfine -N --runs "$RUNS" --warmup "$WARMUP" -i --export-json "$W/h.json" \
  -n "dockyard hyperkit run" "bin/dockyard hyperkit run --kernel $G/hello.elf32 --mem 64M --no-rng --console file:$W/c1" \
  -n "C harness" "$G/kvm-harness -m 64 $G/hello.elf32" \
  -n "qemu kvm" "qemu-system-x86_64 -accel kvm -kernel $G/hello.elf32 -m 64 -nodefaults -display none -serial file:$W/c2 -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=1" \
  -n "qemu tcg" "qemu-system-x86_64 -accel tcg -kernel $G/hello.elf32 -m 64 -nodefaults -display none -serial file:$W/c3 -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=1" \
  > "$W/h.txt" 2>&1 || { cat "$W/h.txt"; die "hyperfine failed"; }
jq -r '.results[] | [.command, (.mean*1000), ((.stddev // 0)*1000)] | @tsv' "$W/h.json" | while IFS=$'\t' read -r n m s; do printf '%-24s %8.1f ms ± %.1f\n' "$n" "$m" "$s"; done
grep -q "OK hello32" "$W/c2" && echo "(qemu kvm printed the guest's OK line)" || echo "(qemu kvm did not print the guest's OK line: $(head -c 200 "$W/c2" 2>/dev/null))"
