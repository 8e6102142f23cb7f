#!/usr/bin/env bash
# notary: publish and verify of a repository with 10,000 targets and 50 delegations, and lookups/s
# under wrk, `dockyard notary serve --memory` against Debian's notary-server 0.7 (memory storage,
# local ed25519 signer, plain HTTP on loopback) in the same run, both driven by Debian's `notary` CLI.
#   publish: `notary init`, the 50 delegation keys imported (openssl-made ECDSA P-256 certificates,
#     one `notary key import` with a role header in each PEM), then the changelist written straight
#     into TRUSTDIR/tuf/GUN/changelist/ in notary's own format (one JSON .change file per change:
#     50 delegation creations with key and path dN/, then the targets, FileMeta length + sha256 +
#     sha512 as `notary add` writes them) and one timed `notary publish`: half the targets in the
#     top-level targets role, the other half spread over the 50 delegations (dN/tJ, signed with the
#     delegation's key); so 52 signed roles go up in one multipart POST.
#   verify: a fresh trust dir's `notary list` (trust on first use; downloads root, timestamp,
#     snapshot, targets and the 50 delegations, checks every signature and hash) -- its wall time, the
#     client's max RSS, and that it lists every target.
#   server: CPU seconds the server process spent in the publish and in the list, its RSS when idle
#     and its peak RSS (VmHWM) after the publish + list and after wrk.
#   wrk: GET .../_trust/tuf/timestamp.json, targets.json (~1 MB) and targets/d0.json (a delegation,
#     ~19 KB) of that repository, keep-alive, --seconds each, requests/s and p99 latency.
# If `bin/dockyard notary list` exists (our notary-compatible client), the same publish + fresh list
# is timed with it against our server (same changelist trick, same keys); otherwise that row says so.
# A 10-target repository is published to each server first (untimed) so one-time start-up costs
# (class loading, the database) are not counted in the publish.
# usage: bench/notary.sh [--targets N (10000)] [--delegations N (50)] [--seconds S (10)]
#                        [--connections C (8)] [--keep]
# env:   SERVER_JVM_ARGS: JVM options for our server only (passed as JAVA_TOOL_OPTIONS, so bin/dockyard's
#        own options win where they clash), e.g. -Dsun.net.httpserver.nodelay=true
#        BENCH_SMOKE=1: the same steps at tiny sizes (bench/smoke, CI): 40 targets, 2 delegations,
#        wrk 1 s with 2 connections (arguments given still win)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
NT=10000 ND=50 SECS=10 CONNS=8 KEEP=0
[ "${BENCH_SMOKE:-0}" = 1 ] && NT=40 ND=2 SECS=1 CONNS=2
while [ $# -gt 0 ]; do
  case $1 in
    --targets) NT=$2; shift 2 ;;
    --delegations) ND=$2; shift 2 ;;
    --seconds) SECS=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "usage: bench/notary.sh [--targets N] [--delegations N] [--seconds S] [--connections C] [--keep]" >&2; exit 2 ;;
  esac
done
die() { echo "notary-bench: $*" >&2; exit 1; }
for c in notary notary-server openssl python3 curl; do command -v $c >/dev/null || die "$c is not installed"; done
[ -x /usr/bin/time ] || die "/usr/bin/time is not installed (package time)"
if ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] || die "wrk is not installed (apt-get install wrk)"
  echo "notary-bench: installing wrk" >&2
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1; apt-get install -y wrk >/dev/null 2>&1; } || die "apt-get install wrk failed"
fi
bin/dockyard notary --help >/dev/null   # builds Dockyard first if sources changed
OUR_CLIENT=0
bin/dockyard notary list --help 2>&1 | grep 'Usage: dockyard notary list' >/dev/null && OUR_CLIENT=1   # not grep -q: its early exit could SIGPIPE the writer (pipefail)
[ "$OUR_CLIENT" = 1 ] || [ "${BENCH_SMOKE:-0}" != 1 ] || die "bin/dockyard notary list --help does not show its usage: a smoke run must run our client"
W=$(mktemp -d /tmp/notarybench.XXXXXX); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; [ "$KEEP" = 1 ] && echo "kept $W" >&2 || rm -rf "$W"; }
trap cleanup EXIT
export NOTARY_ROOT_PASSPHRASE=bench-root NOTARY_TARGETS_PASSPHRASE=bench-targets \
  NOTARY_SNAPSHOT_PASSPHRASE=bench-snapshot NOTARY_DELEGATION_PASSPHRASE=bench-delegation
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14+$15)/t}' /proc/$1/stat; }   # utime+stime, seconds
kb() { [ -r /proc/$1/status ] || die "server process $1 has exited (logs in $W, see --keep)"
  awk -v k="$2:" '$1==k {print $2}' /proc/$1/status; }                                   # VmRSS / VmHWM in kB
