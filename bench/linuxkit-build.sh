#!/usr/bin/env bash
# LinuxKit build time and initrd size: `bin/dockyard linuxkit build` against upstream's Go `linuxkit
# build` (v1.2.0, built offline from the mirror with Debian's Go), in the same run, on the same YAML
# (the boot test's: Debian kernel + overlay module, busybox init, crun, an onboot step on an
# overlay root and a read-only service from the same image, one file), images served by a local
# docker-registry to both. Cold = empty cache (pull and unpack everything); cached = a rebuild with
# the cache warm; each case starts with one untimed warm-up run of each tool (for Dockyard it starts
# the resident JVM bin/dockyard hands the build to; linuxkit/README.md gives a fresh one's first
# build). Prints hyperfine's mean/sd, the ratios, the initrd sizes, and which initrd entries only
# one of the two has (they should agree).
# usage: bench/linuxkit-build.sh [--runs N (10)] [--keep]
# env:   LINUXKIT: an upstream linuxkit binary (default: built once into
#        ${XDG_CACHE_HOME:-~/.cache}/dockyard/bench/linuxkit-v1.2.0; needs golang-go, the mirror of
#        linuxkit/linuxkit at /work/.mirror and two Debian -dev packages for the files the mirror lacks)
#        BENCH_SMOKE=1: the same steps, one run each (bench/smoke, CI); upstream linuxkit joins only
#        when its binary is already built (building it takes Go, the mirror and a minute), else a
#        SMOKE-SKIP line says so and only Dockyard's rows are printed
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SMOKE=${BENCH_SMOKE:-0}
RUNS=10 KEEP=0 WARMUP=1
[ "$SMOKE" = 1 ] && RUNS=1 WARMUP=0
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: bench/linuxkit-build.sh [--runs N] [--keep]" >&2; exit 2 ;;
  esac
