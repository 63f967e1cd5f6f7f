#!/usr/bin/env bash
# fuzz/campaign.sh: a fuzzing campaign on one machine with every core:
# libFuzzer (-fork=N) or AFL++ (one -M and N-1 -S, one of them CMPLOG),
# each target for its share of the time; merges new inputs into corpus/,
# de-duplicates crashes by stack, writes a summary (and afl-plot graphs).
set -euo pipefail
FZ_PROG=campaign
. "$(dirname "$0")/lib.sh"

ENGINE=libfuzzer
TARGETS=all
DURATION=10m
JOBS=$(nproc)
OUT=""
MERGE=1

usage() {
	cat <<USAGE
usage: fuzz/campaign.sh [--engine libfuzzer|afl] [--targets all|LIST]
                        [--time DURATION] [--jobs N] [--out DIR] [--no-merge]
       fuzz/campaign.sh --nightly [fuzz/nightly.sh options, e.g. --budget 8h]
Fuzz every target in LIST (default all) for its share of DURATION (e.g.
90s, 30m, 8h; default $DURATION) on N cores (default: all, $JOBS).
Afterwards new coverage-increasing inputs are minimised into
corpus/<target>/ (libFuzzer -merge=1 / afl-cmin; --no-merge skips),
crashes are grouped by the top of their ASan stack, and DIR/summary.txt
lists execs/s, coverage, new inputs, unique crashes and what the merge
did per target. A merge that fails is named in the summary and makes the
campaign exit 1. DIR defaults to build/campaign/<engine>-<date>; afl-cmin
refuses directories under /tmp or /var/tmp unless AFL_ALLOW_TMP is set,
which this script sets for it (every directory it hands afl-cmin is its
own), so a clone under /tmp merges too.
Ctrl-C stops cleanly. --nightly runs fuzz/nightly.sh with the other
arguments instead: one wall-time budget for all targets, crashes checked
against the known ones, summary.md/summary.json and plots, exit 1 exactly
on a new crash (fuzz/nightly.sh --help).
For many machines: run AFL++ -S instances elsewhere on a shared -o dir,
or use the ClusterFuzzLite setup (.clusterfuzzlite/, docs/fuzzing.md).
USAGE
}

for a in "$@"; do
	if [ "$a" = --nightly ]; then
		nightly=()
		for b in "$@"; do [ "$b" = --nightly ] || nightly+=("$b"); done
		exec "$FZ_ROOT/fuzz/nightly.sh" ${nightly[@]+"${nightly[@]}"}
	fi
done
while [ $# -gt 0 ]; do
	case $1 in
	--engine) ENGINE=${2:?}; shift 2 ;;
	--targets) TARGETS=${2:?}; shift 2 ;;
	--time) DURATION=${2:?}; shift 2 ;;
	--jobs) JOBS=${2:?}; shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	--no-merge) MERGE=0; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; fz_usage_error "unknown argument '$1'" ;;
	esac
