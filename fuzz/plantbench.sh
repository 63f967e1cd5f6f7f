#!/usr/bin/env bash
# fuzz/plantbench.sh: how fast do the fuzzers find each planted bug
# (fuzz/planted/bugs.cmake)? Median time and executions to the first crash
# over N seeds, without and with the structure-aware mutator
# (fuzz/mutator/), for libFuzzer and AFL++; writes a markdown table.
set -euo pipefail
FZ_PROG=plantbench
. "$(dirname "$0")/lib.sh"

ENGINES=libfuzzer
BUGS=all
SEEDS=5
CAP=60
OUT=""
BUILD=1
WORK=""

usage() {
	cat <<USAGE
usage: fuzz/plantbench.sh [--engine libfuzzer|afl|both] [--bugs all|LIST]
                          [--seeds N] [--cap SECONDS] [--out FILE.md]
                          [--work DIR] [--no-build]
For each planted bug in LIST (default all of fuzz/planted/bugs.cmake) and
each engine, fuzz the planted target from an empty corpus with seeds
1..N (default $SEEDS), each run capped at SECONDS (default $CAP), once
with the engine's own mutations and once with fuzz/mutator/ (libFuzzer:
planted_<bug>_mut; AFL++: AFL_CUSTOM_MUTATOR_LIBRARY=fraglab-mutator.so).
Reports per bug and variant how many runs found it and the median wall
CPU time and executions to the first crash (a run that finds nothing counts
as above the cap; a median above the cap is 'not found'). Builds in
build/plantbench-* (the presets fuzz-libfuzzer-nosan and fuzz-afl with
-DFRAGLAB_PLANTED=ON; demo for the AFL++ library). Writes the table to
FILE.md (default WORK/table.md) and one line per run to WORK/runs.tsv.
USAGE
}

while [ $# -gt 0 ]; do
	case $1 in
	--engine) ENGINES=${2:?}; shift 2 ;;
	--bugs) BUGS=${2:?}; shift 2 ;;
	--seeds) SEEDS=${2:?}; shift 2 ;;
	--cap) CAP=${2:?}; shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	--work) WORK=${2:?}; shift 2 ;;
	--no-build) BUILD=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; fz_usage_error "unknown argument '$1'" ;;
	esac
done
case $ENGINES in
libfuzzer | afl) ;;
both) ENGINES="libfuzzer afl" ;;
*) fz_usage_error "--engine: libfuzzer, afl or both" ;;
esac
[[ $SEEDS =~ ^[1-9][0-9]*$ ]] || fz_usage_error "--seeds: a positive number"
[[ $CAP =~ ^[1-9][0-9]*$ ]] ||
	fz_usage_error "--cap: seconds, a positive integer"

TABLE=$FZ_ROOT/fuzz/planted/bugs.cmake
ALL_BUGS=$(sed -n 's/^fp_bug(\([a-z0-9_]*\) .*/\1/p' "$TABLE")
if [ "$BUGS" = all ]; then
	BUGS=$ALL_BUGS
else
	BUGS=${BUGS//,/ }
	for b in $BUGS; do
		grep -qx "$b" <<<"$ALL_BUGS" || fz_usage_error "unknown bug '$b'"
	done
fi
bug_target() { sed -n "s/^fp_bug($1 \([a-z0-9_]*\) .*/\1/p" "$TABLE"; }

WORK=${WORK:-$FZ_ROOT/build/plantbench}
OUT=${OUT:-$WORK/table.md}
mkdir -p "$WORK"
LF_DIR=$FZ_ROOT/build/plantbench-lf
AFL_DIR=$FZ_ROOT/build/plantbench-afl
SO_DIR=$FZ_ROOT/build/plantbench-so
trap 'fz_cleanup' EXIT INT TERM

# Configure + build with FRAGLAB_PLANTED=ON (fz_build spells no flags;
# this one extra cache entry is the planted set's switch).
pb_build() {
	local preset=$1 dir=$2
	shift 2
	mkdir -p "$dir"
	(cd "$FZ_ROOT" && cmake --preset "$preset" -B "$dir" \
		-DFRAGLAB_PLANTED=ON) >"$dir/pb-configure.log" 2>&1 ||
		{ tail -30 "$dir/pb-configure.log" >&2; fz_die "configure $preset failed"; }
	cmake --build "$dir" -j "${FZ_BUILD_JOBS:-2}" --target "$@" \
		>"$dir/pb-build.log" 2>&1 ||
		{ tail -30 "$dir/pb-build.log" >&2; fz_die "build in $dir failed"; }
}

if [ "$BUILD" = 1 ]; then
	for e in $ENGINES; do
		t=""
		for b in $BUGS; do
			t="$t planted_$b"
			[ "$e" = libfuzzer ] && t="$t planted_${b}_mut"
		done
		fz_log "building $e planted targets"
		# shellcheck disable=SC2086
		if [ "$e" = libfuzzer ]; then
			pb_build fuzz-libfuzzer-nosan "$LF_DIR" $t
		else
			pb_build fuzz-afl "$AFL_DIR" $t
			(cd "$FZ_ROOT" && cmake --preset demo -B "$SO_DIR") \
				>"$WORK/so-configure.log" 2>&1 ||
				fz_die "configure of the mutator library failed"
			cmake --build "$SO_DIR" --target fraglab-mutator \
				>"$WORK/so-build.log" 2>&1 ||
				fz_die "build of fraglab-mutator.so failed"
		fi
	done
fi

# Run a command; write its CPU seconds (user + system, children
# included) to file $1. CPU time, not wall time: the machine is shared,
# and libFuzzer spends seconds of wall time symbolising a crash's stack.
cpu_time() {
	local f=$1 rc=0
	shift
	/usr/bin/time -f '%U %S' -o "$f.raw" "$@" || rc=$?
	awk 'END { printf "%.2f\n", $1 + $2 }' "$f.raw" >"$f"
	return "$rc"
}

# One libFuzzer run: prints "found seconds execs".
run_libfuzzer() {
	local bin=$1 seed=$2 d
	d=$(mktemp -d "$WORK/run.XXXXXX")
	mkdir "$d/corpus"
	local rc=0
	cpu_time "$d/time" timeout -k 5 $((CAP + 30)) "$bin" -seed="$seed" \
		-max_total_time="$CAP" -print_final_stats=1 -max_len=4096 \
		-artifact_prefix="$d/" "$d/corpus" >"$d/log" 2>&1 || rc=$?
	local execs found=0
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log" |
		tail -1)
	compgen -G "$d/crash-*" >/dev/null && found=1
	printf '%s %s %s\n' "$found" "$(cat "$d/time")" "${execs:-0}"
	[ "$found" = 1 ] || [ "$rc" = 0 ] ||
		fz_log "$(basename "$bin") seed $seed: exit $rc without a crash file"
	rm -rf "$d"
}

