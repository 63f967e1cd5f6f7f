#!/usr/bin/env bash
# fuzz/coverage.sh: which decoder states does the corpus reach? Builds the
# replay drivers with clang source-based coverage (preset "coverage"),
# replays corpus/ (and regressions, and any extra dirs) through every target
# and writes an llvm-cov HTML report for the code the targets test.
set -euo pipefail
FZ_PROG=coverage
. "$(dirname "$0")/lib.sh"

BUILD=$FZ_ROOT/build/fuzz-coverage
TARGETS=all
EXTRA=()

usage() {
	cat <<USAGE
usage: fuzz/coverage.sh [--targets all|LIST] [--build-dir DIR] [--extra DIR]...
Build every target with CMake preset "coverage" (clang
-fprofile-instr-generate -fcoverage-mapping, plain replay driver, in DIR,
default $BUILD), replay corpus/<t>/, corpus/regressions/<t>/ and each
--extra DIR/<t>/ (e.g. a campaign's output), merge the profiles and write
DIR/report/index.html plus a per-file summary on stdout: every source the
targets link except fuzz/ itself (libframing, common/, the server cores).
USAGE
}

while [ $# -gt 0 ]; do
	case $1 in
	--targets) TARGETS=${2:?}; shift 2 ;;
	--build-dir) BUILD=${2:?}; shift 2 ;;
	--extra) EXTRA+=("${2:?}"); shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; fz_usage_error "unknown argument '$1'" ;;
	esac
done
command -v llvm-profdata >/dev/null || fz_die "llvm-profdata not found (apt-get install llvm)"
command -v llvm-cov >/dev/null || fz_die "llvm-cov not found (apt-get install llvm)"

FZ_TARGETS=$(fz_targets "$TARGETS" | tr '\n' ' ')
fz_build coverage "$BUILD"
PROF=$BUILD/profiles
rm -rf "$PROF" "$BUILD/report"
mkdir -p "$PROF"
objects=()
for t in $FZ_TARGETS; do
	mapfile -t dirs < <(fz_seed_dirs "$t")
	for e in "${EXTRA[@]}"; do dirs+=("$e/$t"); done
	fz_log "replaying $t"
	LLVM_PROFILE_FILE="$PROF/$t-%p.profraw" "$BUILD/bin/$t" "${dirs[@]}" \
		>/dev/null 2>&1 || fz_log "$t: replay failed (a finding?): run fuzz/reproduce.sh"
	objects+=(-object "$BUILD/bin/$t")
done
llvm-profdata merge -sparse "$PROF"/*.profraw -o "$BUILD/merged.profdata"
# Report what the targets test, not the fuzz harness itself; no file list
# to keep in step with the tree.
skip='/fuzz/|/tests/|^/usr/'
# The first -object is positional for llvm-cov; the rest follow as flags.
first=${objects[1]}
rest=("${objects[@]:2}")
llvm-cov show "$first" "${rest[@]}" -instr-profile="$BUILD/merged.profdata" \
	-format=html -show-line-counts-or-regions -ignore-filename-regex="$skip" \
	-output-dir="$BUILD/report"
llvm-cov report "$first" "${rest[@]}" -instr-profile="$BUILD/merged.profdata" \
	-ignore-filename-regex="$skip"
fz_log "HTML report: $BUILD/report/index.html"
