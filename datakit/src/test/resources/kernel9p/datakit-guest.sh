# DataKit through the Linux kernel 9P client (run by run-9p-guest.sh with cwd = the mount point).
# Drives branches, transactions, commit, fast-forward, merge with a conflict, snapshots, commits/,
# trees/, watch streams, head.live and reflog from busybox sh, prints one @@CHECK line per check
# (compared in order with datakit-guest.expect) and @@VAL lines the host then checks with git.
fail=0
chk() { if [ "$2" = "$3" ]; then echo "@@CHECK $1 ok"; else echo "@@CHECK $1 FAIL got=[$2] want=[$3]"; fail=1; fi; }
val() { echo "@@VAL $1 $2"; }
up() { cut -d' ' -f1 /proc/uptime; }
M=branch/master
commit_tx() { # TXDIR MSG: commit a prepared transaction, say whether the write was accepted
  echo "$2" > "$1/msg"
  if echo commit > "$1/ctl" 2>/tmp/ctl.err; then echo accepted; else echo "refused: $(cat /tmp/ctl.err)"; fi
}

chk root-layout "$(ls | tr '\n' ' ')" "branch commits remotes snapshots trees "
# ---------------------------------------------------------------- branch + first transaction
mkdir $M
chk mkdir-branch "$(ls branch | tr '\n' ' ')" "master "
chk empty-head "$(cat $M/head | wc -c | tr -d ' ')" "1"
chk empty-ro "$(ls $M/ro | wc -l | tr -d ' ')" "0"
T=$M/transactions/t1
mkdir $T
chk tx-layout "$(ls $T | tr '\n' ' ')" "ctl diff merge msg origin parents rw "
mkdir -p $T/rw/src/lib
echo hello > $T/rw/README
printf 'line1\nline2\n' > $T/rw/src/main.txt
echo deep > $T/rw/src/lib/util.txt
echo "first line" > $T/rw/notes; echo "second line" >> $T/rw/notes
chk rw-nested "$(cat $T/rw/src/lib/util.txt)" "deep"
chk rw-append "$(tail -n 1 $T/rw/notes)" "second line"
chk tx-origin-empty "$(cat $T/origin | wc -c | tr -d ' ')" "0"
chk commit-1 "$(commit_tx $T 'first commit')" "accepted"
chk tx-gone-after-commit "$([ -e $T ] && echo present || echo gone)" "gone"
M1=$(cat $M/head); val M1 "$M1"
chk head-is-id "$(echo "$M1" | grep -c '^[0-9a-f]\{40\}$')" "1"
chk ro-read "$(cat $M/ro/README)" "hello"
chk ro-nested "$(cat $M/ro/src/lib/util.txt)" "deep"
chk ro-ls "$(ls $M/ro | tr '\n' ' ')" "README notes src "
chk ro-readonly "$(echo x > $M/ro/README 2>/dev/null && echo written || echo refused)" "refused"
# ---------------------------------------------------------------- close leaves no trace
T=$M/transactions/abandon
mkdir $T
echo "never committed" > $T/rw/abandoned.txt
chk tx-diff-origin "$(cat $T/diff/$(cat $T/origin))" "+ abandoned.txt"
echo close > $T/ctl
chk tx-gone-after-close "$([ -e $T ] && echo present || echo gone)" "gone"
chk close-head-unchanged "$(cat $M/head)" "$M1"
chk close-no-file "$([ -e $M/ro/abandoned.txt ] && echo present || echo absent)" "absent"
# ---------------------------------------------------------------- second branch, fast-forward
mkdir branch/feature
echo "$M1" > branch/feature/fast-forward
chk fast-forward "$(cat branch/feature/head)" "$M1"
T=branch/feature/transactions/f1
mkdir $T
echo "feature version" > $T/rw/README
echo "only on feature" > $T/rw/feature.txt
chk commit-feature "$(commit_tx $T 'feature change')" "accepted"
F1=$(cat branch/feature/head); val F1 "$F1"
T=$M/transactions/m2
mkdir $T
echo "master version" > $T/rw/README
chk commit-master "$(commit_tx $T 'master change')" "accepted"
M2=$(cat $M/head); val M2 "$M2"
chk ff-refused-not-descendant "$(echo "$M2" > branch/feature/fast-forward 2>/dev/null && echo moved || echo refused)" "refused"
chk ff-refused-head-kept "$(cat branch/feature/head)" "$F1"
# ---------------------------------------------------------------- merge with a conflict
T=$M/transactions/merge
mkdir $T
echo "$F1" > $T/merge
chk merge-conflicts "$(cat $T/conflicts)" "README"
chk merge-layout "$(ls $T | tr '\n' ' ')" "base conflicts ctl diff merge msg origin ours parents rw theirs "
chk merge-ours "$(cat $T/ours/README)" "master version"
chk merge-theirs "$(cat $T/theirs/README)" "feature version"
chk merge-base "$(cat $T/base/README)" "hello"
chk merge-clean-file "$(cat $T/rw/feature.txt)" "only on feature"
chk merge-parents "$(cat $T/parents | tr '\n' ' ')" "$M2 $F1 "
r=$(commit_tx $T 'merge feature')
chk commit-refused-while-conflicts "${r%%:*}" "refused"
chk commit-refused-ebusy "$(echo "$r" | grep -ci 'resource busy')" "1"
chk refused-head-kept "$(cat $M/head)" "$M2"
echo "merged version" > $T/rw/README
chk conflicts-resolved "$(cat $T/conflicts | wc -l | tr -d ' ')" "0"
chk commit-merge "$(commit_tx $T 'merge feature')" "accepted"
M3=$(cat $M/head); val M3 "$M3"
chk merged-readme "$(cat $M/ro/README)" "merged version"
chk merged-feature-file "$(cat $M/ro/feature.txt)" "only on feature"
chk branch-diff "$(cat $M/diff/$M1 | tr '\n' ' ')" "* README + feature.txt "
# ---------------------------------------------------------------- snapshots, commits/, trees/
S=snapshots/$M1
chk snapshots-looks-empty "$(ls snapshots | wc -l | tr -d ' ')" "0"
chk snapshot-hash "$(cat $S/hash)" "$M1"
chk snapshot-msg "$(cat $S/msg)" "first commit"
chk snapshot-ro "$(cat $S/ro/README)" "hello"
chk snapshot-ro-nested "$(cat $S/ro/src/main.txt | tr '\n' ' ')" "line1 line2 "
chk snapshot-parents-root "$(cat $S/parents | wc -c | tr -d ' ')" "0"
chk snapshot-merge-parents "$(cat snapshots/$M3/parents | tr '\n' ' ')" "$M2 $F1 "
chk snapshot-diff "$(cat snapshots/$M2/diff/$M1)" "* README"
chk commits-file "$(grep -c '^parent ' commits/$M3)" "2"
val M1-TREE "$(sed -n 's/^tree //p' commits/$M1)"
# ---------------------------------------------------------------- watch streams
t0=$(up); W=$(timeout 5 head -n 1 $M/watch/README.node/tree.live); t1=$(up)
echo "@@TIMING head-n1-tree.live=$(echo "$t1 $t0" | awk '{print $1-$2}')s"
val README-LIVE "$W"
chk watch-file "$(echo "$W" | grep -c '^F-[0-9a-f]\{40\}$')" "1"
chk trees-file "$(cat trees/$W)" "merged version"
W=$(timeout 5 head -n 1 $M/watch/src.node/lib.node/tree.live)
chk watch-dir "$(echo "$W" | grep -c '^D-[0-9a-f]\{40\}$')" "1"
chk trees-dir "$(ls trees/$W | tr '\n' ' ')" "util.txt "
chk watch-root "$(timeout 5 head -n 1 $M/watch/tree.live | cut -c1-2)" "D-"
# head.live: the current head first, then a commit made by a background process
bgcommit() { # NAME FILE TEXT
  mkdir $M/transactions/$1 && echo "$3" > $M/transactions/$1/rw/$2 && echo "$1" > $M/transactions/$1/msg && echo commit > $M/transactions/$1/ctl
}
( sleep 2; bgcommit bg1 bg1.txt one ) &
t0=$(up); timeout 15 head -n 2 $M/head.live > /tmp/live.out; t1=$(up)
wait
echo "@@TIMING head.live-two-lines(incl-2s-sleep)=$(echo "$t1 $t0" | awk '{print $1-$2}')s"
chk head-live-first "$(sed -n 1p /tmp/live.out)" "$M3"
M4=$(cat $M/head); val M4 "$M4"
chk head-live-new "$(sed -n 2p /tmp/live.out)" "$M4"
chk head-live-moved "$([ "$M4" != "$M3" ] && echo moved || echo same)" "moved"
# tree.live of a path that does not exist yet: blank, then the file once a commit adds it
( sleep 2; bgcommit bg2 bg2.txt two ) &
timeout 15 head -n 2 $M/watch/bg2.txt.node/tree.live > /tmp/tree.out
wait
chk tree-live-absent-first "$(sed -n 1p /tmp/tree.out)" ""
chk tree-live-appears "$(sed -n 2p /tmp/tree.out | cut -c1-2)" "F-"
chk tree-live-content "$(cat trees/$(sed -n 2p /tmp/tree.out))" "two"
M5=$(cat $M/head); val M5 "$M5"
# reflog: every head change from the moment of opening, none skipped
( sleep 2; bgcommit bg3 bg3.txt three; bgcommit bg4 bg4.txt four ) &
timeout 15 head -n 2 $M/reflog > /tmp/reflog.out
wait
M7=$(cat $M/head); val M7 "$M7"
M6=$(sed -n 1p /tmp/reflog.out); val M6 "$M6"
chk reflog-second "$(sed -n 2p /tmp/reflog.out)" "$M7"
chk reflog-first-is-parent "$(cat snapshots/$M7/parents)" "$M6"
chk reflog-first-parent "$(cat snapshots/$M6/parents)" "$M5"
# a stream is killable while blocked (the kernel flushes the read)
cat $M/head.live > /tmp/cat.out & CATPID=$!
sleep 1; kill $CATPID
i=0; while kill -0 $CATPID 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
chk blocked-reader-killable "$(kill -0 $CATPID 2>/dev/null && echo alive || echo dead)" "dead"
chk still-serving "$(cat $M/head)" "$M7"
echo "@@FINAL-BRANCHES $(ls branch | tr '\n' ' ')"
exit $fail