# One AFL++ run (stops at the first crash): prints "found seconds execs".
run_afl() {
	local bin=$1 seed=$2 mut=$3 target=$4 d
	d=$(mktemp -d "$WORK/run.XXXXXX")
	mkdir "$d/in"
	printf '\0' >"$d/in/seed" # all choices lowest: an empty input
	local rc=0 env=()
	if [ "$mut" = 1 ]; then
		env=(AFL_CUSTOM_MUTATOR_LIBRARY="$SO_DIR/bin/fraglab-mutator.so"
			FRAGLAB_MUTATOR_TARGET="$target")
	fi
	cpu_time "$d/time" env "${env[@]}" AFL_BENCH_UNTIL_CRASH=1 AFL_NO_UI=1 \
		AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_ALLOW_TMP=1 \
		AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
		timeout -k 5 $((CAP + 30)) afl-fuzz -i "$d/in" -o "$d/out" \
		-V "$CAP" -s "$seed" -- "$bin" >"$d/log" 2>&1 || rc=$?
	local execs found=0
	execs=$(sed -n 's/^execs_done *: *//p' "$d/out/default/fuzzer_stats" \
		2>/dev/null || true)
	compgen -G "$d/out/default/crashes/id:*" >/dev/null && found=1
	printf '%s %s %s\n' "$found" "$(cat "$d/time")" "${execs:-0}"
	[ "$found" = 1 ] || [ "$rc" = 0 ] ||
		fz_log "$(basename "$bin") seed $seed: afl-fuzz exit $rc"
	rm -rf "$d"
}

# Median of the runs in file $1 (lines "found seconds execs"): prints
# "k/N median_seconds median_execs", the medians "-" when over the cap.
median() {
	local n k m t x
	n=$(wc -l <"$1")
	k=$(awk '{ f += $1 } END { print f + 0 }' "$1")
	m=$(((n + 1) / 2))
	t=$(awk '{ print ($1 ? $2 : "inf") }' "$1" | sort -g | sed -n "${m}p")
	x=$(awk '{ print ($1 ? $3 : "inf") }' "$1" | sort -g | sed -n "${m}p")
	if [ "$t" = inf ]; then
		echo "$k/$n - -"
	else
		printf '%s/%s %.2f %s\n' "$k" "$n" "$t" "$x"
	fi
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

# "yes" if median $1 (mutator) is below median $2 (plain), "same" if
# equal; "-" is above the cap.
less() {
	if [ "$1" = - ]; then
		echo no
	elif [ "$1" = "$2" ]; then
		echo same
	elif [ "$2" = - ] || awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'
	then
		echo yes
	else
		echo no
	fi
}
RUNS=$WORK/runs.tsv
: >"$RUNS"
LOAD0=$(load)
START=$(date -u +%FT%TZ)
ROWS=""
for e in $ENGINES; do
	for b in $BUGS; do
		target=$(bug_target "$b")
		res=""
		for mut in 0 1; do
			f=$WORK/$e-$b-$mut.txt
			: >"$f"
			for s in $(seq 1 "$SEEDS"); do
				if [ "$e" = libfuzzer ]; then
					bin=$LF_DIR/bin/planted_$b
					[ "$mut" = 1 ] && bin=${bin}_mut
					r=$(run_libfuzzer "$bin" "$s")
				else
					r=$(run_afl "$AFL_DIR/bin/planted_$b" "$s" \
						"$mut" "$target")
				fi
				echo "$r" >>"$f"
				printf '%s\t%s\t%s\t%s\t%s\n' "$e" "$b" "$mut" "$s" \
					"${r// /	}" >>"$RUNS"
			done
			res="$res $(median "$f")"
		done
		# shellcheck disable=SC2086
		set -- $res
		row="| $b | $target | $e | $1 | $2 | $3 | $4 | $5 | $6 |"
		row="$row $(less "$5" "$2") | $(less "$6" "$3") |"
		ROWS="$ROWS$row"$'\n'
		fz_log "$row"
	done
done
{
	echo "Planted bugs, $SEEDS seeds, cap ${CAP}s, empty corpus;" \
		"started $START on $(nproc) cores,"
	echo "load average $LOAD0 at the start, $(load) at the end." \
		"Times: median CPU seconds to the first crash."
	echo
	printf '| bug | target | engine | plain found | plain s | plain execs'
	printf ' | mutator found | mutator s | mutator execs | less CPU'
	printf ' | fewer execs |\n'
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	printf '%s' "$ROWS"
} >"$OUT"
fz_log "table in $OUT"
