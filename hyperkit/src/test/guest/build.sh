#!/bin/bash
# Builds the freestanding test guests (and the KVM check harness) into OUTDIR.
# Usage: build.sh OUTDIR     (works from any cwd; needs gcc + binutils; -m32 needs no multilib)
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
OUT="$(cd "$1" && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

CC="${CC:-gcc}"
LD="${LD:-ld}"
OBJCOPY="${OBJCOPY:-objcopy}"
export LC_ALL=C SOURCE_DATE_EPOCH=0

COMMON=(-std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib -fno-pic -fno-pie -static
        -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-common
        -fno-tree-loop-distribute-patterns -mgeneral-regs-only -mno-red-zone -fno-ident)
CFLAGS64=(-m64 -mcmodel=small "${COMMON[@]}")
CFLAGS32=(-m32 -march=i686 "${COMMON[@]}")
LDFLAGS=(--fatal-warnings -nostdlib -static --build-id=none -z noexecstack -z max-page-size=0x1000
         --orphan-handling=error -T guest.ld)

# Relative source names keep absolute paths out of the objects (deterministic output).
cd "$SRC"

run() { echo "+ $*" >&2; "$@"; }

run "$CC" "${CFLAGS64[@]}" -c start64.S -o "$TMP/start64.o"
run "$CC" "${CFLAGS64[@]}" -c lib.c -o "$TMP/lib64.o"
run "$CC" "${CFLAGS32[@]}" -c start32.S -o "$TMP/start32.o"
run "$CC" "${CFLAGS32[@]}" -c lib.c -o "$TMP/lib32.o"

# name:source for 64-bit guests
GUESTS64=(hello:hello64.c exits:exits.c memsize:memsize.c smp:smp.c triple:triple.c
          badmmio:badmmio.c virtio:virtio.c)
for g in "${GUESTS64[@]}"; do
    name="${g%%:*}" src="${g#*:}"
    run "$CC" "${CFLAGS64[@]}" -c "$src" -o "$TMP/$name.64.o"
    run "$LD" -m elf_x86_64 "${LDFLAGS[@]}" -o "$OUT/$name.elf64" \
        "$TMP/start64.o" "$TMP/$name.64.o" "$TMP/lib64.o"
done

GUESTS32=(hello:hello32.c)
for g in "${GUESTS32[@]}"; do
    name="${g%%:*}" src="${g#*:}"
    run "$CC" "${CFLAGS32[@]}" -c "$src" -o "$TMP/$name.32.o"
    run "$LD" -m elf_i386 "${LDFLAGS[@]}" -o "$OUT/$name.elf32" \
        "$TMP/start32.o" "$TMP/$name.32.o" "$TMP/lib32.o"
done

GUESTS16=(hello:hello16.S)
for g in "${GUESTS16[@]}"; do
    name="${g%%:*}" src="${g#*:}"
    run as --32 --fatal-warnings -o "$TMP/$name.16.o" "$src"
    run "$LD" -m elf_i386 --fatal-warnings --build-id=none -z noexecstack -Ttext=0x7c00 -e _start \
        -o "$TMP/$name.16.elf" "$TMP/$name.16.o"
    run "$OBJCOPY" -O binary -j .text "$TMP/$name.16.elf" "$OUT/$name.bin16"
    size=$(stat -c %s "$OUT/$name.bin16")
    if [ "$size" -eq 0 ] || [ "$size" -gt 30720 ]; then
        echo "error: $name.bin16 has bad size $size" >&2
        exit 1
    fi
done

# Sanity: every ELF guest must be ET_EXEC with entry 0x100000.
for f in "$OUT"/*.elf64 "$OUT"/*.elf32; do
    entry=$(readelf -h "$f" | awk '/Entry point/ {print $4}')
    if [ "$entry" != "0x100000" ]; then
        echo "error: $f entry $entry, want 0x100000" >&2
        exit 1
    fi
done

# Test-only KVM harness (not part of the product).
run "$CC" -std=gnu11 -O2 -Wall -Wextra -Werror -pthread -o "$OUT/kvm-harness" kvm-harness.c

echo "built into $OUT:" >&2
(cd "$OUT" && ls -1 *.elf64 *.elf32 *.bin16 kvm-harness) >&2
