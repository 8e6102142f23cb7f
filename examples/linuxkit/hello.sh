#!/usr/bin/env bash
# A whole LinuxKit system from nothing but Debian packages, then booted: packages the images with
# `dockyard linuxkit pkg build` (a kernel image from Debian's kernel, the test init with busybox,
# crun with its libraries, a busybox container image), writes hello.yml, builds it and boots it
# under qemu (TCG). Needs: qemu-system-x86, busybox-static, crun; Debian's kernel is fetched once
# by ../shared/harness/kernel9p (apt-get download).
# usage: examples/linuxkit/hello.sh [OUTDIR (default /tmp/dockyard-hello)]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT=${1:-/tmp/dockyard-hello}
KSRC=${XDG_CACHE_HOME:-$HOME/.cache}/kernel9p/debian-kernel
[ -d "$KSRC/boot" ] || ../shared/harness/kernel9p/build-initramfs.sh
KVER=$(ls "$KSRC/lib/modules" | head -1)
mkdir -p "$OUT/kernel"
cp "$KSRC/boot/vmlinuz-$KVER" "$OUT/kernel/kernel"
tar -C "$KSRC" --owner=0 --group=0 --mtime=@0 -cf "$OUT/kernel/kernel.tar" "lib/modules/$KVER/kernel/fs/overlayfs"
printf 'image: kernel\norg: hello\nfiles:\n  - source: kernel\n    mode: "0644"\n  - source: kernel.tar\n    mode: "0644"\n' > "$OUT/kernel/build.yml"
kernel=$(bin/dockyard linuxkit pkg build "$OUT/kernel")
init=$(bin/dockyard linuxkit pkg build linuxkit/src/test/fixtures/init)
crun=$(bin/dockyard linuxkit pkg build linuxkit/src/test/fixtures/crun)
busybox=$(bin/dockyard linuxkit pkg build linuxkit/src/test/fixtures/busybox)
cat > "$OUT/hello.yml" <<YML
kernel:
  image: $kernel
  cmdline: "console=ttyS0 panic=-1 quiet"
init:
  - $init
  - $crun
onboot:
  - name: hello
    image: $busybox
    command: ["/bin/sh", "-c", "echo hello from an onboot container; cat /message"]
    binds:
      - /etc/motd:/message:ro
services:
  - name: web
    image: $busybox
    readonly: true
    command: ["/bin/sh", "-c", "echo service up; exec sleep 600"]
files:
  - path: etc/motd
    contents: "built by dockyard linuxkit\n"
    mode: "0644"
YML
bin/dockyard linuxkit build -o "$OUT" "$OUT/hello.yml"
exec bin/dockyard linuxkit run qemu --mem 512 "$OUT/hello"
