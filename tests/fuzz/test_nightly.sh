#!/usr/bin/env bash
# tests/fuzz/test_nightly.sh: two 20-second nightly campaigns (fuzz/nightly.sh)
# over split_len and the planted target as an outside binary: the buggy one
# must exit 1 with the crash and a reproduce command that crashes; the fixed
# one must exit 0. Usage: test_nightly.sh SOURCE_DIR BIN_DIR (planted_*).
set -euo pipefail
src=$1
bin=$2
build=${NIGHTLY_BUILD_DIR:-$src/build/nightly-test}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fraglab-nightly-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_nightly: FAIL: $*" >&2; exit 1; }
# Fraglab's corpus is copied: the test must not change the checkout.
mkdir -p "$tmp/corpus"
cp -r "$src/corpus/split_len" "$tmp/corpus/"
: >"$tmp/known.txt"

# night NAME PLANTED_BINARY [ARGS]: one 20 s run; prints its exit status.
night() {
	local rc=0
	"$src/fuzz/nightly.sh" "${@:3}" --budget 20s --jobs 2 --grace 10 \
		--targets split_len --target-bin "planted=$2" \
		--outside-corpus "$tmp/oc-$1" --corpus "$tmp/corpus" \
		--known "$tmp/known.txt" --build-dir "$build" \
		--out "$tmp/$1" >"$tmp/$1.log" 2>&1 || rc=$?
	echo "$rc"
}
# jq-like reads of summary.json
js() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$1"; }

rc=$(night buggy "$bin/planted_len2be")
[ "$rc" = 1 ] || { cat "$tmp/buggy.log" >&2; fail "planted run exited $rc, not 1"; }
j=$tmp/buggy/summary.json
[ "$(js "$j" 's["verdict"]')" = new-crashes ] || fail "verdict is not new-crashes"
[ "$(js "$j" 's["elapsed_seconds"] <= 20 + 10 + 5')" = True ] ||
	fail "the run overran its budget: $(js "$j" 's["elapsed_seconds"]') s"
[ "$(js "$j" '[t["executions"] > 0 for t in s["targets"]]')" = "[True, True]" ] ||
	fail "a target did not run"
crash='[c for t in s["targets"] if t["name"] == "planted" for c in t["crashes"] if c["status"] == "new"][0]'
cmd=$(js "$j" "${crash}[\"reproduce\"]")
grep -qF "$cmd" "$tmp/buggy/summary.md" || fail "summary.md lacks '$cmd'"
grep -q '^# Nightly fuzzing: [0-9]* NEW CRASH' "$tmp/buggy/summary.md" ||
	fail "summary.md does not open with the verdict"
[ "$(js "$j" '[t["new_crashes"] for t in s["targets"]]')" = "[0, $(js "$j" 's["new_crashes"]')]" ] ||
	fail "split_len reported a new crash"
if command -v gnuplot >/dev/null; then
	[ -s "$tmp/buggy/coverage.png" ] && [ -s "$tmp/buggy/execs.png" ] ||
		fail "gnuplot is installed but there are no plots"
fi
# The reproduce command, as printed, must crash with the planted message.
out=$(cd "$tmp" && eval "$cmd" 2>&1) && fail "'$cmd' did not crash"
grep -q 'frames differ between whole and split (planted)' <<<"$out" ||
	fail "'$cmd' crashed, but not with the planted invariant"
# Acknowledged crashes go to the known file, one per signature.
"$src/fuzz/nightly.sh" --ack "$tmp/buggy" --known "$tmp/known.txt" 2>/dev/null
grep -qF "planted	$(js "$j" "${crash}[\"signature\"]")	" "$tmp/known.txt" ||
	fail "--ack did not record the signature"

rc=$(night fixed "$bin/planted_len2be_fixed" --no-build)
[ "$rc" = 0 ] || { cat "$tmp/fixed.log" "$tmp/fixed/summary.md" >&2; fail "clean run exited $rc, not 0"; }
[ "$(js "$tmp/fixed/summary.json" 's["verdict"]')" = no-new-crashes ] ||
	fail "clean verdict is not no-new-crashes"
grep -q '^# Nightly fuzzing: no new crash' "$tmp/fixed/summary.md" ||
	fail "clean summary.md does not say no new crash"
echo "test_nightly: ok"
