#!/usr/bin/env bash
# The fragmentation demo and fraglab's main job: build, then run every echod
# model (the deliberately naive one included) behind fragproxy over several
# framings and split policies. Exit 0 only when naive fails and all else passes.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: ci/demo.sh [--build-dir DIR] [--html FILE] [--junit FILE]
                  [--no-deps] [--no-build] [-- extra fragtest matrix args]

Installs what is missing (ci/deps.sh, unless --no-deps), builds fragtest,
fragproxy and echod (CMake preset "demo": gcc -O2 -g, no suites), then runs

  fragtest matrix --expect-fail naive
      servers:  echod --model iterative|fork|thread|select|poll|epoll|naive
      framings: line, len:4be, cobs
      splits:   bytes, random:1-16, coalesce:256,ms=2

and prints the pass/fail table. The naive server (one recv() taken as one
message) must fail under fragmentation and every correct model must pass:
exit 0 when the outcome is exactly that, 1 when it is not, 2 for bad usage.

  --build-dir DIR  build directory (default: build/demo)
  --html FILE      HTML report (default: DIR/fragtest-report.html)
  --junit FILE     JUnit XML for CI (default: DIR/fragtest-junit.xml)
  --no-deps        do not run ci/deps.sh
  --no-build       use the binaries already in DIR/bin
  -h, --help       this help
EOF
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build/demo"
html=""
junit=""
deps=1
do_build=1
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build-dir) build=${2:?--build-dir needs DIR}; shift 2 ;;
	--html) html=${2:?--html needs FILE}; shift 2 ;;
	--junit) junit=${2:?--junit needs FILE}; shift 2 ;;
	--no-deps) deps=0; shift ;;
	--no-build) do_build=0; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; extra=("$@"); break ;;
	*) echo "demo.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
	esac
done
html=${html:-$build/fragtest-report.html}
junit=${junit:-$build/fragtest-junit.xml}

say() { printf '==> %s\n' "$*"; }

if [ "$deps" = 1 ]; then
	say "installing what is missing (ci/deps.sh)"
	bash "$root/ci/deps.sh" ||
		echo "demo.sh: ci/deps.sh failed; going on with what is installed" >&2
fi

if [ "$do_build" = 1 ]; then
	say "building fragtest, fragproxy and echod in $build (preset demo)"
	mkdir -p "$build"
	(cd "$root" && cmake --preset demo -B "$build") >"$build/demo-cmake.log" 2>&1 ||
		{ cat "$build/demo-cmake.log" >&2; exit 1; }
	cmake --build "$build" -j "$(nproc)" --target fragtest fragproxy echod \
		>"$build/demo-build.log" 2>&1 ||
		{ tail -40 "$build/demo-build.log" >&2; exit 1; }
fi

bin="$build/bin"
for tool in fragtest fragproxy echod; do
	[ -x "$bin/$tool" ] || { echo "demo.sh: $bin/$tool is missing" >&2; exit 1; }
done

say "fragtest matrix: 7 echod models x 3 framings x 3 split policies"
status=0
"$bin/fragtest" matrix --expect-fail naive \
	--framing line --framing len:4be --framing cobs \
	--split bytes --split random:1-16 --split coalesce:256,ms=2 \
	--html "$html" --junit "$junit" ${extra[@]+"${extra[@]}"} || status=$?

echo
say "HTML report: $html"
say "JUnit XML:   $junit"
case "$status" in
0) say "as expected: naive fails under fragmentation, every correct model passes" ;;
1) say "NOT as expected: see the table above" ;;
*) say "fragtest matrix failed to run (exit $status)" ;;
esac
exit "$status"