mib() { awk -v k="$1" 'BEGIN {printf "%.0f", k/1024}'; }
wait_up() { for _ in $(seq 600); do curl -fs "$1/v2/" >/dev/null 2>&1 && return 0; kill -0 "$2" 2>/dev/null || return 1; sleep 0.1; done; return 1; }

# --- servers ----------------------------------------------------------------------------------------
P1=$(freeport); U1=http://127.0.0.1:$P1
printf '{"server":{"http_addr":"127.0.0.1:%s"},"trust_service":{"type":"local"},"logging":{"level":"error"},"storage":{"backend":"memory"}}\n' "$P1" > "$W/server.json"
notary-server -config "$W/server.json" > "$W/notary-server.log" 2>&1 & NS=$!; PIDS+=($NS)
wait_up "$U1" $NS || die "notary-server did not start: $(cat "$W/notary-server.log")"
P2=$(freeport); U2=http://127.0.0.1:$P2
[ -n "${SERVER_JVM_ARGS:-}" ] && export JAVA_TOOL_OPTIONS="$SERVER_JVM_ARGS"
bin/dockyard notary serve --listen "127.0.0.1:$P2" --memory > "$W/dockyard.log" 2>&1 & DY=$!; PIDS+=($DY)   # bin/dockyard execs java
unset JAVA_TOOL_OPTIONS
wait_up "$U2" $DY || die "dockyard notary serve did not start: $(cat "$W/dockyard.log")"
declare -A IDLE=([notary-server]=$(kb $NS VmRSS) [dockyard]=$(kb $DY VmRSS))

# --- delegation keys: openssl certificates, PKCS#8 keys with a role header for `notary key import` ----
mkdir -p "$W/keys"
for i in $(seq 0 $((ND - 1))); do
  openssl ecparam -name prime256v1 -genkey -noout -out "$W/keys/d$i.ec" 2>/dev/null
  openssl req -new -x509 -key "$W/keys/d$i.ec" -subj "/CN=d$i" -days 365 -out "$W/keys/d$i.crt" 2>/dev/null
  openssl pkcs8 -topk8 -nocrypt -in "$W/keys/d$i.ec" | awk -v r="targets/d$i" 'NR==1 {print; print "role: " r; print ""; next} {print}' > "$W/keys/d$i.pem"
done
if [ "$ND" -gt 0 ]; then   # imported once (encrypted with the delegation passphrase), copied into each trust dir
  notary -d "$W/keyring" key import "$W"/keys/d*.pem > "$W/import.log" 2>&1 || die "notary key import: $(cat "$W/import.log")"
fi

# --- the changelist, in notary's on-disk format (client/changelist: %020d_<uuid>.change, sorted by name)
cat > "$W/gen.py" <<'PY'
import base64, hashlib, json, os, sys, time, uuid
cl, nt, nd, keys = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
os.makedirs(cl, mode=0o700, exist_ok=True)
t0 = time.time_ns(); seq = 0
def change(role, typ, path, data):
    global seq
    body = {"action": "create", "role": role, "type": typ, "path": path,
            "data": base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()}
    with open(os.path.join(cl, "%020d_%s.change" % (t0 + seq, uuid.uuid4())), "w") as f:
        json.dump(body, f, separators=(",", ":"))
    seq += 1
b64 = lambda b: base64.b64encode(b).decode()
for i in range(nd):   # what `notary delegation add GUN targets/dI CERT --paths dI/` stages: keys, then paths
    cert = open(os.path.join(keys, "d%d.crt" % i), "rb").read()
    change("targets/d%d" % i, "delegation", "", {"threshold": 1, "add_keys": [
        {"keytype": "ecdsa-x509", "keyval": {"public": b64(cert), "private": None}}]})
    change("targets/d%d" % i, "delegation", "", {"add_paths": ["d%d/" % i]})
