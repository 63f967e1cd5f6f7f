#!/usr/bin/env python3
"""The server half of an SSH version exchange, for the real-traffic
suite: sends its identification line, reads the client's identification
line and first binary packet (its KEXINIT), then closes. Prints
'listening on 127.0.0.1:PORT'; serves one connection."""
import struct
import sys

from peer_util import accept_one


def main():
    if len(sys.argv) != 1:
        print("usage: ssh_peer.py (no arguments)", file=sys.stderr)
        sys.exit(2)
    conn = accept_one()
    conn.sendall(b"SSH-2.0-fraglab_peer\r\n")
    buf = b""
    while True:
        end = buf.find(b"\r\n")
        if end >= 0 and len(buf) >= end + 6:
            plen = struct.unpack(">I", buf[end + 2:end + 6])[0]
            if len(buf) >= end + 6 + plen:
                break
        part = conn.recv(65536)
        if not part:
            break
        buf += part
    conn.close()


if __name__ == "__main__":
    main()
