#!/usr/bin/env python3
"""A tiny DNS-over-TCP server for the real-traffic suite: answers every
query with one A record (127.0.0.1) on as many messages per connection as
the client sends, and records each message it received and sent, in
order, as 'up HEX' / 'down HEX' lines in the file named by argv[1]."""
import struct
import sys

from peer_util import listen, read_exact


def answer(query):
    qid, flags, qd = struct.unpack(">HHH", query[:6])
    # the question section: labels up to the root, then type and class
    end = 12
    while query[end] != 0:
        end += 1 + query[end]
    question = query[12:end + 5]
    rd = flags & 0x0100
    head = struct.pack(">HHHHHH", qid, 0x8080 | rd, 1, 1, 0, 0)
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([127, 0, 0, 1])
    return head + question + rr


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print("usage: dns_server.py RECORD_FILE", file=sys.stderr)
        sys.exit(2)
    record = open(sys.argv[1], "w")
    srv = listen(4)
    while True:
        conn, _ = srv.accept()
        while True:
            hdr = read_exact(conn, 2)
            if hdr is None:
                break
            msg = read_exact(conn, struct.unpack(">H", hdr)[0])
            if msg is None:
                break
            reply = answer(msg)
            record.write("up %s\ndown %s\n" % (msg.hex(), reply.hex()))
            record.flush()
            conn.sendall(struct.pack(">H", len(reply)) + reply)
        conn.close()


if __name__ == "__main__":
    main()
