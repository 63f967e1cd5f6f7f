#!/usr/bin/env python3
"""Both ends of a WebSocket session for the real-traffic suite, with
python3-websockets (Debian's, no compression, no keepalive pings).

ws_peer.py server: echoes every message; prints 'listening on
127.0.0.1:PORT' and serves until killed.
ws_peer.py client PORT: sends text and binary messages of 5, 125, 126,
200, 65535, 65536 and 70000 bytes (7-, 16- and 64-bit lengths), checks
each echo, pings, and closes; prints 'ok N' with N the messages echoed.

usage: ws_peer.py server | ws_peer.py client PORT"""
import asyncio
import sys

import websockets

SIZES = (5, 125, 126, 200, 65535, 65536, 70000)


async def echo(ws, path=None):
    async for msg in ws:
        await ws.send(msg)


async def server():
    async with websockets.serve(echo, "127.0.0.1", 0, compression=None,
                                ping_interval=None) as srv:
        port = srv.sockets[0].getsockname()[1]
        print("listening on 127.0.0.1:%d" % port, flush=True)
        await asyncio.Future()


async def client(port):
    uri = "ws://127.0.0.1:%d/" % port
    n = 0
    async with websockets.connect(uri, compression=None, max_size=None,
                                  ping_interval=None) as ws:
        for i, size in enumerate(SIZES):
            msg = "t" * size if i % 2 == 0 else bytes([i]) * size
            await ws.send(msg)
            if await ws.recv() != msg:
                print("echo %d differs" % size)
                sys.exit(1)
            n += 1
        pong = await ws.ping(b"fraglab")
        await asyncio.wait_for(pong, 10)
    print("ok %d" % n)


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "server":
        asyncio.run(server())
    elif len(sys.argv) == 3 and sys.argv[1] == "client":
        asyncio.run(client(int(sys.argv[2])))
    else:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
