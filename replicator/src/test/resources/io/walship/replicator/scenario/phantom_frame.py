#!/usr/bin/env python3
"""Leaves the WAL the way an app killed in the middle of a commit leaves it.

Usage: phantom_frame.py DB MARK

Appends one checksum-valid commit frame right after the last committed frame, while the wal-index (-shm) still
says the WAL ends before it: SQLite writes a transaction's frames and syncs them before it publishes the new end
in the wal-index, so an app that dies in between leaves exactly this. SQLite ignores the frame while the
wal-index lives, and the app's next transaction overwrites it.

The frame is a copy of the newest committed image of a page that holds one of the app's items values ("vvv..."
or "uuu..."), with the first letters of that value replaced by MARK: the page stays a valid b-tree page, and a
database restored with it holds a row the app never wrote. Prints the frame index.

It runs as its own process on purpose: closing a descriptor of the -shm file drops every POSIX lock the closing
process holds on it, so a replicator's test JVM must never open it itself.
"""
import struct
import sys

db, mark = sys.argv[1], sys.argv[2].encode()

with open(db + "-shm", "rb") as f:
    shm = f.read(136)
if shm[0:48] != shm[48:96] or shm[12] == 0:
    sys.exit("wal-index header is torn or not initialised")
# Native byte order: this machine is little-endian (x86-64, arm64).
(_version, _unused, _change) = struct.unpack_from("<III", shm, 0)
(mx_frame, n_page, ck1, ck2) = struct.unpack_from("<IIII", shm, 16)
salts = shm[32:40]

with open(db + "-wal", "r+b") as wal:
    hdr = wal.read(32)
    magic, _ver, page_size = struct.unpack(">III", hdr[0:12])
    big_endian = magic & 1
    if hdr[16:24] != salts or mx_frame == 0:
        sys.exit("the WAL holds no committed frame of the wal-index's generation")
    frame_size = 24 + page_size
    newest = {}
    for i in range(1, mx_frame + 1):
        wal.seek(32 + (i - 1) * frame_size)
        fh = wal.read(24)
        pgno = struct.unpack(">I", fh[0:4])[0]
        newest[pgno] = wal.read(page_size)

    word = ">II" if big_endian else "<II"

    def checksum(data, s1, s2):
        for off in range(0, len(data), 8):
            a, b = struct.unpack_from(word, data, off)
            s1 = (s1 + a + s2) & 0xffffffff
            s2 = (s2 + b + s1) & 0xffffffff
        return s1, s2

    for pgno, page in newest.items():
        at = -1
        for needle in (b"vvv", b"uuu"):
            at = page.find(needle)
            if at >= 0:
                break
        if at < 0:
            continue
        page = page[:at] + mark + page[at + len(mark):]
        head = struct.pack(">II", pgno, n_page) + salts
        s1, s2 = checksum(head[0:8] + page, ck1, ck2)
        frame = mx_frame + 1
        wal.seek(32 + (frame - 1) * frame_size)
        wal.write(head + struct.pack(">II", s1, s2) + page)
        wal.flush()
        print(frame)
        sys.exit(0)
sys.exit("no committed page in the WAL holds an items value to alter")
