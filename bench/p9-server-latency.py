#!/usr/bin/env python3
"""Server-side latency of bulk 9P reads and writes, from a loopback capture taken while
bench/kernel9p-throughput.sh (or the harness) runs:
    tcpdump -i lo -n -tt -s 96 "tcp port PORT" > cap.txt
    bench/p9-server-latency.py cap.txt PORT
Per 64 KiB Rread: time from the end of the request to the first response byte (the server's
share) and from the end of the response to the next request (the guest's share). Same for Twrite."""
import re, statistics, sys

def analyze(path, port):
    bursts = []  # [direction, first time, last time, bytes] of consecutive same-direction segments
    for line in open(path):
        m = re.match(r'(\d+\.\d+) IP [\d.]+\.(\d+) > [\d.]+\.(\d+):.*length (\d+)', line)
        if not m or int(m[4]) == 0:
            continue
        t, d, n = float(m[1]), 'S' if int(m[2]) == port else 'C', int(m[4])
        if bursts and bursts[-1][0] == d:
            bursts[-1][2] = t; bursts[-1][3] += n
        else:
            bursts.append([d, t, t, n])
    for phase, big in (('read', 'S'), ('write', 'C')):
        server, guest = [], []
        for i in range(1, len(bursts) - 2):
            b = bursts[i]
            if b[0] != big or b[3] < 60000:
                continue
            if big == 'S':
                server.append(b[1] - bursts[i - 1][2]); guest.append(bursts[i + 1][1] - b[2])
            else:
                server.append(bursts[i + 1][1] - b[2]); guest.append(bursts[i + 2][1] - bursts[i + 1][2])
        if server:
            print(f"{phase:5s} n={len(server):5d}  server p50 {statistics.median(server)*1e6:7.1f} us  "
                  f"mean {statistics.mean(server)*1e6:7.1f} us | guest p50 {statistics.median(guest)*1e6:7.1f} us")

if __name__ == '__main__':
    analyze(sys.argv[1], int(sys.argv[2]))
