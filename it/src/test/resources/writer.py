#!/usr/bin/env python3
"""An application writing a SQLite database in WAL mode, used by the walship end-to-end tests.

It is an independent SQLite implementation (Python's sqlite3 module, not the JVM driver walship uses).

Schema:
    items(id INTEGER PRIMARY KEY, v TEXT NOT NULL, n INTEGER NOT NULL)
    blobs(id INTEGER PRIMARY KEY, b BLOB NOT NULL)
    progress(k INTEGER PRIMARY KEY CHECK (k=0), tx INTEGER NOT NULL)

Every transaction i (1, 2, 3, ...) also sets progress.tx = i. Right before each commit the writer appends the
line "i <digest>" to the digest file (a later line for the same i replaces an earlier one: the transaction of a
killed run that never committed is written again), where <digest> is the lower-case hex SHA-256 over

    for each items row ordered by id:  f"{id}|{v}|{n}\n"
    then for each blobs row by id:     f"B{id}|{len(b)}|{sha256(b).hexdigest()}\n"

The state before transaction 1 (no tables, or empty tables) is i = 0 with the digest of nothing.
io.walship.it.Digest implements the same digest in Java.

If the database already holds a progress row, the writer resumes after it (checking first that the
database still has the digest recorded for that i), so several writer processes can take turns.

Actions (--at I:ACTION runs at transaction I, --every K:ACTION at every I divisible by K):
    checkpoint:PASSIVE|FULL|RESTART|TRUNCATE   PRAGMA wal_checkpoint(MODE) after the commit of I
    vacuum          transaction I deletes ~90% of items and all blobs; VACUUM runs after its commit
    bigtx:MB        transaction I also inserts MB mebibytes of random blobs (1 MiB each)
    close-reopen    after the commit of I the writer closes its connection and opens a new one
    spill-rewrite   transaction I runs with cache_size=10 and rewrites a third of all rows three times, so its pages
                    spill into the WAL and SQLite overwrites its own uncommitted frames in place
    rollback-spill:KB  after the commit of I a transaction inserts KB KiB with cache_size=10, so its pages spill
                    into the WAL, and rolls back

Exit codes: 0 ok, 2 usage, 3 the database is not what this writer wrote (digest or integrity_check).
"""
import argparse
import hashlib
import os
import random
import sqlite3
import string
import sys
import time

LETTERS = string.ascii_letters + string.digits


def log(msg):
    sys.stderr.write(f"[writer {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--digest-file", required=True)
    p.add_argument("--stats-file")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--txs", type=int, required=True, help="transactions to run in this process")
    p.add_argument("--sleep", type=float, default=0.0, help="seconds between transactions")
    p.add_argument("--max-ops", type=int, default=8)
    p.add_argument("--stop-file", help="stop cleanly (between transactions) once this file exists")
    p.add_argument("--at", action="append", default=[], help="I:ACTION")
    p.add_argument("--every", action="append", default=[], help="K:ACTION")
    p.add_argument("--busy-timeout", type=float, default=60.0)
    p.add_argument("--checkpoint-busy-timeout-ms", type=int, default=5000)
    return p.parse_args()


def split_action(spec):
    i, _, action = spec.partition(":")
    if not action:
        raise SystemExit(f"bad action spec {spec!r}; want N:ACTION")
    return int(i), action


