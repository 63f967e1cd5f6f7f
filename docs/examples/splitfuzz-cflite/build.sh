#!/bin/bash -eu
# splitfuzz-cflite/build.sh: OSS-Fuzz / ClusterFuzzLite build of YOUR
# project's splitfuzz targets; copy it unchanged to .clusterfuzzlite/build.sh
# (with the Dockerfile and project.yaml beside it). It expects fraglab's
# sources in $SRC/fraglab (the Dockerfile clones them) and your CMake project
# in the current directory, building each fuzz target as an executable
# named *_fuzz when configured with -DENGINE=oss-fuzz, the way
# docs/examples/splitfuzz-rec/CMakeLists.txt does. For each NAME_fuzz, $OUT
# gets it, NAME_fuzz_seed_corpus.zip (from corpus/NAME_fuzz/, if there),
# NAME_fuzz.dict (from NAME_fuzz.dict or fuzz/NAME_fuzz.dict) and .options.
# Locally: SRC=/path/to/parent docs/examples/splitfuzz-cflite/build.sh in
# your project (defaults: clang, libFuzzer + ASan + UBSan, ./build/oss-fuzz).
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
[ $# -eq 0 ] || { echo "build.sh: no arguments (try --help)" >&2; exit 2; }
project=$PWD
: "${SRC:=$(dirname "$project")}"
: "${CC:=clang}"
: "${CFLAGS:=-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,fuzzer-no-link}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:=$project/build/oss-fuzz/out}"
: "${WORK:=$project/build/oss-fuzz/work}"
export CC CFLAGS LIB_FUZZING_ENGINE
fraglab=${FRAGLAB_SRC:-$SRC/fraglab}
[ -f "$fraglab/splitfuzz/CMakeLists.txt" ] ||
	{ echo "build.sh: no fraglab sources in $fraglab (set FRAGLAB_SRC)" >&2; exit 2; }
mkdir -p "$OUT" "$WORK"
jobs=$(nproc 2>/dev/null || echo 2)

# 1. The harness alone (install component splitfuzz), with the sanitizers
# but without coverage instrumentation: its own branches (which chunk
# size, which feeding) would only be noise to the fuzzer.
hflags=${CFLAGS//,fuzzer-no-link/}
hflags=${hflags//-fsanitize=fuzzer-no-link/}
CFLAGS=$hflags cmake -S "$fraglab" -B "$WORK/fraglab" -DCMAKE_BUILD_TYPE=Release \
	-DFRAGLAB_TESTS=OFF -DFRAGLAB_BENCH=OFF -DFRAGLAB_WERROR=OFF >/dev/null
cmake --build "$WORK/fraglab" -j "$jobs" --target fraglab_splitfuzz \
	fraglab_splitfuzz_replay fraglab_splitfuzz_afl >/dev/null
cmake --install "$WORK/fraglab" --component splitfuzz \
	--prefix "$WORK/fraglab-prefix" >/dev/null

# 2. Your targets, compiled with $CC $CFLAGS and linked with
# $LIB_FUZZING_ENGINE (read by the ENGINE=oss-fuzz branch).
cmake -S "$project" -B "$WORK/project" -DENGINE=oss-fuzz \
	-DCMAKE_PREFIX_PATH="$WORK/fraglab-prefix" >/dev/null
cmake --build "$WORK/project" -j "$jobs" >/dev/null

# 3. Into $OUT, with seeds, a dictionary and options.
n=0
while IFS= read -r bin; do
	t=$(basename "$bin")
	cp "$bin" "$OUT/$t"
	rm -f "$OUT/${t}_seed_corpus.zip"
	if [ -n "$(ls -A "$project/corpus/$t" 2>/dev/null)" ]; then
		(cd "$project/corpus/$t" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
	fi
	for d in "$project/$t.dict" "$project/fuzz/$t.dict"; do
		if [ -f "$d" ]; then
			cp "$d" "$OUT/$t.dict"
			break
		fi
	done
	printf '[libfuzzer]\nmax_len = 4096\ntimeout = 10\n' >"$OUT/$t.options"
	echo "  $t" >&2
	n=$((n + 1))
done < <(find "$WORK/project" -type f -perm -u+x -name '*_fuzz' | sort)
[ "$n" -gt 0 ] || { echo "build.sh: no *_fuzz target built in $WORK/project" >&2; exit 1; }
echo "build.sh: $n targets in $OUT" >&2
