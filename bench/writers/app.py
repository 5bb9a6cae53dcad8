#!/usr/bin/env python3
"""The benchmark's application: an SQLite writer (Python's sqlite3) in its own process.

Every mode opens the database in WAL mode with synchronous=NORMAL (the usual setting for WAL applications: a
commit does not fsync, a checkpoint does) and a 60 s busy timeout, and writes the table

    t(id INTEGER PRIMARY KEY, v BLOB)

Times are CLOCK_MONOTONIC nanoseconds (time.monotonic_ns), the clock Java's System.nanoTime reads on Linux, so the
benchmark can line them up with what it saw. A mode prints one JSON object as its last line on stdout.

Modes:
  init DB                      create the table with one row; WAL mode
  bulk DB TOTAL TXN            TOTAL payload bytes in transactions of TXN bytes (rows of 4000 bytes, one per page),
                               generated before the first commit
  sustained DB SECONDS OUT     one small row per transaction, as fast as possible for SECONDS; writes each commit's
                               end time and latency (int64 ns, little-endian) to OUT.times and OUT.lat
  paced DB N STATUS_URL        N small transactions, each waiting until walship's /status shows it replicated
  session DB                   commands on stdin, one per line, keeping one connection (wal_autocheckpoint=0, so
                               the WAL keeps what is written while no replicator runs):
                                 grow BYTES      1 MiB transactions until the -wal file holds BYTES
                                 small SECONDS   small transactions for SECONDS, latency per commit (OUT file given
                                                 as third word: small SECONDS OUT)
                                 quit
  reader DB SECONDS            holds a read transaction for SECONDS (a blocking reader for checkpoints)
"""
import array
import json
import os
import sqlite3
import sys
import time
import urllib.request

ROW = 4000          # bulk rows: one per 4 KiB page
SMALL = 200         # sustained rows: about 200 bytes
FILLER = (b"walship benchmark row; the second half of every value is this repeated text, which compresses. " * 64)


