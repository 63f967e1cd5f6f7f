#!/usr/bin/env bash
# fuzz/oss-fuzz/build.sh: OSS-Fuzz / ClusterFuzzLite build. CMake (preset
# oss-fuzz) compiles everything with $CC $CFLAGS and links each fuzz target
# with the replay driver (libfraglab_splitfuzz_replay.a); each is then
# relinked with $LIB_FUZZING_ENGINE instead, and $OUT gets <target>,
# <target>_seed_corpus.zip, .dict, .options.
# Locally: fuzz/oss-fuzz/build.sh (defaults: clang, libFuzzer+ASan, build/oss-fuzz/out).
set -euo pipefail
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
[ $# -eq 0 ] || { echo "oss-fuzz build: no arguments (try --help)" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FZ_PROG="oss-fuzz build"
. "$ROOT/fuzz/lib.sh"
: "${CC:=clang}"
: "${CFLAGS:=-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,fuzzer-no-link}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer,address,undefined}"
: "${OUT:=$ROOT/build/oss-fuzz/out}"
export CC CFLAGS # read by the oss-fuzz preset
WORK=${WORK:-$ROOT/build/oss-fuzz/work}
mkdir -p "$OUT"
fz_log "CC=$CC OUT=$OUT"

# The target list is the scripts' one; CMake knows each target's sources
# and libraries, so nothing here lists files that a move could leave behind.
FZ_TARGETS=$(fz_all_targets | tr '\n' ' ')
fz_build oss-fuzz "$WORK"

# relink TARGET: run CMake's link line of TARGET's replay build (the preset
# uses Makefiles, which keep it in link.txt) without the replay driver's
# object, with $LIB_FUZZING_ENGINE added and $OUT/TARGET as the output.
relink() {
	local t=$1 link dir w next_is_out=0 driver=0 cmd=()
	link=$(find "$WORK" -path "*/CMakeFiles/$t.dir/link.txt" | head -1)
	[ -n "$link" ] || fz_die "$t: no CMakeFiles/$t.dir/link.txt under $WORK"
	dir=$(dirname "$(dirname "$(dirname "$link")")")
	# link.txt is one command line, quoted for the shell by CMake.
	eval "set -- $(head -1 "$link")"
	for w in "$@"; do
		if [ "$next_is_out" = 1 ]; then
			cmd+=("$OUT/$t")
			next_is_out=0
			continue
		fi
		case $w in
		*/libfraglab_splitfuzz_replay.a) driver=1; continue ;;
		-o) next_is_out=1 ;;
		esac
		cmd+=("$w")
	done
	[ "$driver" = 1 ] || fz_die "$t: the replay driver is not on its link line"
	# shellcheck disable=SC2086
	(cd "$dir" && "${cmd[@]}" $LIB_FUZZING_ENGINE)
}

for t in $FZ_TARGETS; do
	relink "$t"
	rm -f "$OUT/${t}_seed_corpus.zip"
	for d in "$ROOT/corpus/$t" "$ROOT/corpus/regressions/$t"; do
		if [ -n "$(ls -A "$d" 2>/dev/null | grep -v '^\.')" ]; then
			(cd "$d" && zip -q -r "$OUT/${t}_seed_corpus.zip" . -x '.*')
		fi
	done
	dict=$(fz_dict_for "$t")
	[ -n "$dict" ] && cp "$dict" "$OUT/$t.dict"
	printf '[libfuzzer]\nmax_len = 4096\ntimeout = 10\n' >"$OUT/$t.options"
	echo "  $t" >&2
done
fz_log "$(echo "$FZ_TARGETS" | wc -w) targets in $OUT"
