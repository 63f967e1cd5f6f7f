"""Shared by the python3 peers of the real-traffic suites (imported from
next to them): a loopback listener that announces its port the way
ru_start reads it, and reading an exact byte count."""
import socket


def listen(backlog=1):
    """Listen on 127.0.0.1, port 0; print 'listening on 127.0.0.1:PORT'."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(backlog)
    print("listening on 127.0.0.1:%d" % srv.getsockname()[1], flush=True)
    return srv


def accept_one():
    """listen(), then the one connection, with a 10 s timeout per call."""
    conn, _ = listen().accept()
    conn.settimeout(10)
    return conn


def read_exact(conn, n):
    """n bytes from conn, or None if it closed first."""
    buf = b""
    while len(buf) < n:
        part = conn.recv(n - len(buf))
        if not part:
            return None
        buf += part
    return buf
