#!/usr/bin/env bash
# fuzz/nightly.sh: the nightly campaign in one command: build, fuzz every
# target on every core within a wall-time budget, triage and minimise the
# crashes, merge the corpus back, write summary.md/summary.json and plots.
set -euo pipefail
FZ_PROG=nightly
. "$(dirname "$0")/lib.sh"
. "$FZ_ROOT/fuzz/nightly-lib.sh"
. "$FZ_ROOT/fuzz/nightly-afl.sh"

BUDGET=1h
ENGINE=libfuzzer
TARGETS=""
JOBS=$(nproc)
OUT=""
BUILD=""
KNOWN=$FZ_ROOT/fuzz/findings/known-crashes.txt
OUTSIDE_CORPUS=""
CORPUS_ROOT=$FZ_ROOT/corpus
MERGE=1
GRACE=10
DOBUILD=1
MUTATOR=on
OUTSIDE=()
OUTSIDE_DIRS=()
ACK=""

usage() {
	cat <<USAGE
usage: fuzz/nightly.sh [--budget DURATION] [--engine libfuzzer|afl]
         [--targets all|none|LIST] [--jobs N] [--out DIR]
         [--target-bin NAME=PATH[,seeds=DIR][,dict=FILE][,corpus=DIR]]...
         [--target-dir DIR]... [--outside-corpus DIR] [--corpus DIR]
         [--build-dir DIR] [--no-build] [--known FILE] [--no-merge]
         [--grace SECONDS] [--mutator on|off]
       fuzz/nightly.sh --ack OUT [--known FILE]
The nightly campaign (docs/fuzzing.md, "Nightly campaign"). Builds the
fraglab targets of LIST (default all; none when outside targets are given)
in DIR (default build/nightly): libFuzzer + ASan + UBSan, or for --engine
afl AFL++ plain, CMPLOG and ASan builds and an ASan replay build (DIR-afl,
DIR-afl-cmplog, DIR-afl-asan, DIR-replay). Then fuzzes them and the
outside targets (any libFuzzer binary, e.g. a user's harness target) for
DURATION of wall time in all (20s, 30m, 8h; default $BUDGET; the build is
not counted) on N cores (default all: $JOBS), each target resuming from
its corpus: corpus/<t>/ (or --corpus DIR/<t>/) plus corpus/regressions/<t>/,
for outside targets corpus=DIR or --outside-corpus DIR/NAME. Afterwards
crashes are replayed and grouped by stack, the ones not in FILE (default
fuzz/findings/known-crashes.txt) minimised, new coverage merged back into
each corpus (--no-merge skips), and OUT (default build/nightly-runs/<date>)
gets summary.md, summary.json, coverage.png and execs.png (gnuplot).
  --target-dir DIR  every executable in DIR is an outside target, with
                    DIR/NAME.dict and DIR/NAME_seed_corpus/ if present
  --no-build        use the binaries already built in DIR
  --grace SECONDS   fuzzers still running this long after SIGTERM at the
                    end of their time get SIGKILL (default $GRACE)
  --ack OUT         add the new crashes of run OUT to FILE: acknowledged,
                    they no longer fail a night
  --mutator on|off  the structure-aware custom mutator (fuzz/mutator/;
                    default on): linked into the libFuzzer targets, or
                    fraglab-mutator.so for AFL++, on split_*, roundtrip_*
                    and server_echo
Exit status: 0 no new crash, 1 new crash(es), 2 bad usage, 3 no new crash
but no verdict either (crash files left untriaged by the deadline, or the
run itself failed: build, merge, an error).
USAGE
}

while [ $# -gt 0 ]; do
	case $1 in
	--budget) BUDGET=${2:?}; shift 2 ;;
	--engine) ENGINE=${2:?}; shift 2 ;;
	--targets) TARGETS=${2:?}; shift 2 ;;
	--target-bin) OUTSIDE+=("${2:?}"); shift 2 ;;
	--target-dir) OUTSIDE_DIRS+=("${2:?}"); shift 2 ;;
	--outside-corpus) OUTSIDE_CORPUS=${2:?}; shift 2 ;;
	--corpus) CORPUS_ROOT=${2:?}; shift 2 ;;
	--jobs) JOBS=${2:?}; shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	--build-dir) BUILD=${2:?}; shift 2 ;;
	--known) KNOWN=${2:?}; shift 2 ;;
	--no-merge) MERGE=0; shift ;;
	--no-build) DOBUILD=0; shift ;;
	--grace) GRACE=${2:?}; shift 2 ;;
	--mutator) MUTATOR=${2:?}; shift 2 ;;
	--ack) ACK=${2:?}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; fz_usage_error "unknown argument '$1'" ;;
	esac
