#!/usr/bin/env bash
# fuzz/coverage.sh: which decoder states does the corpus reach? Builds the
# replay drivers with clang source-based coverage, replays corpus/ (and
# regressions, and any extra dirs) through every target, and writes an
# llvm-cov HTML report for libframing and the echo and POP3 cores.
set -euo pipefail
FZ_PROG=coverage
. "$(dirname "$0")/lib.sh"

BUILD=$FZ_ROOT/build/fuzz-coverage
TARGETS=all
EXTRA=()

usage() {
	cat <<USAGE
usage: fuzz/coverage.sh [--targets all|LIST] [--build-dir DIR] [--extra DIR]...
Build every target with -fprofile-instr-generate -fcoverage-mapping (plain
replay driver, in DIR, default $BUILD), replay corpus/<t>/,
corpus/regressions/<t>/ and each --extra DIR/<t>/ (e.g. a campaign's
output), merge the profiles and write DIR/report/index.html plus a
per-file summary on stdout (framing/src, the echo and the POP3 core only).
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
fz_build replay "$BUILD" -DFRAGLAB_COVERAGE=ON -DCMAKE_BUILD_TYPE=Debug
PROF=$BUILD/profiles
rm -rf "$PROF" "$BUILD/report"
mkdir -p "$PROF"
objects=()
for t in $FZ_TARGETS; do
	dirs=("$FZ_ROOT/corpus/$t" "$FZ_ROOT/corpus/regressions/$t")
	for e in "${EXTRA[@]}"; do dirs+=("$e/$t"); done
	fz_log "replaying $t"
	LLVM_PROFILE_FILE="$PROF/$t-%p.profraw" "$BUILD/bin/$t" "${dirs[@]}" \
		>/dev/null 2>&1 || fz_log "$t: replay failed (a finding?): run fuzz/reproduce.sh"
	objects+=(-object "$BUILD/bin/$t")
done
llvm-profdata merge -sparse "$PROF"/*.profraw -o "$BUILD/merged.profdata"
srcs=("$FZ_ROOT/framing/src" "$FZ_ROOT/servers/echo/echo_core.c"
	"$FZ_ROOT/servers/pop3/pop3_core.c" "$FZ_ROOT/servers/pop3/pop3_cmds.c"
	"$FZ_ROOT/servers/pop3/pop3_xfer.c")
# The first -object is positional for llvm-cov; the rest follow as flags.
first=${objects[1]}
rest=("${objects[@]:2}")
llvm-cov show "$first" "${rest[@]}" -instr-profile="$BUILD/merged.profdata" \
	-format=html -show-line-counts-or-regions \
	-output-dir="$BUILD/report" "${srcs[@]}"
llvm-cov report "$first" "${rest[@]}" -instr-profile="$BUILD/merged.profdata" "${srcs[@]}"
fz_log "HTML report: $BUILD/report/index.html"
