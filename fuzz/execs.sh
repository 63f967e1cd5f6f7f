#!/usr/bin/env bash
# fuzz/execs.sh: measure execs/s of every target, one core each, under
# libFuzzer without sanitizers (-fsanitize=fuzzer only) and AFL++ in
# persistent mode; prints a markdown table for docs/fuzzing.md.
set -euo pipefail
FZ_PROG=execs
. "$(dirname "$0")/lib.sh"

TIME=10
TARGETS=all
ENGINES="libfuzzer afl"

usage() {
	cat <<USAGE
usage: fuzz/execs.sh [--time SECONDS] [--targets all|LIST] [--engines "libfuzzer afl"]
Run each target for SECONDS (default $TIME) from its seed corpus on one
core per engine and print | target | libFuzzer execs/s | AFL++ execs/s |.
Numbers depend on the machine and its load: quote them with both.
USAGE
}

while [ $# -gt 0 ]; do
	case $1 in
	--time) TIME=${2:?}; shift 2 ;;
	--targets) TARGETS=${2:?}; shift 2 ;;
	--engines) ENGINES=${2:?}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; fz_usage_error "unknown argument '$1'" ;;
	esac
done
FZ_TARGETS=$(fz_targets "$TARGETS" | tr '\n' ' ')
WORK=$FZ_ROOT/build/execs
mkdir -p "$WORK"
trap fz_cleanup EXIT INT TERM
for e in $ENGINES; do
	case $e in
	libfuzzer) fz_build fuzz-libfuzzer-nosan "$WORK/libfuzzer" ;;
	afl) fz_build fuzz-afl "$WORK/afl" ;;
	*) fz_usage_error "unknown engine '$e'" ;;
	esac
done

# Prints "wall-clock-rate per-CPU-second-rate": the second one does not
# depend on how loaded the machine is.
rate_libfuzzer() {
	local t=$1 d=$WORK/run/lf-$1 runs cpu
	rm -rf "$d" && mkdir -p "$d/new"
	/usr/bin/time -f '%U %S' -o "$d/cpu" "$WORK/libfuzzer/bin/$t" \
		-max_total_time="$TIME" -seed=1 -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$d/" \
		"$d/new" "$FZ_ROOT/corpus/$t" >"$d/log" 2>&1 || true
	runs=$(grep -o 'number_of_executed_units: *[0-9]*' "$d/log" | awk '{print $2}')
	cpu=$(tail -1 "$d/cpu" | awk '{print $1 + $2}' || echo 0)
	printf '%s %s\n' \
		"$(grep -o 'average_exec_per_sec: *[0-9]*' "$d/log" | awk '{print $2}')" \
		"$(awk -v r="${runs:-0}" -v c="${cpu:-0}" 'BEGIN {if (c > 0) printf "%.0f", r / c; else print "?"}')"
}

rate_afl() {
	local t=$1 d=$WORK/run/afl-$1
	rm -rf "$d" && mkdir -p "$d"
	AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
		afl-fuzz -i "$FZ_ROOT/corpus/$t" -o "$d/out" -V "$TIME" -- \
		"$WORK/afl/bin/$t" >"$d/log" 2>&1 || true
	awk -F' *: *' '/^execs_per_sec/ {print int($2)}' "$d/out/default/fuzzer_stats" 2>/dev/null
}

printf '| target | libFuzzer execs/s (wall) | libFuzzer execs per CPU-second | AFL++ persistent execs/s (wall) |\n|---|---:|---:|---:|\n'
for t in $FZ_TARGETS; do
	lf="- -"; afl=-
	case " $ENGINES " in *" libfuzzer "*) lf=$(rate_libfuzzer "$t") ;; esac
	case " $ENGINES " in *" afl "*) afl=$(rate_afl "$t") ;; esac
	note=""
	ls "$WORK/run/lf-$t"/crash-* >/dev/null 2>&1 && note=" (found a crash)"
	printf '| %s%s | %s | %s | %s |\n' "$t" "$note" "${lf%% *}" "${lf##* }" "${afl:-?}"
done
fz_log "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)"
