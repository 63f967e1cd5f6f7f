#!/usr/bin/env bash
# fuzz/oss-fuzz/build.sh: OSS-Fuzz / ClusterFuzzLite build. Compiles
# libframing, the echo and POP3 cores and every fuzz target with $CC
# $CFLAGS, links with $LIB_FUZZING_ENGINE, and puts into $OUT each <target>,
# its <target>_seed_corpus.zip, <target>.dict and <target>.options.
# Locally: fuzz/oss-fuzz/build.sh (defaults: clang, libFuzzer+ASan, build/oss-fuzz/out).
set -euo pipefail
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${CC:=clang}"
: "${CFLAGS:=-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,fuzzer-no-link}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer,address,undefined}"
: "${OUT:=$ROOT/build/oss-fuzz/out}"
WORK=${WORK:-$ROOT/build/oss-fuzz/work}
mkdir -p "$OUT" "$WORK/obj"
echo "oss-fuzz build: CC=$CC OUT=$OUT" >&2

INC=(-I"$ROOT/framing/include" -I"$ROOT/framing/src" -I"$ROOT/common" -I"$ROOT/fuzz" -I"$ROOT/servers")
# shellcheck disable=SC2206
FLAGS=($CFLAGS -std=c11 -D_GNU_SOURCE)
objs=()
for src in "$ROOT"/framing/src/*.c "$ROOT"/servers/echo_core.c \
	"$ROOT"/servers/pop3_core.c "$ROOT"/servers/pop3_cmds.c \
	"$ROOT"/servers/pop3_xfer.c "$ROOT"/servers/pop3_mem.c \
	"$ROOT"/common/cm_buf.c "$ROOT"/fuzz/fuzz_die.c \
	"$ROOT"/fuzz/fuzz_input.c "$ROOT"/fuzz/fuzz_check.c \
	"$ROOT"/fuzz/fuzz_split.c "$ROOT"/fuzz/fuzz_roundtrip.c \
	"$ROOT"/fuzz/pop3_oracle.c "$ROOT"/fuzz/pop3_mailbox.c; do
	[ -f "$src" ] || continue
	obj=$WORK/obj/$(basename "$(dirname "$src")")_$(basename "${src%.c}").o
	"$CC" "${FLAGS[@]}" "${INC[@]}" -c "$src" -o "$obj"
	objs+=("$obj")
done
rm -f "$WORK/libfraglab_fuzz.a"
ar rcs "$WORK/libfraglab_fuzz.a" "${objs[@]}"

. "$ROOT/fuzz/lib.sh"
for t in $(fz_all_targets); do
	# shellcheck disable=SC2086
	"$CC" "${FLAGS[@]}" "${INC[@]}" "$ROOT/fuzz/$t.c" -o "$OUT/$t" \
		$LIB_FUZZING_ENGINE "$WORK/libfraglab_fuzz.a"
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
