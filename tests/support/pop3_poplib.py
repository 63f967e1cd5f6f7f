#!/usr/bin/env python3
# A POP3 session driven by Python's own poplib (a client no one here wrote),
# for tests/test_pop3_clients.c: runs the --ops list and prints one result
# line per step, retrieved messages in hex, so the C suite can check bytes.
"""Run a POP3 session with the standard library's poplib.

Logs in with USER/PASS, runs each step of --ops in order, prints one line
per result on stdout and exits 0; on the first failure prints
'error STEP: TYPE: MESSAGE' and exits 3. Steps (comma-separated):

  capa        -> capa NAME NAME ...          (capability names, sorted)
  stat        -> stat COUNT OCTETS
  list        -> list N SIZE                 (one line per message)
  uidl        -> uidl N UID                  (one line per message)
  retr:N      -> retr N OCTETS HEX           (retr:all: every message)
  top:N:L     -> top N L OCTETS HEX
  dele:N      -> dele N +OK
  noop, rset  -> noop +OK, rset +OK
  quit        -> quit +OK                    (the server's UPDATE)
  drop        -> drop                        (close the socket, no QUIT)

HEX is the message as poplib hands it over (lines without their CRLF,
dot-stuffing removed) with CRLF put back after every line, or '-' when
there are no lines; OCTETS is poplib's count of the octets received.
Single-line replies are reduced to '+OK', whose text the RFC leaves free.
The login prints 'login +OK'.
"""

import argparse
import poplib
import sys
import time


def hexlines(lines):
    data = b"".join(line + b"\r\n" for line in lines)
    return data.hex() if data else "-"


def status(resp):
    return resp.split(b" ", 1)[0].decode("ascii", "replace")


def login(args):
    """Connect and authenticate; retry while PASS gets -ERR (the mailbox
    is still locked by a session the server has not closed yet)."""
    deadline = time.monotonic() + args.login_retry
    while True:
        pop = poplib.POP3(args.host, args.port, timeout=args.timeout)
        try:
            pop.user(args.user)
            pop.pass_(args.password)
            return pop
        except poplib.error_proto:
            pop.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def step(pop, op, out):
    parts = op.split(":")
    name = parts[0]
    if name == "capa" and len(parts) == 1:
        out("capa " + " ".join(sorted(pop.capa())))
    elif name == "stat" and len(parts) == 1:
        count, octets = pop.stat()
        out("stat %d %d" % (count, octets))
    elif name in ("list", "uidl") and len(parts) == 1:
        _, lines, _ = pop.list() if name == "list" else pop.uidl()
        for line in lines:
            out("%s %s" % (name, line.decode("ascii", "replace")))
    elif name == "retr" and len(parts) == 2:
        if parts[1] == "all":
            which = range(1, pop.stat()[0] + 1)
        else:
            which = [int(parts[1])]
        for n in which:
            _, lines, octets = pop.retr(n)
            out("retr %d %d %s" % (n, octets, hexlines(lines)))
    elif name == "top" and len(parts) == 3:
        n, count = int(parts[1]), int(parts[2])
        _, lines, octets = pop.top(n, count)
        out("top %d %d %d %s" % (n, count, octets, hexlines(lines)))
    elif name == "dele" and len(parts) == 2:
        out("dele %d %s" % (int(parts[1]), status(pop.dele(int(parts[1])))))
    elif name in ("noop", "rset") and len(parts) == 1:
        out("%s %s" % (name, status(getattr(pop, name)())))
    elif name == "quit" and len(parts) == 1:
        out("quit " + status(pop.quit()))
    elif name == "drop" and len(parts) == 1:
        pop.close()
        out("drop")
    else:
        raise ValueError("unknown step '%s'" % op)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--ops", required=True, help="steps, comma-separated")
    ap.add_argument("--timeout", type=float, default=20.0,
                    help="socket timeout in seconds (default 20)")
    ap.add_argument("--login-retry", type=float, default=0.0, metavar="S",
                    help="retry a refused login for up to S seconds")
    args = ap.parse_args()

    def out(line):
        sys.stdout.write(line + "\n")

    cur = "login"
    try:
        pop = login(args)
        out("login +OK")
        for cur in args.ops.split(","):
            step(pop, cur, out)
    except (poplib.error_proto, OSError, ValueError) as e:
        out("error %s: %s: %s" % (cur, type(e).__name__, e))
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
