#!/usr/bin/env python3
"""The server half of a PostgreSQL v3 session, for the real-traffic
suite: takes the startup message, says AuthenticationOk, a few
ParameterStatus and ReadyForQuery, answers every simple Query with
EmptyQueryResponse or CommandComplete and ReadyForQuery, and stops at
Terminate. Prints 'listening on 127.0.0.1:PORT'; serves one connection."""
import struct
import sys

from peer_util import accept_one, read_exact


def msg(kind, body):
    return kind + struct.pack(">I", len(body) + 4) + body


def main():
    if len(sys.argv) != 1:
        print("usage: pg_peer.py (no arguments)", file=sys.stderr)
        sys.exit(2)
    conn = accept_one()
    n = struct.unpack(">I", read_exact(conn, 4))[0]
    read_exact(conn, n - 4)
    out = msg(b"R", struct.pack(">I", 0))
    for k, v in ((b"server_version", b"15.0"), (b"client_encoding", b"UTF8"),
                 (b"standard_conforming_strings", b"on")):
        out += msg(b"S", k + b"\0" + v + b"\0")
    out += msg(b"K", struct.pack(">II", 1, 2)) + msg(b"Z", b"I")
    conn.sendall(out)
    while True:
        head = read_exact(conn, 5)
        if head is None:
            break
        kind, n = head[:1], struct.unpack(">I", head[1:])[0]
        read_exact(conn, n - 4)
        if kind == b"X":
            break
        if kind == b"Q":
            conn.sendall(msg(b"C", b"SELECT 0\0") + msg(b"Z", b"I"))
    conn.close()


if __name__ == "__main__":
    main()
