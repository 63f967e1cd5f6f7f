# fuzz/nightly-lib.sh: the steps of fuzz/nightly.sh (sourced, not run):
# outside targets, the core schedule, running a round with progress and a
# hard stop, crash triage by stack, minimisation, the corpus merge.
# shellcheck shell=bash

# The run itself failed (exit 3: 1 means a new crash).
nl_fail() {
	fz_log "$*"
	NL_DONE=1
	exit 3
}

# --target-bin NAME=PATH[,seeds=DIR][,dict=FILE][,corpus=DIR]
nl_parse_outside() {
	local spec=$1 name path rest kv
	name=${spec%%=*}
	rest=${spec#*=}
	path=${rest%%,*}
	[[ $spec == *=* && $name =~ ^[A-Za-z0-9_.-]+$ ]] ||
		fz_usage_error "--target-bin: NAME=PATH, not '$spec'"
	[ -z "${KIND[$name]:-}" ] ||
		fz_usage_error "--target-bin: target '$name' given twice"
	[ -x "$path" ] || fz_usage_error "--target-bin $name: '$path' is not executable"
	BIN[$name]=$(realpath "$path") KIND[$name]=outside SEEDS[$name]=""
	ENG[$name]=libfuzzer
	DICT[$name]="" CORPUS[$name]=""
	[ -z "$OUTSIDE_CORPUS" ] || CORPUS[$name]=$OUTSIDE_CORPUS/$name
	[[ $rest == *,* ]] || rest=""
	rest=${rest#*,}
	while [ -n "$rest" ]; do
		kv=${rest%%,*}
		case $kv in
		seeds=*) SEEDS[$name]=${kv#seeds=} ;;
		dict=*) DICT[$name]=${kv#dict=} ;;
		corpus=*) CORPUS[$name]=${kv#corpus=} ;;
		*) fz_usage_error "--target-bin $name: unknown option '$kv'" ;;
		esac
		[[ $rest == *,* ]] && rest=${rest#*,} || rest=""
	done
	[ -n "${CORPUS[$name]}" ] || fz_usage_error "--target-bin $name:" \
		"no corpus directory (corpus=DIR or --outside-corpus DIR)"
	[ -z "${DICT[$name]}" ] || [ -f "${DICT[$name]}" ] ||
		fz_usage_error "--target-bin $name: no dictionary '${DICT[$name]}'"
	ALL="$ALL $name"
}

# Record KEY=VALUE for target $1 (the last one wins).
nl_meta() { printf '%s=%s\n' "$2" "$3" >>"$OUT/$1/meta.env"; }
nl_now() { date +%s; }

# Targets $1 over $2 cores: NROUNDS rounds of at most N
# targets, all as long; in a round of n targets each gets N/n cores (the
# remainder to the first ones), so no core idles and every target gets
# the same wall time.
nl_schedule() {
	local all n=$2 i r cnt k
	read -r -a all <<<"$1"
	NROUNDS=$(((${#all[@]} + n - 1) / n))
	declare -gA ROUND=() CORES=()
	for i in "${!all[@]}"; do
		r=$((i / n))
		ROUND[${all[$i]}]=$r
		cnt=$((${#all[@]} - r * n))
		[ "$cnt" -le "$n" ] || cnt=$n
		k=$((n / cnt))
		[ $((i % n)) -lt $((n % cnt)) ] && k=$((k + 1))
		CORES[${all[$i]}]=$k
	done
	for t in "${all[@]}"; do
		mkdir -p "$OUT/$t/new" "$OUT/$t/crashes"
		: >"$OUT/$t/meta.env"
		: >"$OUT/$t/samples.tsv"
		nl_meta "$t" kind "${KIND[$t]}"
		nl_meta "$t" binary "${BIN[$t]}"
		nl_meta "$t" engine "${ENG[$t]}"
		nl_meta "$t" corpus "${CORPUS[$t]}"
		nl_meta "$t" cores "${CORES[$t]}"
		nl_meta "$t" round "${ROUND[$t]}"
		nl_meta "$t" corpus_before "$(fz_count "${CORPUS[$t]}")"
	done
}

nl_state_env() {
	printf 'ENGINE=%s\nSTART=%s\nBUDGET=%s\nFUZZ=%s\nJOBS=%s\n' \
		"$ENGINE" "$START" "$TOTAL" "$FUZZ" "$JOBS"
	printf 'ROUNDS=%s\nKNOWN=%s\nTARGETS=%s\nMERGE=%s\nMUTATOR=%s\n' \
		"$NROUNDS" "$KNOWN" "$ALL" "$MERGE" "$MUTATOR"
	printf 'ROOT=%s\n' "$FZ_ROOT"
}

# Fuzzers run in their own process group, so a stop reaches the fork-mode
# jobs too; NL_GROUPS holds the group leaders' PIDs.
NL_GROUPS=""
# A fork-mode job can outlive its parent (seen: stuck in libFuzzer's
# SIGTERM handler), so whatever is left of a group gets SIGKILL.
nl_cleanup() {
	local g t
	[ -n "$NL_GROUPS" ] || return 0
	for g in $NL_GROUPS; do kill -TERM -- "-$g" 2>/dev/null || true; done
	sleep 1
	for g in $NL_GROUPS; do kill -KILL -- "-$g" 2>/dev/null || true; done
	NL_GROUPS=""
	for t in $ALL; do
		[ "${ENG[$t]}" = libfuzzer ] || nl_afl_reap "$t"
	done
}

nl_start() {
	local t=$1 secs=$2 w=$OUT/$1 args=() d
	[ "${ENG[$t]}" = libfuzzer ] || { nl_afl_start "$t" "$secs"; return; }
	for d in "${CORPUS[$t]}" ${SEEDS[$t]}; do
		[ -d "$d" ] && args+=("$d")
	done
	[ -n "${DICT[$t]}" ] && args=("-dict=${DICT[$t]}" "${args[@]}")
	nl_meta "$t" fuzz_seconds "$secs"
	nl_meta "$t" started "$(nl_now)"
	mkdir -p "$w/tmp"
	(cd "$w" && TMPDIR=$w/tmp exec setsid "${BIN[$t]}" -fork="${CORES[$t]}" \
		-ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		-max_total_time="$secs" -max_len=4096 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$w/crashes/" "$w/new" "${args[@]}") \
		>"$w/log" 2>&1 &
	PID_OF[$t]=$!
	NL_GROUPS="$NL_GROUPS $!"
}

# The fork-mode parent's last "#N: cov: C ft: F corp: K ..." line ->
# "execs cov ft corp" (zeros before the first job ends).
nl_figures() {
	[ "${ENG[$1]}" = libfuzzer ] || { nl_afl_figures "$1"; return; }
	{ grep -a '^#[0-9]*: cov:' "$OUT/$1/log" 2>/dev/null || true; } |
		tail -1 |
		awk '{sub(":", "", $1); sub("#", "", $1);
		      print $1, $3, $5, $7} END {if (NR == 0) print 0, 0, 0, 0}'
}

nl_sample() {
	local t=$1 f
	[ "${ENG[$t]}" = libfuzzer ] || nl_afl_track "$t"
	f=$(nl_figures "$t")
	printf '%s %s %s\n' "$(($(nl_now) - START))" "$f" \
		"$(nl_crash_count "$t")" >>"$OUT/$t/samples.tsv"
}

nl_crash_count() {
	if [ "${ENG[$1]}" = libfuzzer ]; then
		fz_count "$OUT/$1/crashes"
	else
		nl_afl_crash_count "$1"
	fi
}

# Progress from the samples nl_sample has just taken (seconds, execs,
# cov, ft, corpus, crash files).
nl_progress() {
	local r=$1 line="" t e c k
	for t in $2; do
		read -r _ e c _ _ k < <(tail -n 1 "$OUT/$t/samples.tsv" 2>/dev/null ||
			echo 0 0 0 0 0 0)
		line="$line; $t ${e:-0} execs cov ${c:-0}, ${k:-0} crash files"
		# AFL++ rewrites fuzzer_stats about once a minute
		[ "${ENG[$t]}" = libfuzzer ] || line="$line (AFL++ stats as last written)"
	done
	fz_log "$(($(nl_now) - START))/$TOTAL s, round $((r + 1))/$NROUNDS${line}" \
		"(crashes are triaged at the end)"
}

# One round: start its targets, sample every few seconds, print progress,
# and stop them hard if they outlive the round.
nl_run_round() {
	local r=$1 t end now secs run="" alive every last=0 step stopped="" killed=""
	declare -gA PID_OF=()
	end=$((START + (r + 1) * FUZZ / NROUNDS))
	now=$(nl_now)
	secs=$((end - now))
	[ "$secs" -ge 1 ] || secs=1
	for t in $ALL; do
		[ "${ROUND[$t]}" = "$r" ] || continue
		nl_start "$t" "$secs"
		run="$run $t"
	done
	every=$((TOTAL / 40))
	[ "$every" -ge 5 ] || every=5
	[ "$every" -le 60 ] || every=60
	step=$((TOTAL / 400))
	[ "$step" -ge 1 ] || step=1
	[ "$step" -le 30 ] || step=30
	while :; do
		alive=0
		for t in $run; do
			kill -0 "${PID_OF[$t]}" 2>/dev/null && alive=1
		done
		[ "$alive" = 1 ] || break
		now=$(nl_now)
		if [ -z "$stopped" ] && [ $((end - now)) -lt "$step" ]; then
			sleep $((end > now ? end - now : 0))
		else
			sleep "$step"
		fi
		now=$(nl_now)
		for t in $run; do nl_sample "$t"; done
		if [ $((now - last)) -ge "$every" ]; then
			nl_progress "$r" "$run"
			last=$now
		fi
		if [ "$now" -ge "$end" ] && [ -z "$stopped" ]; then
			# libFuzzer's fork mode lets running jobs finish (up
			# to 300 s each): stop the whole group on time
			for t in $run; do nl_signal TERM "$t"; done
			stopped=$now
		elif [ -n "$stopped" ] && [ "$now" -ge $((stopped + GRACE)) ]; then
			for t in $run; do nl_signal KILL "$t"; done
			[ -n "$killed" ] ||
				echo "round $((r + 1)): fuzzers killed ${GRACE} s" \
					"after SIGTERM" >>"$OUT/notes.txt"
			killed=1
		fi
	done
	for t in $run; do
		wait "${PID_OF[$t]}" 2>/dev/null || true
		nl_meta "$t" stopped "$(nl_now)"
		nl_sample "$t"
		nl_signal KILL "$t" # the jobs left behind, if any
		if [ "${ENG[$t]}" = afl ]; then
			nl_afl_reap "$t"
			nl_afl_collect "$t"
		fi
	done
	NL_GROUPS=""
}

nl_signal() {
	kill "-$1" -- "-${PID_OF[$2]}" 2>/dev/null || true
}

# Seconds left before the deadline, at most $1.
nl_left() {
	local l=$((DEADLINE - $(nl_now)))
	[ "$l" -le "$1" ] || l=$1
	echo "$l"
}

# Replays need a symbolised stack whatever the caller's options say (the
# later settings win).
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}symbolize=1:handle_abort=1:detect_leaks=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1

# Replay input $2 of target $1 into log $3 and print its signature: the
# sanitizer's or libFuzzer's error kind and the top three frames that are
# not runtime, libc or fraglab's abort helper. "does-not-reproduce" when
# the replay passes; "timeout"/"oom" for those artifacts (not replayed).
# With $4 = raw: no symbolising (three times faster), and the kind with
# the module offsets of the top four frames in the target's own binary,
# to group files before one of each group is signed.
nl_signature() {
	local t=$1 f=$2 log=$3 raw=${4:-} secs until=$((DEADLINE + GRACE))
	case $(basename "$f") in
	timeout-*) echo timeout; return ;;
	oom-*) echo oom; return ;;
	esac
	# triage decides the exit status: signing may use the grace period,
	# the raw pass stops at the deadline to leave it that time
	[ -z "$raw" ] || until=$DEADLINE
	secs=$((until - $(nl_now)))
	[ "$secs" -le 20 ] || secs=20
	[ "$secs" -ge 2 ] || { echo "not-triaged"; return; }
	local rc=0 args=() opts=$ASAN_OPTIONS
	# libFuzzer binaries take options; the replay driver only files
	[ "${ENG[$t]}" = libfuzzer ] && args=(-timeout=10 -rss_limit_mb=2048)
	[ -z "$raw" ] || opts=$opts:symbolize=0
	ASAN_OPTIONS=$opts timeout -k 2 "$secs" "${BIN[$t]}" \
		${args[@]+"${args[@]}"} "$f" >"$log" 2>&1 || rc=$?
	case $rc in
	0) echo does-not-reproduce; return ;;
	124 | 137) echo not-triaged; return ;;
	esac
	awk -v raw="$raw" -v bin="(${BIN[$t]}+" '
	function keep(fn) {
		return fn != "" && fn !~ /^(__|fuzzer::|std::|abort$|raise$|fz_die$|main$|_start$|(m|c|re)alloc$|free$|operator)/
	}
	!kind && /ERROR: [A-Za-z]+: / {
		kind = $0; sub(/.*ERROR: [A-Za-z]+: /, "", kind)
		sub(/ (on|in|at) .*/, "", kind); sub(/ \(.*/, "", kind)
		gsub(/ /, "-", kind)
	}
	!kind && /runtime error: / { kind = "undefined-behavior" }
	raw && /^ +#[0-9]+ 0x/ && n < 4 && kind && index($3, bin) == 1 {
		sig = sig " " substr($3, length(bin)); n++
	}
	!raw && /^ +#[0-9]+ 0x/ && n < 3 && kind && $3 == "in" {
		fn = $4; sub(/\(.*/, "", fn)
		if (keep(fn)) { sig = sig " " fn; n++ }
	}
	END { if (!kind) kind = "crash"; print kind sig }' "$log"
}

# Group the crash files of $1 by signature into OUT/T/crashes.tsv:
# id, signature, status (new/known/flaky/untriaged), count, input,
# message. Every file (the first 100, oldest first) is replayed raw, then
# one file of each raw group is replayed symbolised and signs the group;
# $JOBS replays at a time.
nl_triage() {
	local t=$1 w=$OUT/$1 f n=0 key
	: >"$w/crashes.tsv"
	mkdir -p "$w/triage"
	while IFS= read -r f; do
		n=$((n + 1))
		if [ "$n" -gt 100 ]; then
			echo "$t: only the first 100 crash files were triaged" >>"$OUT/notes.txt"
			break
		fi
		(printf '%s\t%s\n' "$(nl_signature "$t" "$f" \
			"$w/triage/$(basename "$f").raw.log" raw)" "$f" \
			>"$w/triage/$(basename "$f").raw") &
		[ $((n % JOBS)) != 0 ] || wait
	done < <(ls -tr "$w"/crashes/ 2>/dev/null | sed "s|^|$w/crashes/|")
	wait
	cat "$w"/triage/*.raw 2>/dev/null >"$w/triage-raw.tsv" || true
	n=0
	while IFS=$'\t' read -r key f; do
		n=$((n + 1))
		(case $key in
		timeout | oom | does-not-reproduce | not-triaged) sig=$key ;;
		*) sig=$(nl_signature "$t" "$f" "$w/triage/$(basename "$f").log") ;;
		esac
		printf '%s\t%s\n' "$key" "$sig" >"$w/triage/$(basename "$f").sig") &
		[ $((n % JOBS)) != 0 ] || wait
	done < <(sort -t$'\t' -u -k1,1 "$w/triage-raw.tsv")
	wait
	# every file gets the signature of its raw group
	{ cat "$w"/triage/*.sig 2>/dev/null || true; } |
		awk -F'\t' 'NR == FNR { s[$1] = $2; next }
			{ print s[$1] "\t" $2 }' - "$w/triage-raw.tsv" >"$w/triage.tsv"
	nl_meta "$t" crash_files "$(fz_count "$w/crashes")"
	local id status cnt first msg d
	cut -f1 "$w/triage.tsv" | sort | uniq -c | while read -r cnt sig; do
		first=$(awk -F'\t' -v s="$sig" '$1 == s {print $2; exit}' "$w/triage.tsv")
		id=$(printf '%s\t%s' "$t" "$sig" | sha1sum | cut -c1-8)
		status=new
		[ "$sig" = does-not-reproduce ] && status=flaky
		[ "$sig" = not-triaged ] && status=untriaged
		grep -v '^#' "$KNOWN" | cut -f1,2 | grep -qxF "$t	$sig" && status=known
		d=$OUT/crashes/$t-$id
		mkdir -p "$d"
		cp "$first" "$d/input"
		msg=$(grep -aE '^(fuzz|planted|splitfuzz): |SUMMARY: ' \
			"$w/triage/$(basename "$first").raw.log" 2>/dev/null | head -1 |
			tr '\t' ' ' || true)
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$sig" "$status" "$cnt" \
			"$d/input" "$msg" >>"$w/crashes.tsv"
	done
}

# Minimise each new crash of $1 (libFuzzer -minimize_crash, afl-tmin) while time is
# left, keep the result only if it still fails with the same signature,
# write OUT/T/repro.tsv (id, reproducer, command) and print the number of
# new crashes.
nl_minimise() {
	local t=$1 w=$OUT/$1 id sig status cnt input msg d per new=0 left cmd
	local repro
	: >"$w/repro.tsv"
	while IFS=$'\t' read -r id sig status cnt input msg; do
		d=$(dirname "$input")
		repro=$input
		if [ "$status" = new ]; then
			new=$((new + 1))
			left=$(nl_left 60)
			per=$((left / 2))
			if [ "$per" -ge 1 ] && [ "${ENG[$t]}" = afl ]; then
				nl_afl_minimise "$t" "$input" "$d/input.min" \
					"$per" >"$d/minimise.log" 2>&1 || true
			elif [ "$per" -ge 1 ]; then
				(cd "$d" && timeout -k 2 $((per + 5)) "${BIN[$t]}" \
					-minimize_crash=1 -max_total_time="$per" \
					-timeout=10 -exact_artifact_path="$d/input.min" \
					"$input") >"$d/minimise.log" 2>&1 || true
			fi
			if [ "$per" -ge 1 ]; then
				if [ -f "$d/input.min" ] && [ "$(nl_signature "$t" \
					"$d/input.min" "$d/min-replay.log")" = "$sig" ]; then
					repro=$d/input.min
				else
					rm -f "$d/input.min"
				fi
			else
				echo "$t: crash $id not minimised (out of budget)" >>"$OUT/notes.txt"
			fi
		fi
		cmd=$(printf '%q %q' "${BIN[$t]}" "$repro")
		printf '%s\t%s\t%s\n' "$id" "$repro" "$cmd" >>"$w/repro.tsv"
	done <"$w/crashes.tsv"
	echo "$new"
}

# Merge the new inputs of $1 into its corpus (libFuzzer -merge=1 keeps only
# those adding coverage; AFL++: afl-cmin). Fails (status 1) when the merge
# itself fails; one stopped by the deadline is noted, not a failure.
nl_merge() {
	local t=$1 w=$OUT/$1 left rc=0
	if [ "$MERGE" = 0 ]; then
		nl_meta "$t" merge "skipped (--no-merge)"
	elif [ "${ENG[$t]}" = libfuzzer ] && [ "$(fz_count "$w/new")" = 0 ]; then
		nl_meta "$t" merge "nothing new"
	else
		left=$(nl_left 100000)
		if [ "$left" -lt 1 ]; then
			nl_meta "$t" merge "skipped (out of budget)"
			echo "$t: merge skipped: out of budget" >>"$OUT/notes.txt"
		else
			mkdir -p "${CORPUS[$t]}"
			if [ "${ENG[$t]}" = afl ]; then
				nl_afl_merge "$t" "$left" || rc=$?
			else
				(cd "$w" && timeout -k 2 "$left" "${BIN[$t]}" \
					-merge=1 -timeout=10 -rss_limit_mb=2048 \
					-merge_control_file="$w/merge.ctl" \
					"${CORPUS[$t]}" "$w/new") >"$w/merge.log" 2>&1 ||
					rc=$?
			fi
			if [ "$rc" = 0 ]; then
				nl_meta "$t" merge merged
			elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
				nl_meta "$t" merge "stopped (out of budget)"
				echo "$t: merge stopped at the deadline," \
					"corpus not updated" >>"$OUT/notes.txt"
				rc=0
			else
				nl_meta "$t" merge "FAILED (exit $rc, see $w/merge.log)"
			fi
		fi
	fi
	nl_meta "$t" corpus_after "$(fz_count "${CORPUS[$t]}")"
	return $((rc != 0))
}

# On exit: stop what is left; a status the script did not choose (an
# error under set -e) becomes 3, never 1, which means a new crash.
NL_DONE=""
NL_ERR=""
nl_on_exit() {
	local rc=$?
	nl_cleanup
	if [ -z "$NL_DONE" ] && [ "$rc" != 0 ] && [ "$rc" != 2 ] &&
		[ "$rc" != 130 ]; then
		fz_log "stopped by an error (status $rc${NL_ERR:+, at $NL_ERR}):" \
			"no verdict"
		[ -z "$NL_ERR" ] || [ ! -d "${OUT:-}" ] ||
			echo "stopped by an error at $NL_ERR" >>"$OUT/notes.txt"
		exit 3
	fi
}

# SIGINT/SIGTERM: stop the fuzzers and still write a summary, one that
# says the crash files were not triaged.
nl_interrupted() {
	fz_log "interrupted: stopping, writing the summary"
	nl_cleanup
	echo "interrupted at $(($(nl_now) - ${START:-$(nl_now)})) s: crash files" \
		"were not triaged, the corpus not merged" >>"$OUT/notes.txt"
	if [ -n "${START:-}" ] && [ -n "${NROUNDS:-}" ]; then
		{ nl_state_env; echo "FINISHED=$(nl_now)"; echo INTERRUPTED=1; } \
			>"$OUT/run.env"
		python3 "$FZ_ROOT/fuzz/nightly_report.py" "$OUT" || true
	fi
	exit 130
}

# --ack OUT: every new crash of run OUT becomes known in $KNOWN.
nl_ack() {
	local out=$1 f t n=0 id sig status rest
	[ -d "$out" ] || fz_usage_error "--ack: no run directory '$out'"
	for f in "$out"/*/crashes.tsv; do
		[ -f "$f" ] || continue
		t=$(basename "$(dirname "$f")")
		while IFS=$'\t' read -r id sig status rest; do
			[ "$status" = new ] || continue
			printf '%s\t%s\t# %s acknowledged %s\n' "$t" "$sig" "$id" \
				"$(date -u +%Y-%m-%d)" >>"$KNOWN"
			n=$((n + 1))
		done <"$f"
	done
	fz_log "$n crash signature(s) added to $KNOWN"
}