for j in range(nt):   # what `notary add GUN NAME FILE [--roles R]` stages: FileMeta with length and hashes
    content = b"target %d\n" % j
    meta = {"length": len(content), "hashes": {"sha256": b64(hashlib.sha256(content).digest()),
                                               "sha512": b64(hashlib.sha512(content).digest())}}
    if nd and j % 2:
        d = (j // 2) % nd
        change("targets/d%d" % d, "target", "d%d/t%d" % (d, j), meta)
    else:
        change("targets", "target", "t%d" % j, meta)
PY

# bench_publish NAME URL SERVER_PID GUN CLIENT...: init, stage, timed publish and fresh list
WARN=()
declare -A PUB PUBRSS PUBCPU LIST LISTRSS LISTCPU LISTED HWM
bench_publish() {
  local name=$1 url=$2 pid=$3 gun=$4; shift 4
  local t=$W/$name.trust f=$W/$name.fresh
  "$@" -s "$url" -d "$t" init "$gun" > "$W/$name.init.log" 2>&1 || die "$name: init failed: $(cat "$W/$name.init.log")"
  [ -d "$W/keyring/private" ] && cp "$W/keyring/private/"* "$t/private/"
  python3 "$W/gen.py" "$t/tuf/$gun/changelist" "$NT" "$ND" "$W/keys"
  local c0; c0=$(cpu "$pid")
  /usr/bin/time -f '%e %M' -o "$W/$name.pub.time" "$@" -s "$url" -d "$t" publish "$gun" > "$W/$name.pub.log" 2>&1 ||
    die "$name: publish failed: $(tail -5 "$W/$name.pub.log")"
  local c1; c1=$(cpu "$pid")
  /usr/bin/time -f '%e %M' -o "$W/$name.list.time" "$@" -s "$url" -d "$f" list "$gun" > "$W/$name.list" 2> "$W/$name.list.err" ||
    die "$name: fresh list failed: $(tail -5 "$W/$name.list.err")"
  local c2; c2=$(cpu "$pid")
  read -r PUB[$name] PUBRSS[$name] < "$W/$name.pub.time"
  read -r LIST[$name] LISTRSS[$name] < "$W/$name.list.time"
  PUBCPU[$name]=$(awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.2f", b-a}'); LISTCPU[$name]=$(awk -v a="$c1" -v b="$c2" 'BEGIN {printf "%.2f", b-a}')
  LISTED[$name]=$(grep -cE '^(t|d[0-9]+/t)[0-9]+ ' "$W/$name.list" || true)
  HWM[$name]=$(kb "$pid" VmHWM)
  ! grep -qs 'dockyard: building' "$W/$name.pub.log" "$W/$name.list.err" ||
    WARN+=("WARNING: $name: bin/dockyard rebuilt itself inside a timed step (sources changed meanwhile); rerun")
}
warmup() { # URL GUN: a 10-target repository, untimed
  local t=$W/warm.$RANDOM
  notary -s "$1" -d "$t" init "$2" >/dev/null 2>&1 && python3 "$W/gen.py" "$t/tuf/$2/changelist" 10 0 "$W/keys" &&
    notary -s "$1" -d "$t" publish "$2" >/dev/null 2>&1 && notary -s "$1" -d "$t.f" list "$2" >/dev/null 2>&1 || die "warm-up against $1 failed"
}
warmup "$U1" example.com/bench/warm; warmup "$U2" example.com/bench/warm
GUN=example.com/bench/app
bench_publish notary-server "$U1" $NS $GUN notary
bench_publish dockyard "$U2" $DY $GUN notary
if [ "$OUR_CLIENT" = 1 ]; then
  bin/dockyard notary list --help >/dev/null 2>&1   # a rebuild, if sources changed meanwhile, happens here, untimed
  bench_publish our-client "$U2" $DY example.com/bench/ours bin/dockyard notary
fi

# --- wrk -------------------------------------------------------------------------------------------
declare -A RPS P99 SIZE NON2XX
run_wrk() { # KEY URL
  wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "$2" > "$W/$1.wrk" 2>&1 || die "wrk $2: $(cat "$W/$1.wrk")"
  RPS[$1]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$W/$1.wrk")
  P99[$1]=$(awk '$1=="99%" {print $2}' "$W/$1.wrk")
  NON2XX[$1]=$(awk '/Non-2xx/ {print $NF}' "$W/$1.wrk"); NON2XX[$1]=${NON2XX[$1]:-0}
  SIZE[$1]=$(curl -fs "$2" | wc -c)
}
ROLES=(timestamp targets); [ "$ND" -gt 0 ] && ROLES+=(targets/d0)
for role in "${ROLES[@]}"; do
  run_wrk "notary-server.${role//\//-}" "$U1/v2/$GUN/_trust/tuf/$role.json"
  run_wrk "dockyard.${role//\//-}" "$U2/v2/$GUN/_trust/tuf/$role.json"
done
HWM2_NS=$(kb $NS VmHWM); HWM2_DY=$(kb $DY VmHWM)

# --- report ----------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a/b; else print "-" }'; }
echo
echo "notary: $NT targets ($((ND ? NT / 2 : 0)) in $ND delegations), one publish; fresh-client list; $(nproc) cpus"
printf '%-36s | %9s | %10s | %9s | %9s | %10s | %8s | %9s | %s\n' client/server publish_s srv_cpu_s cli_MiB list_s srv_cpu_s cli_MiB listed "server MiB idle/peak"
row() { # NAME LABEL SERVERKEY
  printf '%-36s | %9s | %10s | %9s | %9s | %10s | %8s | %9s | %s / %s\n' "$2" "${PUB[$1]}" "${PUBCPU[$1]}" "$(mib "${PUBRSS[$1]}")" \
    "${LIST[$1]}" "${LISTCPU[$1]}" "$(mib "${LISTRSS[$1]}")" "${LISTED[$1]}" "$(mib "${IDLE[$3]}")" "$(mib "${HWM[$1]}")"
}
row notary-server "notary CLI -> notary-server (anchor)" notary-server
row dockyard "notary CLI -> dockyard serve" dockyard
if [ "$OUR_CLIENT" = 1 ]; then row our-client "dockyard client -> dockyard serve" dockyard
else printf '%-36s | %s\n' "dockyard client -> dockyard serve" "our client: not yet available"; fi
echo "ratio dockyard/notary-server: publish $(ratio "${PUB[dockyard]}" "${PUB[notary-server]}"), server cpu in publish $(ratio "${PUBCPU[dockyard]}" "${PUBCPU[notary-server]}"), fresh list $(ratio "${LIST[dockyard]}" "${LIST[notary-server]}"), server peak RSS $(ratio "${HWM[dockyard]}" "${HWM[notary-server]}")"
[ "$OUR_CLIENT" = 1 ] && echo "ratio our client/notary CLI (both on dockyard serve): publish $(ratio "${PUB[our-client]}" "${PUB[dockyard]}"), client RSS $(ratio "${PUBRSS[our-client]}" "${PUBRSS[dockyard]}"), fresh list $(ratio "${LIST[our-client]}" "${LIST[dockyard]}")"
echo
echo "wrk -t1 -c$CONNS -d${SECS}s on loopback (keep-alive)"
printf '%-16s | %17s | %14s | %9s | %14s | %9s | %s\n' GET 'bytes dy vs ns' notary-server p99 dockyard p99 "ratio (req/s)"
for role in "${ROLES[@]}"; do
  n=notary-server.${role//\//-} d=dockyard.${role//\//-}
  printf '%-16s | %17s | %12s/s | %9s | %12s/s | %9s | %s\n' "$role.json" "${SIZE[$d]} vs ${SIZE[$n]}" "${RPS[$n]}" "${P99[$n]}" "${RPS[$d]}" "${P99[$d]}" "$(ratio "${RPS[$d]}" "${RPS[$n]}")"
  [ "${NON2XX[$n]}${NON2XX[$d]}" = 00 ] || echo "  non-2xx responses: notary-server ${NON2XX[$n]}, dockyard ${NON2XX[$d]}"
done
echo "server peak RSS after wrk: notary-server $(mib "$HWM2_NS") MiB, dockyard $(mib "$HWM2_DY") MiB (ratio $(ratio "$HWM2_DY" "$HWM2_NS"))"
for l in "${LISTED[@]}"; do [ "$l" = "$NT" ] || WARN+=("WARNING: a fresh list did not show all $NT targets (${LISTED[*]})"); done
[ ${#WARN[@]} = 0 ] || printf '%s\n' "${WARN[@]}" | sort -u
