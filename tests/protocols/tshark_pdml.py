#!/usr/bin/env python3
"""tshark's view of a capture as unit sizes, for the real-traffic suites:
runs tshark -T pdml on PCAP with tcp.port==PORT decoded as DECODE_AS and
prints one line 'SRCPORT SIZE' per unit of protocol PROTO, in order.

A unit is PROTO's protocol item itself (mode 'proto': one HTTP message),
or each item directly under it (mode 'items': each top-level RESP value).
Items tshark marks with expert info (a value cut short and finished in a
later packet) are left out: tshark lists the finished value again there.

usage: tshark_pdml.py PCAP PORT DECODE_AS PROTO proto|items"""
import subprocess
import sys
import xml.etree.ElementTree as ET


def main():
    if len(sys.argv) != 6 or sys.argv[5] not in ("proto", "items"):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(2)
    pcap, port, decode_as, proto, mode = sys.argv[1:]
    out = subprocess.run(
        ["tshark", "-r", pcap, "-o", "tcp.desegment_tcp_streams:TRUE",
         "-d", "tcp.port==%s,%s" % (port, decode_as), "-Y", proto,
         "-T", "pdml"],
        check=True, capture_output=True).stdout
    for packet in ET.fromstring(out):
        sport = None
        for p in packet:
            if p.get("name") == "tcp":
                for f in p:
                    if f.get("name") == "tcp.srcport":
                        sport = f.get("show")
            if p.get("name") != proto:
                continue
            if mode == "proto":
                print(sport, p.get("size"))
                continue
            for f in p:
                if any(c.get("name") == "_ws.expert" for c in f):
                    continue
                print(sport, f.get("size"))


if __name__ == "__main__":
    main()
