#!/usr/bin/env bash
# fuzz/ci-fuzz.sh: the CI fuzz gate. Builds every target with libFuzzer +
# ASan + UBSan, then runs each one seeded, for a short time, over its seed
# corpus and its regressions; any crash, leak, timeout or invariant
# violation fails the run. New inputs stay in the build dir, not corpus/.
set -euo pipefail
FZ_PROG=ci-fuzz
. "$(dirname "$0")/lib.sh"

TIME=${FUZZ_SMOKE_SECONDS:-5}
JOBS=${FUZZ_SMOKE_JOBS:-2}
BUILD=$FZ_ROOT/build/ci-fuzz
TARGETS=all
SEED=1

usage() {
	cat <<USAGE
usage: fuzz/ci-fuzz.sh [--time SECONDS] [--jobs N] [--targets all|LIST]
                       [--build-dir DIR] [--seed N]
Build the fuzz targets with libFuzzer (clang, ASan+UBSan) and run each one
for SECONDS (default $TIME, env FUZZ_SMOKE_SECONDS), N at a time (default
$JOBS, env FUZZ_SMOKE_JOBS), seeded with corpus/<target>/ and
corpus/regressions/<target>/. Exit 1 on any finding; the crashing input and
the log are in DIR/smoke/ (default $BUILD). 30 targets x 5 s / 2 jobs
is about 90 s with overheads, plus the build.
USAGE
}

while [ $# -gt 0 ]; do
	case $1 in
	--time) TIME=${2:?}; shift 2 ;;
	--jobs) JOBS=${2:?}; shift 2 ;;
	--targets) TARGETS=${2:?}; shift 2 ;;
	--build-dir) BUILD=${2:?}; shift 2 ;;
	--seed) SEED=${2:?}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; fz_usage_error "unknown argument '$1'" ;;
	esac
done
[[ $TIME =~ ^[0-9]+$ && $JOBS =~ ^[1-9][0-9]*$ ]] ||
	fz_usage_error "--time and --jobs take whole numbers"

FZ_TARGETS=$(fz_targets "$TARGETS" | tr '\n' ' ')
# Absolute: each target runs from inside its smoke directory.
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
trap fz_cleanup EXIT INT TERM
start=$(date +%s)
fz_build fuzz-libfuzzer "$BUILD"
SMOKE=$BUILD/smoke
rm -rf "$SMOKE"
mkdir -p "$SMOKE"

# One target: fuzz it; the exit code is libFuzzer's.
smoke_one() {
	local t=$1 dict args=() seeds
	mkdir -p "$SMOKE/$t/new"
	mapfile -t seeds < <(fz_seed_dirs "$t")
	dict=$(fz_dict_for "$t")
	[ -n "$dict" ] && args+=("-dict=$dict")
	(cd "$SMOKE/$t" && exec "$BUILD/bin/$t" -seed="$SEED" \
		-max_total_time="$TIME" -timeout=10 -rss_limit_mb=2048 \
		-max_len=4096 -print_final_stats=1 "${args[@]}" \
		-artifact_prefix="$SMOKE/$t/" "$SMOKE/$t/new" "${seeds[@]}") \
		>"$SMOKE/$t/log" 2>&1
}

declare -A pid_of=()
failed=()
reap() {
	local t
	for t in "${!pid_of[@]}"; do
		if ! kill -0 "${pid_of[$t]}" 2>/dev/null; then
			if ! wait "${pid_of[$t]}"; then failed+=("$t"); fi
			report "$t"
			unset "pid_of[$t]"
		fi
	done
}
report() {
	local t=$1 rate
	rate=$(grep -o 'exec/s: [0-9]*' "$SMOKE/$t/log" | tail -1 | cut -d' ' -f2 || true)
	printf '%-22s %8s exec/s  %s\n' "$t" "${rate:-?}" \
		"$(ls "$SMOKE/$t" | grep -E '^(crash|leak|timeout|oom)-' | head -1)"
}

fz_log "smoke: $TIME s per target, $JOBS at a time, seed $SEED"
for t in $FZ_TARGETS; do
	while [ "${#pid_of[@]}" -ge "$JOBS" ]; do sleep 0.5; reap; done
	smoke_one "$t" &
	pid_of[$t]=$!
	FZ_PIDS="$FZ_PIDS $!"
done
while [ "${#pid_of[@]}" -gt 0 ]; do sleep 0.5; reap; done
FZ_PIDS=""

fz_log "done in $(($(date +%s) - start)) s"
if [ "${#failed[@]}" -gt 0 ]; then
	for t in "${failed[@]}"; do
		fz_log "FINDING in $t:"
		grep -E '^fuzz:|^planted:|ERROR:|runtime error|SUMMARY' "$SMOKE/$t/log" | head -5 >&2 || true
		ls "$SMOKE/$t"/crash-* "$SMOKE/$t"/leak-* "$SMOKE/$t"/timeout-* 2>/dev/null >&2 || true
	done
	fz_log "reproduce: fuzz/reproduce.sh TARGET INPUT; keep the fixed input in corpus/regressions/TARGET/"
	exit 1
fi
targets=${FZ_TARGETS% }
fz_log "no findings in ${targets// /, }"