done
die() { echo "linuxkit-build: $*" >&2; exit 1; }
for c in hyperfine skopeo docker-registry cpio jq; do command -v $c >/dev/null || die "$c is not installed"; done
ROOT=$PWD
W=$(mktemp -d /tmp/lkbench.XXXXXX)
REG_PID=""
cleanup() { [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null; [ "$KEEP" = 1 ] && echo "kept $W" >&2 || rm -rf "$W"; }
trap cleanup EXIT

# --- upstream linuxkit v1.2.0 -------------------------------------------------------------------
LK=${LINUXKIT:-${XDG_CACHE_HOME:-$HOME/.cache}/dockyard/bench/linuxkit-v1.2.0}
UPSTREAM=1
if [ ! -x "$LK" ] && [ "$SMOKE" = 1 ]; then
  UPSTREAM=0
  echo "SMOKE-SKIP linuxkit-build.sh: the upstream linuxkit anchor (no binary at $LK; building it needs Go, the linuxkit mirror and about a minute: run bench/linuxkit-build.sh once)"
elif [ ! -x "$LK" ]; then
  MIRROR=/work/.mirror/linuxkit+linuxkit/repo
  [ -d "$MIRROR" ] || die "no linuxkit binary at $LK and no mirror at $MIRROR to build one"
  command -v go >/dev/null || die "golang-go is not installed"
  echo "linuxkit-build: building upstream linuxkit v1.2.0 (about a minute)" >&2
  src=$W/lk-src idx=$W/lk-index v=src/cmd/linuxkit/vendor
  ec2=$v/github.com/aws/aws-sdk-go/service/ec2/api.go gce=$v/google.golang.org/api/compute/v1/compute-gen.go
  # the mirror lacks two oversized vendored files (AWS/GCP code only); Debian's -dev packages stand in
  GIT_DIR=$MIRROR GIT_INDEX_FILE=$idx git read-tree v1.2.0
  GIT_DIR=$MIRROR GIT_INDEX_FILE=$idx git update-index --force-remove "$ec2" "$gce"
  GIT_DIR=$MIRROR GIT_INDEX_FILE=$idx git checkout-index -a --prefix="$src/"
  deb=/usr/share/gocode/src
  [ -f $deb/github.com/aws/aws-sdk-go/service/ec2/api.go ] && [ -f $deb/google.golang.org/api/compute/v1/compute-gen.go ] ||
    die "install golang-github-aws-aws-sdk-go-dev and golang-google-api-dev (they stand in for files the mirror lacks)"
  cp $deb/github.com/aws/aws-sdk-go/service/ec2/api.go "$src/$ec2"
  cp $deb/google.golang.org/api/compute/v1/compute-gen.go "$src/$gce"
  mkdir -p "$(dirname "$LK")"
  (cd "$src/src/cmd/linuxkit" && GOFLAGS=-mod=vendor GOPROXY=off CGO_ENABLED=0 go build -o "$LK.tmp" \
     -ldflags "-X github.com/linuxkit/linuxkit/src/cmd/linuxkit/version.Version=v1.2.0" .) >&2
  mv "$LK.tmp" "$LK"
fi

# --- images, made with our pkg build, served by a local registry ---------------------------------
bin/dockyard linuxkit --help >/dev/null   # builds Dockyard first if sources changed
KSRC=${XDG_CACHE_HOME:-$HOME/.cache}/kernel9p/debian-kernel
[ -d "$KSRC/boot" ] || ../shared/harness/kernel9p/build-initramfs.sh >&2 || die "no Debian kernel in $KSRC"
KVER=$(ls "$KSRC/lib/modules" | sed -n 1p)
mkdir -p "$W/kernel"
cp "$KSRC/boot/vmlinuz-$KVER" "$W/kernel/kernel"
tar -C "$KSRC" --owner=0 --group=0 --mtime=@0 -cf "$W/kernel/kernel.tar" "lib/modules/$KVER/kernel/fs/overlayfs/overlay.ko"
printf 'image: kernel\norg: dockyard-test\nfiles:\n  - source: kernel\n    mode: "0644"\n  - source: kernel.tar\n    mode: "0644"\n' > "$W/kernel/build.yml"
declare -A REF
for p in kernel init crun busybox; do
  dir=linuxkit/src/test/fixtures/$p; [ $p = kernel ] && dir=$W/kernel
  REF[$p]=$(bin/dockyard linuxkit pkg build --cache "$W/pkg" "$dir" 2>/dev/null)
done
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' "$W/registry" "$PORT" > "$W/registry.yml"
docker-registry serve "$W/registry.yml" > "$W/registry.log" 2>&1 & REG_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
for p in kernel init crun busybox; do
  r=${REF[$p]}; repo=${r#docker.io/}
  skopeo copy -q --dest-tls-verify=false "oci:$W/pkg/layout:$r" "docker://127.0.0.1:$PORT/$repo"
  REF[$p]=127.0.0.1:$PORT/$repo
done
cat > "$W/bench.yml" <<YML
kernel:
  image: ${REF[kernel]}
  cmdline: "console=ttyS0 panic=-1"
init:
  - ${REF[init]}
  - ${REF[crun]}
onboot:
  - name: hello
    image: ${REF[busybox]}
    command: ["/bin/sh", "-c", "echo ONBOOT-STEP-RAN"]
    binds:
      - /etc/dockyard-message:/message:ro
services:
  - name: web
    image: ${REF[busybox]}
    readonly: true
    command: ["/bin/sh", "-c", "exec sleep 600"]
files:
  - path: etc/dockyard-message
    contents: "hello from files"
    mode: "0644"
YML

DY="$ROOT/bin/dockyard linuxkit build -q --insecure-registry 127.0.0.1:$PORT --cache $W/dy-cache -o $W/dy-out $W/bench.yml"
GO="$LK build --cache $W/lk-cache --format kernel+initrd --dir $W/lk-out $W/bench.yml"
COLD=(--prepare "rm -rf $W/dy-cache $W/dy-out" -n "dockyard cold" "$DY")
CACHED=(--prepare "rm -rf $W/dy-out" -n "dockyard cached" "$DY")
if [ $UPSTREAM = 1 ]; then
  COLD+=(--prepare "bash -c 'rm -rf $W/lk-cache $W/lk-out; mkdir -p $W/lk-out'" -n "linuxkit cold" "$GO")
  CACHED+=(--prepare "bash -c 'rm -rf $W/lk-out; mkdir -p $W/lk-out'" -n "linuxkit cached" "$GO")
fi
hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --export-json "$W/cold.json" "${COLD[@]}" > "$W/cold.txt" 2>&1 || { cat "$W/cold.txt"; die "cold runs failed"; }
# the cached case needs a filled cache even without a warm-up run (smoke): one untimed build first
[ "$WARMUP" = 0 ] && { $DY > "$W/fill.txt" 2>&1 || { cat "$W/fill.txt"; die "filling the cache failed"; }; }
hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --export-json "$W/cached.json" "${CACHED[@]}" > "$W/cached.txt" 2>&1 || { cat "$W/cached.txt"; die "cached runs failed"; }

echo
printf '%-18s %10s %8s\n' case mean_ms sd_ms
for f in cold cached; do
  jq -r '.results[] | [.command, (.mean*1000), ((.stddev // 0)*1000)] | @tsv' "$W/$f.json" |
    while IFS=$'\t' read -r n m s; do printf '%-18s %10.0f %8.0f\n' "$n" "$m" "$s"; done
done
dsz=$(stat -c %s "$W/dy-out/bench-initrd.img")
zcat "$W/dy-out/bench-initrd.img" | cpio -it --quiet | sort > "$W/dy.names"
if [ $UPSTREAM = 0 ]; then
  echo "initrd: dockyard $dsz bytes, $(wc -l < "$W/dy.names") entries (no upstream linuxkit to compare with)"
  exit 0
fi
for f in cold cached; do
  jq -r --arg f "$f" '(.results[0].mean / .results[1].mean) as $r | "ratio dockyard/linuxkit \($f): \($r*100|floor/100)"' "$W/$f.json"
done
lsz=$(stat -c %s "$W/lk-out/bench-initrd.img")
echo "initrd bytes: dockyard $dsz, linuxkit $lsz (ratio $(echo "scale=2; $dsz/$lsz" | bc))"
zcat "$W/lk-out/bench-initrd.img" | cpio -it --quiet | sed 's|^\./||' | sort -u > "$W/lk.names"
echo "initrd entries: dockyard $(wc -l < "$W/dy.names"), linuxkit $(wc -l < "$W/lk.names")"
echo "only in dockyard's: $(comm -23 "$W/dy.names" "$W/lk.names" | tr '\n' ' ')"
echo "only in linuxkit's: $(comm -13 "$W/dy.names" "$W/lk.names" | tr '\n' ' ')"
