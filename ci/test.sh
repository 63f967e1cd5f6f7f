#!/usr/bin/env bash
# The test gate: install what is missing, check the C formatting, build the
# ci-gcc preset and run every suite through CTest and every tool under
# valgrind, then the ci-asan preset (clang ASan+UBSan) and its suites, then
# the libFuzzer smoke. Each step adds to one final line "N passed, N failed".
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: ci/test.sh [--no-deps] [--no-asan] [--no-fuzz] [--help]
Runs, in order, counting each CTest test and each other step as one:
  formatting  git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror
  ci-gcc      cmake --preset ci-gcc (gcc -O2 -g, -Werror), every CTest suite
  valgrind    ci/valgrind.sh on the ci-gcc programs
  install     ci/install-check.sh on build/ci-gcc: install, the examples
              through find_package and pkg-config, the .deb, man pages,
              the splitfuzz examples (a planted bug found, 60 s clean runs)
  ci-asan     cmake --preset ci-asan (clang ASan+UBSan, -Werror), every suite
  fuzz smoke  fuzz/ci-fuzz.sh (libFuzzer + ASan + UBSan, corpus + 5 s each)
  nightly     the CTest label nightly of ci-gcc (tests/fuzz/test_nightly.sh:
              two 20 s runs of fuzz/nightly.sh on the ci-fuzz build)
Build trees: build/ci-gcc, build/ci-asan, build/ci-fuzz. Ends with the line
"N passed, N failed"; exits 1 if anything failed, 2 on bad usage.
  --no-deps   do not run ci/deps.sh
  --no-asan   skip the sanitizer build
  --no-fuzz   skip the libFuzzer smoke, the nightly test and the
              splitfuzz examples' fuzzing
USAGE
}

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
deps=1 asan=1 fuzz=1
for a in "$@"; do
	case "$a" in
	--help | -h) usage; exit 0 ;;
	--no-deps) deps=0 ;;
	--no-asan) asan=0 ;;
	--no-fuzz) fuzz=0 ;;
	*) echo "ci/test.sh: unknown option '$a' (try --help)" >&2; exit 2 ;;
	esac
done

jobs=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0
t0=$(date +%s)

step() { echo; echo "=== $* ($(($(date +%s) - t0)) s)"; }

# count OK: add one step's outcome (OK = 0 passed) to the totals.
count() {
	if [ "$1" -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
}

# run_ctest PRESET [CTEST ARGS]: run its suites (without the label nightly
# unless ARGS choose), add their counts to the totals.
run_ctest() {
	local preset=$1 log
	shift
	[ $# -gt 0 ] || set -- -LE nightly
	log=$(mktemp)
	set +e
	ctest --preset "$preset" -j "$jobs" "$@" 2>&1 | tee "$log"
	set -e
	local line total nfail
	line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -1 || true)
	if [ -z "$line" ]; then
		echo "ci/test.sh: ctest --preset $preset printed no summary" >&2
		failed=$((failed + 1))
	else
		total=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
		nfail=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed.*/\1/')
		passed=$((passed + total - nfail))
		failed=$((failed + nfail))
	fi
	rm -f "$log"
}

# build PRESET: configure and build everything the preset selects. A build
# failure stops the run: there would be nothing to test.
build() {
	cmake --preset "$1" >/dev/null
	cmake --build --preset "$1" -j "$jobs"
}

# Formatting: every tracked C file must already be what .clang-format makes
# of it. One pass or one failure, whatever the number of files.
check_format() {
	local out
	command -v clang-format >/dev/null ||
		{ echo "ci/test.sh: clang-format not installed (ci/deps.d/base.txt)" >&2; return 1; }
	out=$(git ls-files -z '*.c' '*.h' | xargs -0 clang-format --dry-run -Werror 2>&1) && return 0
	printf '%s\n' "$out" | awk -F: '/: error: / {n[$1]++}
		END {for (f in n) printf "  %s: %d lines to reformat\n", f, n[f]}' | sort
	echo "ci/test.sh: run clang-format -i on the files above" >&2
	return 1
}

if [ $deps -eq 1 ]; then
	step "dependencies"
	bash ci/deps.sh
fi

step "formatting: clang-format --dry-run -Werror on every tracked .c/.h"
rc=0
check_format || rc=1
count "$rc"

step "ci-gcc build (gcc -O2 -g, -Werror)"
build ci-gcc
step "ci-gcc: test suites"
run_ctest ci-gcc

step "valgrind: every tool on a short workload"
rc=0
bash ci/valgrind.sh build/ci-gcc/bin || rc=1
count "$rc"

step "install check: prefix, find_package/pkg-config example, .deb, man"
rc=0
sfz=()
[ $fuzz -eq 1 ] || sfz=(--no-splitfuzz)
bash ci/install-check.sh --build-dir build/ci-gcc "${sfz[@]}" || rc=1
count "$rc"

if [ $asan -eq 1 ]; then
	step "ci-asan build (clang -O1 -g, ASan+UBSan, -Werror)"
	build ci-asan
	step "ci-asan: test suites"
	run_ctest ci-asan
fi

if [ $fuzz -eq 1 ]; then
	step "libFuzzer smoke"
	rc=0
	bash fuzz/ci-fuzz.sh || rc=1
	count "$rc"
	step "nightly campaign test (label nightly, on the ci-fuzz build)"
	NIGHTLY_BUILD_DIR=$root/build/ci-fuzz run_ctest ci-gcc -L nightly
fi

step "done"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
