#!/usr/bin/env bash
# The test gate: install what is missing, build with gcc (warnings are
# errors), run every suite through CTest and every tool under valgrind,
# then build with clang under ASan+UBSan and run the suites again, then the
# fuzz smoke. Ends with one line
# "N passed, N failed".
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: ci/test.sh [--no-deps] [--no-asan] [--no-fuzz] [--help]
Builds fraglab with gcc (-Werror) and clang (ASan+UBSan, -Werror), runs
every Criterion suite via CTest in both builds, replays the fuzz corpora
and runs a short libFuzzer smoke. Build trees: build/ci-gcc, build/ci-asan.
  --no-deps   do not run ci/deps.sh
  --no-asan   skip the sanitizer build
  --no-fuzz   skip the libFuzzer smoke
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

# run_ctest DIR: run the suites, add their counts to the totals.
run_ctest() {
	local dir=$1 log
	log=$(mktemp)
	set +e
	ctest --test-dir "$dir" -j "$jobs" --output-on-failure --timeout 600 2>&1 | tee "$log"
	set -e
	local line total nfail
	line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -1 || true)
	if [ -z "$line" ]; then
		echo "ci/test.sh: ctest in $dir printed no summary" >&2
		failed=$((failed + 1))
	else
		total=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
		nfail=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed.*/\1/')
		passed=$((passed + total - nfail))
		failed=$((failed + nfail))
	fi
	rm -f "$log"
}

# build PRESET-DIR CC [cmake args...]
build() {
	local dir=$1 cc=$2
	shift 2
	cmake -S "$root" -B "$dir" -DCMAKE_C_COMPILER="$cc" -DFRAGLAB_WERROR=ON "$@" >/dev/null
	cmake --build "$dir" -j "$jobs"
}

if [ $deps -eq 1 ]; then
	step "dependencies"
	bash ci/deps.sh
fi

step "gcc build (-O2, -Werror)"
build build/ci-gcc gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo
step "gcc: test suites"
run_ctest build/ci-gcc

step "valgrind: every tool on a short workload"
if bash ci/valgrind.sh build/ci-gcc/bin; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

if [ $asan -eq 1 ]; then
	step "clang ASan+UBSan build (-Werror)"
	build build/ci-asan clang -DCMAKE_BUILD_TYPE=Debug -DFRAGLAB_SANITIZE=ON -DFRAGLAB_BENCH=OFF
	step "clang ASan+UBSan: test suites"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		run_ctest build/ci-asan
fi

if [ $fuzz -eq 1 ] && [ -x fuzz/ci-fuzz.sh ]; then
	step "libFuzzer smoke"
	if bash fuzz/ci-fuzz.sh; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
fi

step "done"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
