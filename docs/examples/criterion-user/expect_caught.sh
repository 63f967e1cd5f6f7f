#!/bin/sh
# Runs the suite of the deliberately buggy decoder: it must FAIL, and its
# failure must name the split policy and the seed. Usage: expect_caught.sh BIN
set -u
[ "${1:-}" = "--help" ] && { sed -n 2,3p "$0"; exit 0; }
[ $# -eq 1 ] || { echo "usage: expect_caught.sh TEST_BINARY" >&2; exit 2; }
[ -x "$1" ] || { echo "expect_caught.sh: no test binary '$1'" >&2; exit 1; }
out=$("$1" --jobs=1 2>&1) && {
	echo "expect_caught.sh: $1 passed: the split bug was NOT caught" >&2
	echo "$out" >&2
	exit 1
}
echo "$out" | grep -q "split policy '.*' (seed [0-9]" || {
	echo "expect_caught.sh: $1 failed without naming policy and seed:" >&2
	echo "$out" >&2
	exit 1
}
echo "$out" | grep "split policy"
echo "expect_caught.sh: the split bug was caught"
