# fuzz/nightly-afl.sh: the AFL++ engine of fuzz/nightly.sh (sourced): per
# target a main instance with CMPLOG, an ASan instance and plain
# secondaries; their figures and crashes, afl-tmin and afl-cmin.
# shellcheck shell=bash

# afl-fuzz sets ASan's options itself (it refuses ours: symbolize=1).
NL_AFL_ENV=(env -u ASAN_OPTIONS -u UBSAN_OPTIONS AFL_SKIP_CPUFREQ=1
	AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
	AFL_ALLOW_TMP=1)

# Plain, CMPLOG and ASan AFL++ builds, and the ASan replay build that
# triages crashes and is the reproduce command.
nl_afl_build() {
	command -v afl-fuzz >/dev/null || nl_fail "--engine afl: afl-fuzz not installed"
	(fz_build fuzz-afl "$BUILD-afl") &&
		(AFL_LLVM_CMPLOG=1 fz_build fuzz-afl "$BUILD-afl-cmplog") &&
		(AFL_USE_ASAN=1 fz_build fuzz-afl "$BUILD-afl-asan") &&
		(fz_build fuzz-replay "$BUILD-replay") &&
		nl_afl_mutator_build
}

# fraglab-mutator.so, built by the plain compiler (afl-fuzz dlopen()s it).
nl_afl_mutator_build() {
	[ "$MUTATOR" = on ] || return 0
	(FZ_TARGETS=fraglab-mutator FZ_CMAKE_ARGS="" fz_build default \
		"$BUILD-mutator")
}

# The environment afl-fuzz needs to load the mutator for target $1, if
# the mutator is on and understands that target's input layout.
nl_afl_mutator_env() {
	[ "$MUTATOR" = on ] || return 0
	case $1 in
	split_* | roundtrip_* | server_echo)
		printf 'AFL_CUSTOM_MUTATOR_LIBRARY=%q FRAGLAB_MUTATOR_TARGET=%q ' \
			"$BUILD-mutator/bin/fraglab-mutator.so" "$1" ;;
	esac
}

# Start CORES[t] instances in one process group: one core: the main
# instance runs the ASan binary with CMPLOG; more: main (plain + CMPLOG),
# one ASan secondary, the rest plain secondaries.
nl_afl_start() {
	local t=$1 secs=$2 w=$OUT/$1 k=${CORES[$1]} i d args=()
	local plain=$BUILD-afl/bin/$t cmplog=$BUILD-afl-cmplog/bin/$t
	local asan=$BUILD-afl-asan/bin/$t role bin
	mkdir -p "$w/seeds"
	for d in "${CORPUS[$t]}" ${SEEDS[$t]}; do
		[ -d "$d" ] && find "$d" -maxdepth 1 -type f -exec cp -t "$w/seeds" {} +
	done
	[ "$(fz_count "$w/seeds")" -gt 0 ] || printf 'seed' >"$w/seeds/empty"
	[ -n "${DICT[$t]}" ] && args+=(-x "${DICT[$t]}")
	{
		echo "# the AFL++ instances of $t (fuzz/nightly-afl.sh)"
		for i in $(seq 0 $((k - 1))); do
			case $i in
			0) role="-M main -c $(printf %q "$cmplog")" bin=$plain
			   [ "$k" = 1 ] && bin=$asan ;;
			1) role="-S asan" bin=$asan ;;
			*) role="-S sec$i" bin=$plain ;;
			esac
			printf '%safl-fuzz %s %s -i %q -o %q -V %s -t 1000 -- %q >%q 2>&1 &\n' \
				"$(nl_afl_mutator_env "$t")" \
				"$role" "${args[*]+$(printf '%q ' "${args[@]}")}" \
				"$w/seeds" "$w/afl" "$secs" "$bin" "$w/afl-$i.log"
		done
		echo wait
	} >"$w/run-afl.sh"
	nl_meta "$t" fuzz_seconds "$secs"
	nl_meta "$t" started "$(nl_now)"
	(cd "$w" && exec "${NL_AFL_ENV[@]}" setsid bash "$w/run-afl.sh") \
		>"$w/log" 2>&1 &
	PID_OF[$t]=$!
	NL_GROUPS="$NL_GROUPS $!"
}

