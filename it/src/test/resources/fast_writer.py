#!/usr/bin/env python3
"""An application that commits as fast as it can, used to test the WAL's size under non-stop writes.

Usage: fast_writer.py DB SECONDS ROW_BYTES STATS_FILE [COMMITS_PER_SECOND]

Table t(id INTEGER PRIMARY KEY, p BLOB). Commit i (1, 2, 3, ...) inserts exactly the row (i, payload(i)), where
payload(i) is the ASCII text f"{i}-" repeated and cut to ROW_BYTES bytes. So the database after the writer's k-th
commit holds exactly the rows 1..k, which the test checks at every restored txid. The writer uses the settings a
typical app uses in WAL mode (synchronous=NORMAL, a 5 s busy timeout) and writes its commit count, rate and
commit latencies to STATS_FILE as "key value" lines. With COMMITS_PER_SECOND it paces itself to that rate (it never
pauses between two commits longer than the pace needs, so the writes never stop for the WAL to restart by itself).
"""
import sqlite3
import sys
import time


def payload(i, n):
    s = f"{i}-"
    return (s * (n // len(s) + 1))[:n].encode()


def main():
    db, seconds, row_bytes, stats = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rate = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
    c = sqlite3.connect(db, timeout=5.0, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=NORMAL")
    (k,) = c.execute("SELECT count(*) FROM t").fetchone()
    latencies = []
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        k += 1
        t0 = time.monotonic()
        c.execute("BEGIN IMMEDIATE")
        c.execute("INSERT INTO t(id, p) VALUES (?, ?)", (k, payload(k, row_bytes)))
        c.execute("COMMIT")
        latencies.append(time.monotonic() - t0)
        if rate > 0:
            ahead = start + len(latencies) / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    took = time.monotonic() - start
    c.close()
    latencies.sort()
    with open(stats, "w") as f:
        f.write(f"commits {len(latencies)}\n")
        f.write(f"rows {k}\n")
        f.write(f"per_second {len(latencies) / took:.0f}\n")
        f.write(f"latency_p50_ms {latencies[len(latencies) // 2] * 1000:.3f}\n")
        f.write(f"latency_p99_ms {latencies[int(len(latencies) * 0.99)] * 1000:.3f}\n")
        f.write(f"latency_max_ms {latencies[-1] * 1000:.3f}\n")


if __name__ == "__main__":
    main()
