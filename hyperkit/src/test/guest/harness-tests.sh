#!/bin/bash
# Runs the guests on this machine's /dev/kvm with the C harness (needs root). Usage: harness-tests.sh OUTDIR
# (OUTDIR as produced by build.sh). Prints one PASS/FAIL line per case; exit status = number of failures.
set -u
OUT="$(cd "${1:?usage: $0 OUTDIR}" && pwd)"
H="$OUT/kvm-harness"
fails=0
# check NAME EXPECTED_RC EXPECTED_TEXT -- harness args...
check() {
    local name="$1" rc_want="$2" text="$3"; shift 4
    local log rc
    log="$(timeout 120 "$@" 2>&1)"; rc=$?
    if [ "$rc" -eq "$rc_want" ] && grep -qF -- "$text" <<<"$log"; then
        echo "PASS $name (rc $rc)"
    else
        echo "FAIL $name: rc $rc (want $rc_want), want text '$text'"; sed 's/^/    /' <<<"$log"
        fails=$((fails + 1))
    fi
}
cd "$OUT"
check hello64 0 "hello from 64-bit guest cpu 0 of 1" -- "$H" -a "console=ttyS0 x=y" hello.elf64
check hello64-4cpu 0 "hello from 64-bit guest cpu 0 of 4" -- "$H" -c 4 hello.elf64
check hello32 0 "hello from 32-bit guest" -- "$H" hello.elf32
check hello16 0 "hello from 16-bit guest" -- "$H" hello.bin16
check exits 0 "OK exits" -- "$H" exits.elf64
check memsize-64M 0 "OK memory 64 MiB" -- "$H" -m 64 memsize.elf64
check memsize-1G 0 "OK memory 1024 MiB" -- "$H" -m 1024 memsize.elf64
for c in 1 2 4; do check smp-$c 0 "OK smp $c cpus" -- "$H" -c $c smp.elf64; done
check smp-4-irqchip 0 "OK smp 4 cpus" -- "$H" -i -c 4 smp.elf64
check triple 125 "triple fault" -- "$H" triple.elf64
check badmmio 126 "guest fault at 0xfd000000" -- "$H" badmmio.elf64
D=""
echo "$fails failure(s)"
exit "$fails"