class Writer:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.conn = None
        self.ids = []
        self.blob_lines = {}  # blob id -> digest line; blobs are never updated, only inserted/deleted
        self.stats = {"checkpoints": 0, "checkpoints_busy": 0, "close_reopen": 0, "vacuums": 0}
        self.at = {}
        for spec in args.at:
            i, action = split_action(spec)
            self.at.setdefault(i, []).append(action)
        self.every = [split_action(spec) for spec in args.every]

    def connect(self):
        self.conn = sqlite3.connect(self.args.db, timeout=self.args.busy_timeout, isolation_level=None)
        mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise SystemExit(f"journal_mode is {mode}, not wal")

    def actions_for(self, i):
        out = list(self.at.get(i, []))
        for k, action in self.every:
            if i % k == 0:
                out.append(action)
        return out

    # ---- digest --------------------------------------------------------------------------------
    def digest(self):
        h = hashlib.sha256()
        for row_id, v, n in self.conn.execute("SELECT id, v, n FROM items ORDER BY id"):
            h.update(f"{row_id}|{v}|{n}\n".encode("utf-8"))
        present = set()
        for (blob_id,) in self.conn.execute("SELECT id FROM blobs ORDER BY id"):
            present.add(blob_id)
            line = self.blob_lines.get(blob_id)
            if line is None:
                (b,) = self.conn.execute("SELECT b FROM blobs WHERE id = ?", (blob_id,)).fetchone()
                line = blob_line(blob_id, b)
                self.blob_lines[blob_id] = line
            h.update(line)
        for gone in [k for k in self.blob_lines if k not in present]:
            del self.blob_lines[gone]
        return h.hexdigest()

    # ---- setup ---------------------------------------------------------------------------------
    def setup(self):
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("CREATE TABLE IF NOT EXISTS items(id INTEGER PRIMARY KEY, v TEXT NOT NULL, n INTEGER NOT NULL)")
        self.conn.execute("CREATE TABLE IF NOT EXISTS blobs(id INTEGER PRIMARY KEY, b BLOB NOT NULL)")
        self.conn.execute("CREATE TABLE IF NOT EXISTS progress(k INTEGER PRIMARY KEY CHECK (k=0), tx INTEGER NOT NULL)")
        self.conn.execute("INSERT OR IGNORE INTO progress(k, tx) VALUES (0, 0)")
        self.conn.execute("COMMIT")
        start = self.conn.execute("SELECT tx FROM progress WHERE k = 0").fetchone()[0]
        self.ids = [r[0] for r in self.conn.execute("SELECT id FROM items ORDER BY id")]
        recorded = read_digests(self.args.digest_file)
        current = self.digest()
        if start == 0 and 0 not in recorded:
            self.append_digest(0, current)
        elif recorded.get(start) != current:
            log(f"database at tx {start} has digest {current}, digest file says {recorded.get(start)}")
            sys.exit(3)
        # A different stream of random choices for each resumed run.
        self.rng = random.Random(self.args.seed * 1_000_003 + start)
        return start

    def append_digest(self, i, d):
        with open(self.args.digest_file, "a") as f:
            f.write(f"{i} {d}\n")
            f.flush()

    # ---- transactions --------------------------------------------------------------------------
    def random_value(self):
        r = self.rng.random()
        if r < 0.80:
            length = self.rng.randint(1, 100)
        elif r < 0.95:
            length = self.rng.randint(100, 2000)
        else:
            length = self.rng.randint(2000, 12000)  # overflow pages
        return "".join(self.rng.choices(LETTERS, k=length))

    def random_n(self):
        return self.rng.randint(-(2 ** 62), 2 ** 62)

    def random_ops(self):
        c = self.conn
        for _ in range(self.rng.randint(1, self.args.max_ops)):
            r = self.rng.random()
            if r < 0.55 or not self.ids:
                cur = c.execute("INSERT INTO items(v, n) VALUES (?, ?)", (self.random_value(), self.random_n()))
                self.ids.append(cur.lastrowid)
            elif r < 0.75:
                row_id = self.rng.choice(self.ids)
                c.execute("UPDATE items SET v = ?, n = ? WHERE id = ?", (self.random_value(), self.random_n(), row_id))
            elif r < 0.80:
                # a multi-row update touching many pages
                c.execute("UPDATE items SET n = n + 1 WHERE id % 7 = ? AND abs(n) < 4000000000000000000",
                          (self.rng.randint(0, 6),))
            else:
                idx = self.rng.randrange(len(self.ids))
                row_id = self.ids[idx]
                self.ids[idx] = self.ids[-1]
                self.ids.pop()
                c.execute("DELETE FROM items WHERE id = ?", (row_id,))

    def mass_delete(self):
        self.conn.execute("DELETE FROM items WHERE id % 10 != 0")
        self.conn.execute("DELETE FROM blobs")
        self.ids = [r[0] for r in self.conn.execute("SELECT id FROM items ORDER BY id")]

    def big_insert(self, mib):
        for _ in range(mib):
            b = self.rng.randbytes(1 << 20)
            cur = self.conn.execute("INSERT INTO blobs(b) VALUES (?)", (b,))
            self.blob_lines[cur.lastrowid] = blob_line(cur.lastrowid, b)

    def transaction(self, i, actions):
        c = self.conn
        spill = "spill-rewrite" in actions
        if spill:
            c.execute("PRAGMA cache_size=10")
        c.execute("BEGIN IMMEDIATE")
        try:
            if "vacuum" in actions:
                self.mass_delete()
            else:
                self.random_ops()
            if spill:
                # With a 10-page cache the rewritten pages spill into the WAL and are rewritten again by the next
                # round: SQLite then overwrites this transaction's own frames in place and recomputes checksums.
                for r in range(3):
                    c.execute("UPDATE items SET n = n + 1, v = substr(v, 2) || ? WHERE id % 3 = ?",
                              (chr(97 + self.rng.randrange(26)), r))
            for a in actions:
                if a.startswith("bigtx:"):
                    self.big_insert(int(a.split(":", 1)[1]))
            c.execute("UPDATE progress SET tx = ? WHERE k = 0", (i,))
            # The digest is recorded before COMMIT (the transaction sees its own changes), so an app killed right
            # after its commit, or whose dying commit SQLite's recovery later accepts, still has its state on record.
            # A transaction that then never commits is written again by the next run, and its record replaced.
            self.append_digest(i, self.digest())
            c.execute("COMMIT")
            if spill:
                c.execute("PRAGMA cache_size=-2000")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def after_commit(self, i, actions):
        for a in actions:
            if a.startswith("checkpoint:"):
                mode = a.split(":", 1)[1].upper()
                self.conn.execute(f"PRAGMA busy_timeout = {self.args.checkpoint_busy_timeout_ms}")
                t0 = time.monotonic()
                busy, wal_frames, done = self.conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
                self.conn.execute(f"PRAGMA busy_timeout = {int(self.args.busy_timeout * 1000)}")
                self.stats["checkpoints"] += 1
                if busy:
                    self.stats["checkpoints_busy"] += 1
                log(f"tx {i}: wal_checkpoint({mode}) busy={busy} log={wal_frames} checkpointed={done} "
                    f"in {time.monotonic() - t0:.3f}s")
            elif a == "vacuum":
                before = self.conn.execute("PRAGMA page_count").fetchone()[0]
                self.conn.execute("VACUUM")
                after = self.conn.execute("PRAGMA page_count").fetchone()[0]
                self.stats["vacuums"] += 1
                self.stats["vacuum_pages_before"] = before
                self.stats["vacuum_pages_after"] = after
                log(f"tx {i}: VACUUM {before} -> {after} pages")
            elif a == "close-reopen":
                self.conn.close()
                self.conn = None
                self.connect()
                self.stats["close_reopen"] += 1
            elif a.startswith("bigtx:"):
                pass
            elif a == "spill-rewrite":
                pass
            elif a.startswith("rollback-spill:"):
                kib = int(a.split(":", 1)[1])
                self.conn.execute("PRAGMA cache_size=10")
                self.conn.execute("BEGIN IMMEDIATE")
                for _ in range(kib):
                    self.conn.execute("INSERT INTO items(v, n) VALUES (?, ?)", ("S" * 1000, -1))
                self.conn.execute("ROLLBACK")
                self.conn.execute("PRAGMA cache_size=-2000")
                self.stats["rollback_spills"] = self.stats.get("rollback_spills", 0) + 1
            else:
                raise SystemExit(f"unknown action {a!r}")

    def run(self):
        self.connect()
        start = self.setup()
        log(f"starting after tx {start}, up to {self.args.txs} transactions")
        i = start
        t0 = time.monotonic()
        for i in range(start + 1, start + self.args.txs + 1):
            if self.args.stop_file and os.path.exists(self.args.stop_file):
                i -= 1
                break
            actions = self.actions_for(i)
            self.transaction(i, actions)
            self.after_commit(i, actions)
            if self.args.sleep > 0:
                time.sleep(self.args.sleep)
        final = self.conn.execute("SELECT tx FROM progress WHERE k = 0").fetchone()[0]
        if final != i:
            log(f"progress.tx is {final}, expected {i}")
            sys.exit(3)
        check = self.conn.execute("PRAGMA integrity_check").fetchall()
        if check != [("ok",)]:
            log(f"integrity_check of the source database failed: {check[:10]}")
            sys.exit(3)
        self.stats["final_i"] = final
        self.stats["page_count"] = self.conn.execute("PRAGMA page_count").fetchone()[0]
        self.stats["page_size"] = self.conn.execute("PRAGMA page_size").fetchone()[0]
        self.stats["seconds"] = round(time.monotonic() - t0, 3)
        self.conn.close()
        if self.args.stats_file:
            with open(self.args.stats_file, "w") as f:
                for k, v in self.stats.items():
                    f.write(f"{k}={v}\n")
        log(f"done: {self.stats}")


def blob_line(blob_id, b):
    return f"B{blob_id}|{len(b)}|{hashlib.sha256(b).hexdigest()}\n".encode("ascii")


def read_digests(path):
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    out[int(parts[0])] = parts[1]
    return out


if __name__ == "__main__":
    Writer(parse_args()).run()
