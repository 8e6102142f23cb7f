#!/usr/bin/env bash
# A whole LinuxKit system from nothing but Debian packages, then booted: packages the images with
# `dockyard linuxkit pkg build` (a kernel image from Debian's kernel, the test init with busybox,
# crun with its libraries, a busybox container image), writes hello.yml, builds it and boots it
# under qemu (TCG). Needs: qemu-system-x86, busybox-static, crun; Debian's kernel package is
# fetched once with apt-get download (after apt-get update) and unpacked into the cache that the
# kernel 9P test harness shares.
# usage: examples/linuxkit/hello.sh [OUTDIR (default /tmp/dockyard-hello)]
set -euo pipefail
OUT=${1:-/tmp/dockyard-hello}
OUT=$(mkdir -p "$OUT" && cd "$OUT" && pwd)   # absolute: the steps below run from the clone's root
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
KSRC=${XDG_CACHE_HOME:-$HOME/.cache}/kernel9p/debian-kernel
if [ ! -d "$KSRC/boot" ]; then
  # the package linux-image-amd64 points at (linux-image-6.1.0-N-amd64 on Debian 12)
  pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$pkg" ] || { echo "hello.sh: no linux-image package known to apt (run apt-get update)" >&2; exit 1; }
  fetch=$(mktemp -d) && chmod 755 "$fetch"   # apt-get download hands the file to its _apt user
  (cd "$fetch" && apt-get download "$pkg" && mkdir -p "$KSRC" && dpkg -x "$pkg"_*.deb "$KSRC")
  rm -rf "$fetch"
fi
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
bin/dockyard linuxkit build --dir "$OUT" "$OUT/hello.yml"
exec bin/dockyard linuxkit run qemu --mem 512 "$OUT/hello"
