#!/usr/bin/env bash
# The long form of the soak suites (label `soak`; the short form runs in
# ci/test.sh's ctest): builds the soak targets through a CMake preset and
# runs them with their counts scaled up: fragproxy, echod (every model)
# and pop3d.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: ci/soak.sh [--scale N] [--preset NAME] [--help]
Builds and runs the soak suites with FRAGLAB_SOAK_SCALE=N (default 10, or
$FRAGLAB_SOAK_SCALE): N times the connections, bytes and control-API posts
of the short form run by ctest: fragproxy under cuts and faults and its
control API; echod in every model under slowloris, RST storms and EMFILE;
pop3d under hostile clients. Each suite prints its figures as "soak: ..."
lines (connections, bytes checked, RSS). Exit status 0 when all pass.
  --scale N      multiply the counts by N (1..1000)
  --preset NAME  CMake configure preset (default: default; asan for
                 ASan+UBSan); build tree build/NAME
USAGE
}

root=$(cd "$(dirname "$0")/.." && pwd)
scale=${FRAGLAB_SOAK_SCALE:-10}
preset=default
while [ $# -gt 0 ]; do
	case "$1" in
	--help | -h) usage; exit 0 ;;
	--scale)
		[ $# -ge 2 ] || { echo "ci/soak.sh: --scale needs a value" >&2; exit 2; }
		scale=$2; shift 2 ;;
	--preset)
		[ $# -ge 2 ] || { echo "ci/soak.sh: --preset needs a value" >&2; exit 2; }
		preset=$2; shift 2 ;;
	*) echo "ci/soak.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
	esac
done
case "$scale" in
'' | *[!0-9]*) echo "ci/soak.sh: --scale '$scale' is not a whole number from 1 to 1000" >&2; exit 2 ;;
esac
if [ "$scale" -lt 1 ] || [ "$scale" -gt 1000 ]; then
	echo "ci/soak.sh: --scale '$scale' is not a whole number from 1 to 1000" >&2
	exit 2
fi

cd "$root"
cmake --preset "$preset" >/dev/null
build=build/$preset
suites=(test_soak_proxy test_soak_echod test_soak_pop3d)
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" \
	--target fragproxy echod pop3d "${suites[@]}"

export FRAGLAB_BIN=$root/$build/bin FRAGLAB_SRC=$root FRAGLAB_SOAK_SCALE=$scale
failed=0
for s in "${suites[@]}"; do
	echo "=== $s (scale $scale)"
	# the tests' own timeouts grow with the scale: no global cap here
	if ! "$build/bin/$s" --jobs=1 --timeout=$((600 * scale)); then
		failed=$((failed + 1))
	fi
done
echo "soak: ${#suites[@]} suites, $failed failed"
[ "$failed" -eq 0 ]