# "execs cov ft corp" from the instances' fuzzer_stats: executions summed,
# edges of the instance that found most, no features, the main queue.
nl_afl_figures() {
	local f=("$OUT/$1"/afl/*/fuzzer_stats)
	[ -f "${f[0]}" ] || { echo 0 0 0 0; return; }
	awk -F' *: *' '
		/^execs_done/ { e += $2 }
		/^edges_found/ { if ($2 > c) c = $2 }
		/^corpus_count/ && FILENAME ~ /\/main\// { k = $2 }
		END { print e + 0, c + 0, 0, k + 0 }' "${f[@]}"
}

# AFL++ forkservers call setsid(), so their groups are outside ours; a
# persistent-mode child stopped (SIGSTOP) between inputs outlived its
# CMPLOG forkserver after a run. Note the forkservers' groups while they
# run (OUT/T/afl-groups) to kill what is left of them at the end.
nl_afl_track() {
	local t=$1 a f g
	for a in $(pgrep -P "${PID_OF[$t]}" 2>/dev/null); do
		for f in $(pgrep -P "$a" 2>/dev/null); do
			g=$(ps -o pgid= -p "$f" 2>/dev/null | tr -d ' ')
			[ -n "$g" ] && [ "$g" != "${PID_OF[$t]}" ] &&
				echo "$g" >>"$OUT/$t/afl-groups"
		done
	done
	return 0
}

nl_afl_reap() {
	local g
	[ -f "$OUT/$1/afl-groups" ] || return 0
	for g in $(sort -u "$OUT/$1/afl-groups"); do
		kill -KILL -- "-$g" 2>/dev/null || true
	done
}

nl_afl_crash_count() {
	find "$OUT/$1/afl" -path '*/crashes/id:*' -type f 2>/dev/null | wc -l
}

# Crashes of every instance into OUT/T/crashes/<instance>-<hash>.
nl_afl_collect() {
	local t=$1 f inst
	find "$OUT/$t/afl" -path '*/crashes/id:*' -type f 2>/dev/null |
		while IFS= read -r f; do
			inst=$(basename "$(dirname "$(dirname "$f")")")
			cp -p "$f" "$OUT/$t/crashes/$inst-$(sha1sum <"$f" | cut -c1-16)"
		done
}

# afl-tmin with the ASan build (the crash may need ASan to show).
nl_afl_minimise() {
	local t=$1 in=$2 out=$3 secs=$4
	timeout -k 2 "$secs" "${NL_AFL_ENV[@]}" afl-tmin -i "$in" -o "$out" \
		-t 1000 -- "$BUILD-afl-asan/bin/$t"
}

# afl-cmin over the corpus and every instance's queue; what is not yet in
# the corpus is added under its SHA-1. Prints afl-cmin's status.
nl_afl_merge() {
	local t=$1 secs=$2 w=$OUT/$1 f h rc=0
	rm -rf "$w/cmin-in" "$w/cmin-out"
	mkdir -p "$w/cmin-in"
	find "${CORPUS[$t]}" "$w"/afl/*/queue -maxdepth 1 -type f \
		-exec cp -t "$w/cmin-in" --backup=numbered {} + 2>/dev/null || true
	timeout -k 2 "$secs" "${NL_AFL_ENV[@]}" afl-cmin -i "$w/cmin-in" \
		-o "$w/cmin-out" -- "$BUILD-afl/bin/$t" >"$w/merge.log" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		# one sha1sum per directory: one per file took 20 s here
		declare -A have=()
		while read -r h f; do
			have[$h]=1
		done < <(find "${CORPUS[$t]}" -maxdepth 1 -type f \
			-exec sha1sum {} + 2>/dev/null)
		while read -r h f; do
			[ -n "${have[$h]:-}" ] || cp "$f" "${CORPUS[$t]}/$h"
			have[$h]=1
		done < <(find "$w/cmin-out" -maxdepth 1 -type f \
			-exec sha1sum {} + 2>/dev/null)
	fi
	return "$rc"
}
