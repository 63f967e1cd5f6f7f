#!/usr/bin/env bash
# Round-trip demo of framecat: encode a few messages with several framing
# specs, decode each stream fed one byte at a time (--split bytes), and
# show that the frames match the messages. Builds framecat if needed.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: ci/demo-framecat.sh [--build-dir DIR] [--help]

Builds framecat (CMake preset "default", into DIR, default build/default)
unless it is already built, then for each of several framing specs: encodes a few
messages, decodes the stream with --split bytes (one byte per decoder
call) and checks the frames equal the messages. Exits 1 on a mismatch.
USAGE
}

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/default"
while [ $# -gt 0 ]; do
	case "$1" in
	--help | -h) usage; exit 0 ;;
	--build-dir) build=${2:?--build-dir needs a value}; shift 2 ;;
	*) echo "demo-framecat: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done

fc="$build/bin/framecat"
if [ ! -x "$fc" ]; then
	echo "== building framecat in $build (preset default)"
	(cd "$root" && cmake --preset default -B "$build") >/dev/null
	cmake --build "$build" -j 2 --target framecat >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# hello / (empty) / "two\r\n" / 00 c0 db ff
printf '68656c6c6f\n\n74776f0d0a\n00c0dbff\n' >"$tmp/msgs.hex"
# the same without the empty message (slip and tlv refuse it)
grep -v '^$' "$tmp/msgs.hex" >"$tmp/nonempty.hex"
# text messages for the delimited codecs
printf '68656c6c6f\n\n776f726c64\n' >"$tmp/text.hex"

echo "== messages (hex, one per line):"
sed 's/^/   /' "$tmp/msgs.hex"
fail=0
for spec in len:4be len:varint 'len:2be,offset=1,adjust=-3,strip=3' \
	netstring cobs slip tlv line crlf delim:deadbeef; do
	case "$spec" in
	slip | tlv) in="$tmp/nonempty.hex" ;;
	line | crlf | delim:*) in="$tmp/text.hex" ;;
	*) in="$tmp/msgs.hex" ;;
	esac
	"$fc" encode "$spec" <"$in" >"$tmp/wire"
	"$fc" decode "$spec" --split bytes <"$tmp/wire" >"$tmp/out.hex"
	wire=$(od -An -tx1 -v "$tmp/wire" | tr -d ' \n' | cut -c1-48)
	if cmp -s "$in" "$tmp/out.hex"; then
		printf '%-38s ok    wire %s...\n' "$spec" "$wire"
	else
		printf '%-38s MISMATCH\n' "$spec"
		diff "$in" "$tmp/out.hex" || true
		fail=1
	fi
done
echo "== transcode len:4be -> netstring, then decode one byte at a time:"
"$fc" encode len:4be <"$tmp/msgs.hex" |
	"$fc" transcode len:4be netstring | tee "$tmp/ns" | od -c
"$fc" decode netstring --split bytes <"$tmp/ns" | cmp -s - "$tmp/msgs.hex" ||
	fail=1
if [ "$fail" -ne 0 ]; then
	echo "demo-framecat: round trip FAILED" >&2
	exit 1
fi
echo "== every round trip matched"
