#!/usr/bin/env bash
# fuzz/mutants.sh: mutation testing of libframing. Applies each mutant of
# fuzz/mutants.txt alone to a scratch copy of the tree, rebuilds what the
# checks need, runs the framing suites and corpus replays, reports survivors.
set -euo pipefail
FZ_PROG=mutants
. "$(dirname "$0")/lib.sh"

LIST=$FZ_ROOT/fuzz/mutants.txt
ONLY=""
PRESET=default
KEEP=0
TIMEOUT=120
REPORT=""

usage() {
	cat <<USAGE
usage: fuzz/mutants.sh [--list FILE] [--only N,M,...] [--preset NAME]
                       [--timeout S] [--report FILE] [--keep]
Mutation testing of framing/src. Copies the tree (tracked and untracked,
not ignored files) to a scratch directory, configures it with the CMake
preset NAME (default $PRESET), checks that every check passes unmutated,
then applies each mutant of FILE (default fuzz/mutants.txt; lines
"file :: exact text :: replacement :: why") on its own and runs, until one
fails: the framing suites (test_mutants first), then the corpus replays
of every split_ and roundtrip_ target. A check that fails, crashes or
takes longer than S seconds (default $TIMEOUT) kills the mutant.
--only runs the listed mutants (numbers as printed), --report also writes
the result table (markdown) to FILE, --keep leaves the scratch copy.
The working tree is never touched. Exit status: 0 when every mutant is
killed or marked "equivalent:" in its why, 1 when one survives, 2 on bad
usage.
USAGE
}

while [ $# -gt 0 ]; do
	case $1 in
	--list) LIST=${2:?}; shift 2 ;;
	--only) ONLY=${2:?}; shift 2 ;;
	--preset) PRESET=${2:?}; shift 2 ;;
	--timeout) TIMEOUT=${2:?}; shift 2 ;;
	--report) REPORT=${2:?}; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; fz_usage_error "unknown argument '$1'" ;;
	esac
done
[ -r "$LIST" ] || fz_usage_error "--list: cannot read '$LIST'"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || fz_usage_error "--timeout: seconds"
[[ -z $ONLY || $ONLY =~ ^[0-9]+(,[0-9]+)*$ ]] ||
	fz_usage_error "--only: numbers like 1,4,7"
command -v python3 >/dev/null || fz_die "python3 is needed to apply mutants"

SUITES="test_mutants test_codec_vectors test_codec_errors
	test_codec_boundaries test_spec test_sched test_codec_memory
	test_codec_props test_io"
REPLAYS=""
for c in $FZ_CODECS; do REPLAYS="$REPLAYS split_$c roundtrip_$c"; done

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/fraglab-mutants.XXXXXX")
cleanup() {
	if [ "$KEEP" = 1 ]; then
		fz_log "scratch copy kept in $SCRATCH"
	else
		rm -rf "$SCRATCH"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
BUILD=$SCRATCH/build/$PRESET

fz_log "copying the tree to $SCRATCH"
(cd "$FZ_ROOT" && git ls-files -z --cached --others --exclude-standard |
	tar cf - --null --ignore-failed-read -T - 2>/dev/null) |
	tar xf - -C "$SCRATCH"
fz_log "configuring preset $PRESET"
(cd "$SCRATCH" && cmake --preset "$PRESET") >"$SCRATCH/configure.log" 2>&1 ||
	{ tail -20 "$SCRATCH/configure.log" >&2; fz_die "configure failed"; }

# Build target $1; 0 or 1 (log in $SCRATCH/build.log).
build() {
	cmake --build "$BUILD" -j "${FZ_BUILD_JOBS:-2}" --target "$1" \
		>"$SCRATCH/build.log" 2>&1
}

# Run check $1; 0 when it passes.
run_check() {
	local t=$1
	case $t in
	test_*)
		FRAGLAB_BIN=$BUILD/bin FRAGLAB_SRC=$SCRATCH \
			timeout "$TIMEOUT" "$BUILD/bin/$t" --jobs=2 \
			>"$SCRATCH/check.log" 2>&1 ;;
	*)
		timeout "$TIMEOUT" "$BUILD/bin/$t" "$SCRATCH/corpus/$t" \
			"$SCRATCH/corpus/regressions/$t" \
			>"$SCRATCH/check.log" 2>&1 ;;
	esac
}

fz_log "building and running every check on the unmutated copy"
# shellcheck disable=SC2086
cmake --build "$BUILD" -j "${FZ_BUILD_JOBS:-2}" --target $SUITES $REPLAYS \
	>"$SCRATCH/build.log" 2>&1 ||
	{ tail -30 "$SCRATCH/build.log" >&2; fz_die "baseline build failed"; }
for t in $SUITES $REPLAYS; do
	run_check "$t" ||
		{ tail -20 "$SCRATCH/check.log" >&2; fz_die "baseline: $t fails unmutated"; }
done

# Apply mutant: file, text, replacement. 0, or 1 if text is not there once.
apply() {
	python3 - "$SCRATCH/$1" "$2" "$3" <<'PY'
import sys
path, old, new = sys.argv[1:4]
src = open(path).read()
if src.count(old) != 1:
    sys.exit(1)
open(path, "w").write(src.replace(old, new))
PY
}

ROWS=""
n=0 killed=0 survived=0 equivalent=0 invalid=0
START=$(date +%s)
while IFS= read -r line; do
	case $line in '#'* | '') continue ;; esac
	n=$((n + 1))
	if [ -n "$ONLY" ] && ! [[ ",$ONLY," == *",$n,"* ]]; then continue; fi
	file=${line%% :: *}; rest=${line#* :: }
	text=${rest%% :: *}; rest=${rest#* :: }
	repl=${rest%% :: *}; why=${rest#* :: }
	cp "$SCRATCH/$file" "$SCRATCH/orig.c"
	status="" by=""
	if ! apply "$file" "$text" "$repl"; then
		status=invalid by="text not found exactly once"
	fi
	if [ -z "$status" ]; then
		for t in $SUITES $REPLAYS; do
			if ! build "$t"; then
				status=invalid by="does not compile"
				break
			fi
			if ! run_check "$t"; then
				status=killed by=$t
				break
			fi
		done
	fi
	if [ -z "$status" ]; then
		case $why in
		equivalent:*) status=equivalent ;;
		*) status=SURVIVED ;;
		esac
	fi
	case $status in
	killed) killed=$((killed + 1)) ;;
	SURVIVED) survived=$((survived + 1)) ;;
	equivalent) equivalent=$((equivalent + 1)) ;;
	invalid) invalid=$((invalid + 1)) ;;
	esac
	cp "$SCRATCH/orig.c" "$SCRATCH/$file"
	printf '%3d %-10s %-22s %s: %s\n' "$n" "$status" "${by:--}" \
		"${file#framing/src/}" "$why"
	ROWS="$ROWS| $n | \`${file#framing/src/}\` | $why | $status | ${by:--} |
"
done <"$LIST"
ELAPSED=$(($(date +%s) - START))

echo "mutants: $n, killed $killed, survived $survived," \
	"equivalent $equivalent, invalid $invalid ($ELAPSED s)"
if [ -n "$REPORT" ]; then
	{
		echo "| # | file | mutant | result | killed by |"
		echo "|---:|---|---|---|---|"
		printf '%s' "$ROWS"
		echo
		echo "$n mutants: $killed killed, $survived survived," \
			"$equivalent equivalent, $invalid invalid ($ELAPSED s)."
	} >"$REPORT"
	fz_log "table written to $REPORT"
fi
[ "$survived" -eq 0 ] && [ "$invalid" -eq 0 ]
