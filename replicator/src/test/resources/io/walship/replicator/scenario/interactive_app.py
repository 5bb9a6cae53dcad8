"""An application that writes a SQLite database when told to, one command per line on stdin.

It stands in for a user's app (not written in Java): it keeps its connection open between commands, as real
apps do, and after every transaction prints the transaction's sequence number and a digest of the table, so a
test knows the exact state after each of its transactions.

Commands: tx COUNT [ROWS] | checkpoint MODE | bigtx KB | rollback-spill KB | close | open | vacuum | quit
          | tx-then-hold-spill ROWS: one transaction, then at once a transaction that rewrites ROWS rows with
            cache_size=10 (so its pages spill into the WAL) and stays open | rollback: ends that open transaction
Every command answers one line starting with "ok" (or "err ...").
"""
import hashlib
import random
import sqlite3
import sys

db_path = sys.argv[1]
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
rnd = random.Random(seed)
conn = None
seq = 0


def open_db():
    global conn, seq
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS items(id INTEGER PRIMARY KEY, v TEXT, n INTEGER)")
    conn.execute("CREATE TABLE IF NOT EXISTS progress(k INTEGER PRIMARY KEY CHECK (k = 0), tx INTEGER)")
    row = conn.execute("SELECT tx FROM progress WHERE k = 0").fetchone()
    seq = row[0] if row else 0


def digest():
    h = hashlib.sha256()
    for (i, v, n) in conn.execute("SELECT id, v, n FROM items ORDER BY id"):
        h.update(f"{i}|{v}|{n}\n".encode())
    return h.hexdigest()


def one_tx(rows):
    global seq
    seq += 1
    conn.execute("BEGIN IMMEDIATE")
    for _ in range(rows):
        op = rnd.random()
        top = conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]
        if op < 0.6 or top == 0:
            conn.execute("INSERT INTO items(v, n) VALUES (?, ?)", ("v" * rnd.randint(1, 1500), seq))
        elif op < 0.85:
            conn.execute("UPDATE items SET v = ?, n = ? WHERE id = ?", ("u" * rnd.randint(1, 900), seq, rnd.randint(1, top)))
        else:
            conn.execute("DELETE FROM items WHERE id = ?", (rnd.randint(1, top),))
    conn.execute("INSERT OR REPLACE INTO progress(k, tx) VALUES (0, ?)", (seq,))
    conn.execute("COMMIT")
    print(f"state {seq} {digest()}", flush=True)


open_db()
print(f"state {seq} {digest()}", flush=True)
for line in sys.stdin:
    parts = line.split()
    if not parts:
        continue
    cmd = parts[0]
    try:
        if cmd == "tx":
            for _ in range(int(parts[1])):
                one_tx(int(parts[2]) if len(parts) > 2 else rnd.randint(1, 12))
        elif cmd == "checkpoint":
            # A short busy timeout: RESTART and TRUNCATE wait for readers (walship holds one), as they would in production.
            conn.execute("PRAGMA busy_timeout=300")
            r = conn.execute(f"PRAGMA wal_checkpoint({parts[1]})").fetchone()
            conn.execute("PRAGMA busy_timeout=30000")
            print(f"info checkpoint {parts[1]} {r}", flush=True)
        elif cmd == "bigtx":
            seq += 1
            conn.execute("PRAGMA cache_size=-256")
            conn.execute("BEGIN IMMEDIATE")
            for k in range(int(parts[1])):
                conn.execute("INSERT INTO items(v, n) VALUES (?, ?)", ("b" * 1000, seq))
            conn.execute("INSERT OR REPLACE INTO progress(k, tx) VALUES (0, ?)", (seq,))
            conn.execute("COMMIT")
            conn.execute("PRAGMA cache_size=-2000")
            print(f"state {seq} {digest()}", flush=True)
        elif cmd == "rollback-spill":
            # A transaction big enough to spill pages into the WAL before it is rolled back; the next
            # transaction then overwrites those frames.
            conn.execute("PRAGMA cache_size=10")
            conn.execute("BEGIN IMMEDIATE")
            for k in range(int(parts[1])):
                conn.execute("INSERT INTO items(v, n) VALUES (?, ?)", ("r" * 1000, -1))
            conn.execute("ROLLBACK")
            conn.execute("PRAGMA cache_size=-2000")
        elif cmd == "tx-then-hold-spill":
            one_tx(1)
            conn.execute("PRAGMA cache_size=10")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE items SET v = ? WHERE id IN (SELECT id FROM items ORDER BY id LIMIT ?)",
                         ("R" * 1000, int(parts[1])))
        elif cmd == "rollback":
            conn.execute("ROLLBACK")
            conn.execute("PRAGMA cache_size=-2000")
            if len(parts) > 1:
                one_tx(int(parts[1]))
        elif cmd == "vacuum":
            conn.execute("VACUUM")
        elif cmd == "close":
            conn.close()
            conn = None
        elif cmd == "open":
            open_db()
        elif cmd == "quit":
            print("ok", flush=True)
            break
        print("ok", flush=True)
    except Exception as e:  # the test reads the error and fails with it
        print(f"err {e}", flush=True)
