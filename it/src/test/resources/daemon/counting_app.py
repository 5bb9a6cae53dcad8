"""An app for -exec tests: inserts numbered rows into counter(n) until it has written LIMIT rows or gets a signal.
On SIGTERM it commits one last row n = -15 and exits 42; on SIGINT it commits n = -2 and exits 43; after LIMIT rows it
exits with the code given. It prints its pid first so tests can check who received the signal."""
import signal
import sqlite3
import sys
import time

db_path, limit, exit_code = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
db = sqlite3.connect(db_path, isolation_level=None, timeout=30)
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE IF NOT EXISTS counter(n INTEGER)")
got = []


def on_signal(num, frame):
    got.append(num)


signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)
print(f"app pid {__import__('os').getpid()}", flush=True)
n = 0
while n < limit and not got:
    db.execute("INSERT INTO counter(n) VALUES (?)", (n,))
    n += 1
    time.sleep(0.005)
if got:
    marker = -15 if got[0] == signal.SIGTERM else -2
    db.execute("INSERT INTO counter(n) VALUES (?)", (marker,))
    print(f"app got signal {got[0]} after {n} rows", flush=True)
    db.close()
    sys.exit(42 if got[0] == signal.SIGTERM else 43)
print(f"app wrote {n} rows", flush=True)
db.close()
sys.exit(exit_code)
