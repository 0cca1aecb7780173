#!/usr/bin/env python3
# Replays a pcap into an interface through a raw AF_PACKET socket at a fixed packet rate.
# Usage: live-sender.py PCAP DEV PPS SECONDS [MAXPKTS]   prints "sent N pps X bytes B"
import socket, struct, sys, time
path, dev, pps, secs = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
maxpkts = int(sys.argv[5]) if len(sys.argv) > 5 else 200000
pkts = []
with open(path, 'rb') as f:
    f.read(24)
    while len(pkts) < maxpkts:
        h = f.read(16)
        if len(h) < 16: break
        caplen = struct.unpack('<I', h[8:12])[0]
        d = f.read(caplen)
        if 14 <= len(d) <= 1514: pkts.append(d)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 << 20)
s.bind((dev, 0))
send = s.send
n = len(pkts); i = 0; sent = 0; nbytes = 0
t0 = time.perf_counter(); end = t0 + secs
batch = max(1, int(pps / 1000))
while True:
    now = time.perf_counter()
    if now >= end: break
    due = int((now - t0) * pps)
    while sent < due:
        for _ in range(batch):
            p = pkts[i]; i += 1
            if i == n: i = 0
            try: send(p)
            except OSError: time.sleep(0.0001); continue
            sent += 1; nbytes += len(p)
    time.sleep(0.0005)
el = time.perf_counter() - t0
print(f"sent {sent} pps {sent/el:.0f} bytes {nbytes}", flush=True)