done
case $ENGINE in libfuzzer | afl) ;; *) fz_usage_error "--engine: libfuzzer or afl" ;; esac
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || fz_usage_error "--jobs: a positive number"
TOTAL=$(fz_seconds "$DURATION")
[[ $TOTAL =~ ^[1-9][0-9]*$ ]] || fz_usage_error "--time: like 90s, 30m or 2h"
FZ_TARGETS=$(fz_targets "$TARGETS" | tr '\n' ' ')
NT=$(echo "$FZ_TARGETS" | wc -w)
SHARE=$((TOTAL / NT))
[ "$SHARE" -ge 5 ] || SHARE=5
OUT=${OUT:-$FZ_ROOT/build/campaign/$ENGINE-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
trap fz_cleanup EXIT
trap 'fz_log "interrupted"; fz_cleanup; exit 130' INT TERM

BUILD=$FZ_ROOT/build/campaign-$ENGINE
REPLAY=$FZ_ROOT/build/campaign-replay
FZ_TARGETS_ALL=$FZ_TARGETS
fz_build "fuzz-$ENGINE" "$BUILD"
if [ "$ENGINE" = afl ]; then
	fz_log "building the CMPLOG variant"
	AFL_LLVM_CMPLOG=1 fz_build fuzz-afl "$BUILD-cmplog"
fi
# Crash triage runs the plain replay driver under ASan+UBSan.
FZ_TARGETS=$FZ_TARGETS_ALL fz_build fuzz-replay "$REPLAY"
FZ_TARGETS=$FZ_TARGETS_ALL

# What the merge step did, per target: "merged", "skipped (--no-merge)" or
# "FAILED (see LOG)"; MERGE_FAILED lists the failed ones.
declare -A MERGE_RESULT=()
MERGE_FAILED=""
merge_failed() {
	MERGE_RESULT[$1]="FAILED (see $2)"
	MERGE_FAILED="$MERGE_FAILED $1"
	fz_log "$1: MERGE FAILED, corpus/$1 not updated (see $2)"
}

# AFL++: executions per second of all instances of a target together, each
# as execs_done / run_time of its fuzzer_stats. (The file's own
# execs_per_sec is divided by a near-zero time when AFL++ writes it early
# in a run: progress lines once said 1110000 where the rate was 34065.)
afl_rate() {
	awk -F' *: *' '
		FNR == 1 { if (t > 0) s += e / t; e = 0; t = 0 }
		/^execs_done/ { e = $2 }
		/^run_time/ { t = $2 }
		END { if (t > 0) s += e / t; if (s > 0) printf "%d", s; else printf "?" }' \
		"$1"/afl/*/fuzzer_stats 2>/dev/null || printf '?'
}

# Wait for PID while printing progress every 15 s.
watch_progress() {
	local pid=$1 t=$2 start=$SECONDS
	while kill -0 "$pid" 2>/dev/null; do
		sleep 15 & wait $! || true
		kill -0 "$pid" 2>/dev/null || break
		fz_log "$t: $((SECONDS - start))/$SHARE s, $(progress "$t")"
	done
	wait "$pid" || true
}

progress() {
	local t=$1 w=$OUT/$t
	if [ "$ENGINE" = libfuzzer ]; then
		# the fork-mode parent's lines only: the jobs' own logs
		# (fuzz-*.log) give one job's rate, not the target's
		grep -o 'cov: [0-9]* .*exec/s:\? [0-9]*' "$w"/log 2>/dev/null |
			tail -1 | sed 's/ ft:.*exec/ exec/' || true
	else
		printf 'execs_per_sec=%s (all instances) ' "$(afl_rate "$w")"
		awk -F' *: *' '/^(edges_found|saved_crashes)/ {printf "%s=%s ", $1, $2}' \
			"$w/afl/main/fuzzer_stats" 2>/dev/null || true
	fi
}

run_libfuzzer() {
	local t=$1 w=$OUT/$1 bin=$BUILD/bin/$1 dict args=() seeds
	mkdir -p "$w/new" "$w/crashes"
	mapfile -t seeds < <(fz_seed_dirs "$t")
	dict=$(fz_dict_for "$t")
	[ -n "$dict" ] && args+=("-dict=$dict")
	(cd "$w" && exec "$bin" -fork="$JOBS" -ignore_crashes=1 \
		-max_total_time="$SHARE" -max_len=4096 -timeout=10 \
		-print_final_stats=1 "${args[@]}" -artifact_prefix="$w/crashes/" \
		"$w/new" "${seeds[@]}") \
		>"$w/log" 2>&1 &
	FZ_PIDS="$FZ_PIDS $!"
	watch_progress $! "$t"
	if [ "$MERGE" = 0 ]; then
		MERGE_RESULT[$t]="skipped (--no-merge)"
	elif "$bin" -merge=1 "$FZ_ROOT/corpus/$t" "$w/new" >"$w/merge.log" 2>&1; then
		MERGE_RESULT[$t]=merged
	else
		merge_failed "$t" "$w/merge.log"
	fi
}

run_afl() {
	local t=$1 w=$OUT/$1 bin=$BUILD/bin/$1 dict args=() i pids=""
	mkdir -p "$w/crashes" "$w/seeds"
	cp "$FZ_ROOT/corpus/$t"/* "$FZ_ROOT/corpus/regressions/$t"/* "$w/seeds/" 2>/dev/null || true
	[ "$(fz_count "$w/seeds")" -gt 0 ] || printf 'seed' >"$w/seeds/empty"
	dict=$(fz_dict_for "$t")
	[ -n "$dict" ] && args+=(-x "$dict")
	export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
	for i in $(seq 0 $((JOBS - 1))); do
		local role=(-S "sec$i") extra=()
		[ "$i" = 0 ] && role=(-M main)
		[ "$i" = 1 ] && extra=(-c "$BUILD-cmplog/bin/$t")
		afl-fuzz "${role[@]}" "${extra[@]}" "${args[@]}" -i "$w/seeds" \
			-o "$w/afl" -V "$SHARE" -t 1000 -- "$bin" \
			>"$w/afl-$i.log" 2>&1 &
		pids="$pids $!"
		FZ_PIDS="$FZ_PIDS $!"
	done
	for i in $pids; do watch_progress "$i" "$t"; done
	cp "$w"/afl/*/crashes/id:* "$w/crashes/" 2>/dev/null || true
	command -v afl-plot >/dev/null && afl-plot "$w/afl/main" "$w/plot" >/dev/null 2>&1 || true
	if [ "$MERGE" = 0 ]; then
		MERGE_RESULT[$t]="skipped (--no-merge)"
	elif AFL_ALLOW_TMP=1 afl-cmin -i "$w/afl/main/queue" -o "$w/min" \
		-- "$bin" >"$w/cmin.log" 2>&1; then
		for f in "$w"/min/*; do
			if [ -f "$f" ]; then
				cp "$f" "$FZ_ROOT/corpus/$t/$(sha1sum "$f" | cut -c1-40)"
			fi
		done
		MERGE_RESULT[$t]=merged
	else
		merge_failed "$t" "$w/cmin.log"
	fi
}

# Group crashes by the first three fraglab frames of their ASan stack.
triage() {
	local t=$1 w=$OUT/$1 f sig
	: >"$w/crash-signatures.txt"
	for f in "$w"/crashes/*; do
		[ -f "$f" ] || continue
		sig=$(ASAN_OPTIONS=handle_abort=1:symbolize=1 UBSAN_OPTIONS=print_stacktrace=1 \
			"$REPLAY/bin/$t" "$f" 2>&1 | grep -E '^ +#[0-9]+ ' |
			grep -vE 'abort|raise|pthread_kill|__sanitizer|libc\.so|fz_die' |
			awk '{print $4}' | head -3 | paste -sd' ' -)
		printf '%s\t%s\n' "${sig:-unknown}" "$f" >>"$w/crash-signatures.txt"
	done
	cut -f1 "$w/crash-signatures.txt" | sort -u | grep -c . || true
}

summary_line() {
	local t=$1 w=$OUT/$1 before=$2 rate cov uniq
	if [ "$ENGINE" = libfuzzer ]; then
		rate=$(grep -o 'exec/s:\? [0-9]*' "$w/log" | tail -1 | awk '{print $2}' || true)
		cov=$(grep -o 'cov: [0-9]*' "$w/log" | tail -1 | cut -d' ' -f2 || true)
	else
		rate=$(afl_rate "$w")
		cov=$(awk -F' *: *' '/^edges_found/ {print $2}' "$w/afl/main/fuzzer_stats" 2>/dev/null || true)
	fi
	uniq=$(triage "$t")
	printf '%-22s %10s %8s %6s %6s  %s\n' "$t" "${rate:-?}" "${cov:-?}" \
		"$(($(fz_count "$FZ_ROOT/corpus/$t") - before))" "${uniq:-0}" \
		"${MERGE_RESULT[$t]:-?}"
}

fz_log "$ENGINE campaign: $NT targets x $SHARE s on $JOBS cores -> $OUT"
printf '%-22s %10s %8s %6s %6s  %s\n' target 'execs/s' coverage new crashes \
	merge >"$OUT/summary.txt"
for t in $FZ_TARGETS; do
	before=$(fz_count "$FZ_ROOT/corpus/$t")
	fz_log "$t: fuzzing for $SHARE s"
	"run_$ENGINE" "$t"
	summary_line "$t" "$before" | tee -a "$OUT/summary.txt"
done
if [ -n "$MERGE_FAILED" ]; then
	echo "merge FAILED for:$MERGE_FAILED (corpus/ not updated for them)" |
		tee -a "$OUT/summary.txt"
fi
fz_log "summary: $OUT/summary.txt (crash groups: $OUT/<target>/crash-signatures.txt)"
cat "$OUT/summary.txt"
[ -z "$MERGE_FAILED" ] || fz_die "merge failed for:$MERGE_FAILED"
