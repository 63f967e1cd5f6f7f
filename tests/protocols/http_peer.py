#!/usr/bin/env python3
"""An HTTP/1.1 server for the real-traffic suite, built on python's own
http.server: SimpleHTTPRequestHandler serving DIR with keep-alive
(protocol HTTP/1.1, so files go out with Content-Length), and /chunked
answered with Transfer-Encoding: chunked in three chunks. Prints
'listening on 127.0.0.1:PORT'; serves until killed.

usage: http_peer.py DIR"""
import functools
import http.server
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path != "/chunked":
            super().do_GET()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in (b"first chunk\n", b"x" * 3000, b"last\n"):
            self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\nX-Trailer: done\r\n\r\n")

    def log_message(self, *args):
        pass


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(2)
    handler = functools.partial(Handler, directory=sys.argv[1])
    srv = http.server.HTTPServer(("127.0.0.1", 0), handler)
    print("listening on 127.0.0.1:%d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