done
if [ -n "$ACK" ]; then
	nl_ack "$ACK"
	exit 0
fi
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || fz_usage_error "--jobs: a positive number"
case $ENGINE in libfuzzer | afl) ;; *) fz_usage_error "--engine: libfuzzer or afl" ;; esac
[[ $GRACE =~ ^[0-9]+$ ]] || fz_usage_error "--grace: whole seconds"
TOTAL=$(fz_seconds "$BUDGET")
[[ $TOTAL =~ ^[1-9][0-9]*$ ]] || fz_usage_error "--budget: like 20s, 30m or 8h"
[ "$TOTAL" -ge 10 ] || fz_usage_error "--budget: at least 10s"
# The structure-aware mutator: a build option of the libFuzzer targets;
# for AFL++ a library afl-fuzz loads (nl_afl_build, nl_afl_start).
case $MUTATOR in
on) FZ_CMAKE_ARGS=-DFRAGLAB_FUZZ_MUTATOR=ON ;;
off) FZ_CMAKE_ARGS=-DFRAGLAB_FUZZ_MUTATOR=OFF ;;
*) fz_usage_error "--mutator: on or off" ;;
esac
command -v python3 >/dev/null || nl_fail "python3 is needed for the summary"

if [ -z "$TARGETS" ]; then
	TARGETS=all
	[ ${#OUTSIDE[@]} -eq 0 ] && [ ${#OUTSIDE_DIRS[@]} -eq 0 ] ||
		TARGETS=none
fi
INTREE=""
[ "$TARGETS" = none ] || INTREE=$(fz_targets "$TARGETS" | tr '\n' ' ')
for d in ${OUTSIDE_DIRS[@]+"${OUTSIDE_DIRS[@]}"}; do
	[ -d "$d" ] || fz_usage_error "--target-dir: no directory '$d'"
	while IFS= read -r f; do
		n=$(basename "$f")
		spec="$n=$f"
		[ -f "$d/$n.dict" ] && spec="$spec,dict=$d/$n.dict"
		[ -d "$d/${n}_seed_corpus" ] && spec="$spec,seeds=$d/${n}_seed_corpus"
		OUTSIDE+=("$spec")
	done < <(find "$d" -maxdepth 1 -type f -perm -u+x \
		! -name '*.so*' ! -name '*.sh' ! -name '*.py' | sort)
done
declare -A BIN=() KIND=() CORPUS=() SEEDS=() DICT=() ENG=()
ALL=""
for t in $INTREE; do
	KIND[$t]=fraglab CORPUS[$t]=$CORPUS_ROOT/$t DICT[$t]=$(fz_dict_for "$t")
	ENG[$t]=$ENGINE
	SEEDS[$t]=$FZ_ROOT/corpus/regressions/$t
	ALL="$ALL $t"
done
for spec in ${OUTSIDE[@]+"${OUTSIDE[@]}"}; do nl_parse_outside "$spec"; done
ALL=${ALL# }
[ -n "$ALL" ] || fz_usage_error "no targets: give --targets or --target-bin"

OUT=${OUT:-$FZ_ROOT/build/nightly-runs/$(date -u +%Y%m%d-%H%M%S)}
BUILD=${BUILD:-$FZ_ROOT/build/nightly}
mkdir -p "$OUT" "$BUILD"
OUT=$(cd "$OUT" && pwd)
BUILD=$(cd "$BUILD" && pwd)
touch "$KNOWN" 2>/dev/null || fz_usage_error "--known: cannot write '$KNOWN'"
KNOWN=$(realpath "$KNOWN")
: >"$OUT/notes.txt"
trap nl_on_exit EXIT
trap nl_interrupted INT TERM
# Where an unplanned error stopped the run (set -E: also inside functions;
# a failing subshell is named by the line that started it).
set -E
trap 'NL_ERR="${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND (status $?)"' ERR

# Build what is needed: the fraglab targets with the libFuzzer preset
# (ASan + UBSan), or for AFL++ plain, CMPLOG and ASan builds plus the
# ASan replay build (BIN: what triage and the reproduce command run).
# Not counted in the budget; a no-op when up to date.
if [ -n "$INTREE" ]; then
	FZ_TARGETS=$INTREE
	if [ "$DOBUILD" = 0 ]; then
		:
	elif [ "$ENGINE" = libfuzzer ]; then
		(fz_build fuzz-libfuzzer "$BUILD") || nl_fail "the build failed"
	else
		nl_afl_build || nl_fail "the build failed"
	fi
	for t in $INTREE; do
		BIN[$t]=$BUILD/bin/$t
		[ "$ENGINE" = libfuzzer ] || BIN[$t]=$BUILD-replay/bin/$t
		[ -x "${BIN[$t]}" ] || nl_fail "no ${BIN[$t]} (drop --no-build)"
	done
fi

# The budget: fuzzing ends RESERVE seconds before the deadline, which
# leaves time to triage, minimise and merge; the summary is written after
# whatever finished by the hard deadline (deadline + grace).
START=$(date +%s)
DEADLINE=$((START + TOTAL))
# RESERVE: a tenth of the budget, at least 10 s (half of a short budget),
# at most 15 minutes.
RESERVE=$((TOTAL / 10))
MINRES=$((TOTAL / 2 < 10 ? TOTAL / 2 : 10))
[ "$RESERVE" -ge "$MINRES" ] || RESERVE=$MINRES
[ "$RESERVE" -le 900 ] || RESERVE=900
FUZZ=$((TOTAL - RESERVE))
nl_schedule "$ALL" "$JOBS"
nl_state_env >"$OUT/run.env"
fz_log "$(echo "$ALL" | wc -w) targets, $JOBS cores, budget $TOTAL s" \
	"($FUZZ s fuzzing in $NROUNDS round(s)) -> $OUT"

for r in $(seq 0 $((NROUNDS - 1))); do
	nl_run_round "$r"
done
fz_log "fuzzing done at $(($(date +%s) - START))/$TOTAL s; triage"

NEW=0
UNTRIAGED=0
for t in $ALL; do
	nl_triage "$t"
	UNTRIAGED=$((UNTRIAGED + $(awk -F'\t' '$3 == "untriaged" {n += $4}
		END {print n + 0}' "$OUT/$t/crashes.tsv")))
done
for t in $ALL; do
	NEW=$((NEW + $(nl_minimise "$t")))
done
MERGE_FAILED=""
for t in $ALL; do
	nl_merge "$t" || MERGE_FAILED="$MERGE_FAILED $t"
done
nl_state_env >"$OUT/run.env"
echo "FINISHED=$(date +%s)" >>"$OUT/run.env"
python3 "$FZ_ROOT/fuzz/nightly_report.py" "$OUT" ||
	fz_log "the summary could not be written (see above)"
fz_log "summary: $OUT/summary.md"
if [ "$NEW" -gt 0 ]; then
	fz_log "$NEW new crash(es); acknowledge with: fuzz/nightly.sh --ack '$OUT'"
	NL_DONE=1
	exit 1
fi
NL_DONE=1
if [ "$UNTRIAGED" -gt 0 ]; then
	fz_log "$UNTRIAGED crash file(s) not triaged in time: no verdict"
	exit 3
fi
[ -z "$MERGE_FAILED" ] || { fz_log "merge failed for:$MERGE_FAILED"; exit 3; }
fz_log "no new crash"