def connect(db, autocheckpoint=None):
    con = sqlite3.connect(db, timeout=60, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    if autocheckpoint is not None:
        con.execute("PRAGMA wal_autocheckpoint=%d" % autocheckpoint)
    return con


def value(size, rnd):
    """Half random bytes (incompressible), half repeated text (compressible): about 2:1 for LZ4."""
    half = size // 2
    return rnd[:half] + FILLER[: size - half]


def small_values():
    return [value(SMALL, os.urandom(SMALL // 2)) for _ in range(4096)]


def stats(lat_ns):
    if not lat_ns:
        return {"count": 0}
    s = sorted(lat_ns)
    n = len(s)
    return {"count": n, "max_ns": s[-1], "p50_ns": s[n // 2], "p99_ns": s[min(n - 1, (n * 99) // 100)]}


def init(db):
    con = connect(db)
    con.execute("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB)")
    con.execute("INSERT INTO t(v) VALUES (?)", (value(SMALL, os.urandom(SMALL // 2)),))
    con.close()
    print(json.dumps({"mode": "init"}))


def bulk(db, total, txn):
    rows_per_txn = max(1, txn // ROW)
    txns = max(1, total // (rows_per_txn * ROW))
    # All values are made before the first commit, so the timed part is SQLite only.
    rnd = os.urandom(txns * rows_per_txn * (ROW // 2))
    half = ROW // 2
    fill = FILLER[: ROW - half]
    batches = []
    for b in range(txns):
        base = b * rows_per_txn * half
        batches.append([(rnd[base + i * half: base + (i + 1) * half] + fill,) for i in range(rows_per_txn)])
    con = connect(db)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    pages0 = con.execute("PRAGMA page_count").fetchone()[0]
    first = None
    lat = []
    for rows in batches:
        t0 = time.monotonic_ns()
        con.execute("BEGIN")
        con.executemany("INSERT INTO t(v) VALUES (?)", rows)
        con.execute("COMMIT")
        t1 = time.monotonic_ns()
        lat.append(t1 - t0)
        if first is None:
            first = t1
    last = time.monotonic_ns()
    max_id = con.execute("SELECT max(id) FROM t").fetchone()[0]
    pages1 = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    print(json.dumps({"mode": "bulk", "commits": txns, "payload_bytes": txns * rows_per_txn * ROW,
                      "db_bytes_written": (pages1 - pages0) * page_size, "db_bytes": pages1 * page_size,
                      "first_commit_ns": first, "last_commit_ns": last, "max_id": max_id,
                      "latency": stats(lat)}))


def sustained(db, seconds, out):
    values = small_values()
    con = connect(db)
    times = array.array("q")
    lat = array.array("q")
    n = 0
    start = time.monotonic_ns()
    end = start + int(seconds * 1e9)
    t1 = start
    while t1 < end:
        t0 = time.monotonic_ns()
        con.execute("BEGIN")
        con.execute("INSERT INTO t(v) VALUES (?)", (values[n & 4095],))
        con.execute("COMMIT")
        t1 = time.monotonic_ns()
        times.append(t1)
        lat.append(t1 - t0)
        n += 1
    max_id = con.execute("SELECT max(id) FROM t").fetchone()[0]
    db_bytes = con.execute("PRAGMA page_count").fetchone()[0] * con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    with open(out + ".times", "wb") as f:
        times.tofile(f)
    with open(out + ".lat", "wb") as f:
        lat.tofile(f)
    elapsed = (t1 - start) / 1e9
    print(json.dumps({"mode": "sustained", "commits": n, "start_ns": start, "end_ns": t1, "seconds": elapsed,
                      "commits_per_second": n / elapsed, "max_id": max_id, "row_bytes": SMALL, "db_bytes": db_bytes,
                      "latency": stats(list(lat))}))


def status(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        doc = json.loads(r.read())
    db = doc["databases"][0]
    return db["localTxid"], db["replicas"][0]["replicatedTxid"]


def paced(db, n, url):
    values = small_values()
    con = connect(db)
    for i in range(n):
        local0, _ = status(url)
        con.execute("BEGIN")
        con.execute("INSERT INTO t(v) VALUES (?)", (values[i & 4095],))
        con.execute("COMMIT")
        deadline = time.monotonic() + 60
        while True:
            local, replicated = status(url)
            if local > local0 and replicated == local:
                break
            if time.monotonic() > deadline:
                raise SystemExit("paced: transaction %d not replicated within 60 s (local %s, replicated %s)"
                                 % (i, local, replicated))
            time.sleep(0.002)
    max_id = con.execute("SELECT max(id) FROM t").fetchone()[0]
    con.close()
    print(json.dumps({"mode": "paced", "commits": n, "max_id": max_id}))


def session(db):
    con = connect(db, autocheckpoint=0)
    wal = db + "-wal"
    values = small_values()
    rows_per_txn = (1 << 20) // ROW
    rnd = os.urandom(64 << 20)  # a pool of random halves; rows pick from it so the pages differ
    half = ROW // 2
    fill = FILLER[: ROW - half]
    commits = 0
    print(json.dumps({"mode": "session", "ready": True}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        if words[0] == "grow":
            target = int(words[1])
            lat = []
            n = 0
            t_start = time.monotonic_ns()
            while (os.path.getsize(wal) if os.path.exists(wal) else 0) < target:
                off = (n * 7919 % 16000) * half
                rows = [(rnd[off + i * half: off + (i + 1) * half] + fill,) for i in range(rows_per_txn)]
                t0 = time.monotonic_ns()
                con.execute("BEGIN")
                con.executemany("INSERT INTO t(v) VALUES (?)", rows)
                con.execute("COMMIT")
                lat.append(time.monotonic_ns() - t0)
                n += 1
            commits += n
            print(json.dumps({"cmd": "grow", "commits": n, "total_commits": commits, "start_ns": t_start,
                              "end_ns": time.monotonic_ns(), "wal_bytes": os.path.getsize(wal),
                              "latency": stats(lat)}), flush=True)
        elif words[0] == "small":
            seconds = float(words[1])
            out = words[2]
            times = array.array("q")
            lat = array.array("q")
            start = time.monotonic_ns()
            end = start + int(seconds * 1e9)
            t1 = start
            n = 0
            while t1 < end:
                t0 = time.monotonic_ns()
                con.execute("BEGIN")
                con.execute("INSERT INTO t(v) VALUES (?)", (values[n & 4095],))
                con.execute("COMMIT")
                t1 = time.monotonic_ns()
                times.append(t1)
                lat.append(t1 - t0)
                n += 1
                time.sleep(0.001)  # about 1,000 commits/s: a busy app, leaving the CPU to the replicator
            commits += n
            with open(out + ".times", "wb") as f:
                times.tofile(f)
            with open(out + ".lat", "wb") as f:
                lat.tofile(f)
            print(json.dumps({"cmd": "small", "commits": n, "total_commits": commits, "start_ns": start,
                              "end_ns": t1, "latency": stats(list(lat))}), flush=True)
        else:
            raise SystemExit("session: unknown command " + line.strip())
    max_id = con.execute("SELECT max(id) FROM t").fetchone()[0]
    con.close()
    print(json.dumps({"mode": "session", "total_commits": commits, "max_id": max_id}), flush=True)


def reader(db, seconds):
    con = sqlite3.connect(db, timeout=60, isolation_level=None)
    con.execute("BEGIN")
    con.execute("SELECT count(*) FROM t").fetchone()
    print(json.dumps({"mode": "reader", "holding": True, "start_ns": time.monotonic_ns()}), flush=True)
    time.sleep(seconds)
    con.execute("COMMIT")
    con.close()
    print(json.dumps({"mode": "reader", "released_ns": time.monotonic_ns()}), flush=True)


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    mode, db = argv[1], argv[2]
    if mode == "init":
        init(db)
    elif mode == "bulk":
        bulk(db, int(argv[3]), int(argv[4]))
    elif mode == "sustained":
        sustained(db, float(argv[3]), argv[4])
    elif mode == "paced":
        paced(db, int(argv[3]), argv[4])
    elif mode == "session":
        session(db)
    elif mode == "reader":
        reader(db, float(argv[3]))
    else:
        raise SystemExit("unknown mode " + mode + "\n" + __doc__)


if __name__ == "__main__":
    main(sys.argv)
