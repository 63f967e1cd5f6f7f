#!/usr/bin/env bash
# Checks fraglab as a package another project uses (issue 16): install a
# build tree into a temporary prefix, compile every installed header alone,
# build and run docs/examples/criterion-user against that prefix through
# find_package and through pkg-config, build the .deb, check its file list,
# install it, run framecat and the example against /usr, remove it, and
# render every man page with warnings as errors. Then the splitfuzz examples
# (docs/examples/splitfuzz-*, clang + libFuzzer) against the prefix: the
# planted split bug must be found within 60 s from an empty corpus and its
# crash file must fail its replay build and show its chunk list; the fixed
# parser and hiredis's reader (from its seeds) must run clean for 60 s
# (side by side).
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: ci/install-check.sh [--build-dir DIR] [--no-deb] [--no-splitfuzz]
                           [--fuzz-time SECONDS] [--help]
  --build-dir DIR  build tree to install from (default build/ci-gcc; it is
                   configured with the ci-gcc preset if missing, and only
                   the installed targets are built)
  --no-deb         skip the .deb (cpack, dpkg -i, the example on /usr,
                   dpkg -r), e.g. when not root
  --no-splitfuzz   skip the splitfuzz examples (they need clang, libFuzzer
                   and libhiredis-dev, and take about 70 s)
  --fuzz-time S    the splitfuzz examples' time limit (default 60)
Exits 0 when every check passed, 1 when one failed, 2 on bad usage.
USAGE
}

root=$(cd "$(dirname "$0")/.." && pwd)
build=build/ci-gcc
deb=1
sfz=1
fuzz_time=60
while [ $# -gt 0 ]; do
	case "$1" in
	--help | -h) usage; exit 0 ;;
	--build-dir)
		[ $# -ge 2 ] || { echo "ci/install-check.sh: --build-dir needs a DIR" >&2; exit 2; }
		build=$2
		shift ;;
	--no-deb) deb=0 ;;
	--no-splitfuzz) sfz=0 ;;
	--fuzz-time)
		[[ ${2:-} =~ ^[1-9][0-9]*$ ]] ||
			{ echo "ci/install-check.sh: --fuzz-time needs a number of seconds" >&2; exit 2; }
		fuzz_time=$2
		shift ;;
	*) echo "ci/install-check.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
	esac
	shift
done
cd "$root"
case "$build" in /*) ;; *) build="$root/$build" ;; esac

example="$root/docs/examples/criterion-user"
version=$(sed -nE 's/^project\(fraglab VERSION ([0-9.]+).*/\1/p' CMakeLists.txt)
tmp=$(mktemp -d)
installed_deb=0
cleanup() {
	if [ $installed_deb -eq 1 ]; then
		dpkg --purge fraglab >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "ci/install-check.sh: $*" >&2; exit 1; }
# What the harness prints: a finding on stderr, and a chunk list (--show).
sfz_finding='^splitfuzz: chunks: [0-9]'
sfz_chunks='^chunks: +[0-9]'

t0=$(date +%s)
say() { echo "--- $* ($(($(date +%s) - t0)) s)"; }

# The targets `cmake --install` copies (the programs and the libraries).
targets=(framecat echod udp-echod echo-client fragproxy fragtest pop3d fragshim
	fragshim_preload
	framing framing_shared fragproxy_shared fraglab_criterion
	fraglab_splitfuzz fraglab_splitfuzz_replay fraglab_splitfuzz_afl)
if [ ! -f "$build/CMakeCache.txt" ]; then
	say "configuring $build (preset ci-gcc)"
	cmake --preset ci-gcc >/dev/null
fi
say "building the installed targets in $build"
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" \
	--target "${targets[@]}" >/dev/null

prefix="$tmp/prefix"
say "cmake --install into $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/framecat lib/libframing.so.$version lib/libframing.a \
	lib/libfragproxy.so.$version lib/libfraglab_criterion.a \
	include/fraglab/framing/codec.h include/fraglab/fragproxy.h \
	include/fraglab/criterion.h include/fraglab/version.h \
	include/fraglab/splitfuzz.h lib/libfraglab_splitfuzz.a \
	lib/libfraglab_splitfuzz_replay.a lib/libfraglab_splitfuzz_afl.a \
	lib/cmake/fraglab/fraglabConfig.cmake lib/pkgconfig/fraglab-splitfuzz.pc \
	lib/pkgconfig/fraglab-criterion.pc share/man/man7/fraglab-specs.7 \
	share/doc/fraglab/fuzz-your-parser.md \
	share/doc/fraglab/examples/splitfuzz-rec/fuzz_rec.c \
	bin/fragshim lib/libfragshim.so share/man/man1/fragshim.1; do
	[ -e "$prefix/$f" ] || fail "not installed: $f"
done
# The installed launcher finds the installed library by itself.
out=$(env -u FRAGSHIM_LIB "$prefix/bin/fragshim" --split bytes -- \
	sh -c 'echo shimmed' 2>&1) || fail "installed fragshim: $out"
[ "$out" = shimmed ] || fail "installed fragshim printed: $out"
# Programs and libraries only; the example's sources under share/doc are
# meant to be there.
bad=$(find "$prefix/bin" "$prefix/lib" -name 'test_*' -o -name 'split_*' \
	-o -name 'roundtrip_*' -o -name 'ts_*')
[ -z "$bad" ] || fail "a test or fuzz target was installed: $bad"
[ "$(ls "$prefix/bin" | wc -l)" -le 9 ] ||
	fail "unexpected programs installed: $(ls "$prefix/bin" | tr '\n' ' ')"
grep -q "FRAGLAB_VERSION \"$version\"" "$prefix/include/fraglab/version.h" ||
	fail "version.h does not say $version"
got=$("$prefix/bin/framecat" --version) ||
	fail "installed framecat --version failed: $got"
[ "$got" = "framecat $version" ] ||
	fail "installed framecat --version says '$got', want 'framecat $version'"

say "every installed header compiles alone"
while IFS= read -r h; do
	rel=${h#"$prefix/include/"}
	printf '#include <%s>\n' "$rel" >"$tmp/hdr.c"
	cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$prefix/include" \
		-I"$prefix/include/fraglab" "$tmp/hdr.c" ||
		fail "$rel does not compile on its own"
done < <(find "$prefix/include" -name '*.h' | sort)

# build_example SRC NAME [cmake args...]: configure and build the project
# SRC in $tmp/NAME, against no package registry.
build_example() {
	local src=$1 dir="$tmp/$2"
	shift 2
	cmake -S "$src" -B "$dir" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
		"$@" >"$dir.log" 2>&1 || { cat "$dir.log"; fail "configure $dir"; }
	cmake --build "$dir" -j 2 >>"$dir.log" 2>&1 || { cat "$dir.log"; fail "build $dir"; }
}

# example NAME [cmake args...]: build the example in $tmp/NAME and run its
# two tests (the good suite passes, the buggy one must be caught).
example() {
	local name=$1
	build_example "$example" "$@"
	ctest --test-dir "$tmp/$name" --output-on-failure ||
		fail "example tests in $tmp/$name"
}

say "example through find_package (prefix $prefix)"
example ex-cmake -DCMAKE_PREFIX_PATH="$prefix"
say "example through pkg-config (prefix $prefix)"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" example ex-pkgconfig -DUSE_PKGCONFIG=ON

say "man pages render without warnings"
for page in "$prefix"/share/man/man*/*; do
	out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$out" ] || fail "man -l $(basename "$page"): $out"
done

# The splitfuzz examples, built with clang against the prefix. sfz_build
# NAME [cmake args...]: configure and build docs/examples/splitfuzz-NAME.
sfz_build() {
	local name=$1
	local -x CC=${SFZ_CC:-clang}
	shift
	build_example "$root/docs/examples/splitfuzz-$name" "sfz-$name" \
		-DCMAKE_PREFIX_PATH="$prefix" "$@"
}
# sfz_fuzz PROGRAM LOG [SEEDS]: libFuzzer for $fuzz_time s from an empty
# corpus (and the SEEDS folder, read only), crash files in the program's
# own folder; prints the exit status.
sfz_fuzz() {
	local prog=$1 log=$2 corpus
	corpus=$(mktemp -d "$tmp/corpus.XXXX")
	set +e
	"$prog" -max_total_time="$fuzz_time" -artifact_prefix="$(dirname "$prog")/" \
		-print_final_stats=1 "$corpus" ${3:+"$3"} >"$log" 2>&1
	echo $?
	set -e
}

if [ $sfz -eq 1 ]; then
	say "splitfuzz examples through find_package (clang, libFuzzer)"
	sfz_build rec
	sfz_build hiredis
	rec="$tmp/sfz-rec"
	say "splitfuzz-rec regression tests (sfz_check in Criterion)"
	ctest --test-dir "$rec" --output-on-failure ||
		fail "splitfuzz-rec: test_rec_fixed must pass, test_rec_buggy fail"
	say "splitfuzz-rec through pkg-config (the replay build)"
	src="$root/docs/examples/splitfuzz-rec"
	# shellcheck disable=SC2046
	${SFZ_CC:-clang} -std=c11 -Wall -Werror -fsanitize=address,undefined \
		-o "$tmp/rec_buggy_pc" "$src/fuzz_rec.c" "$src/rec_target.c" \
		"$src/rec.c" \
		$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags fraglab-splitfuzz) \
		-lfraglab_splitfuzz_replay \
		$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --libs fraglab-splitfuzz) ||
		fail "the pkg-config build of splitfuzz-rec failed"

	say "rec_buggy_fuzz must find the split bug within $fuzz_time s"
	rc=$(sfz_fuzz "$rec/rec_buggy_fuzz" "$tmp/rec_buggy.log")
	crash=$(find "$rec" -maxdepth 1 -name "crash-*" | head -1)
	if [ "$rc" -eq 0 ] || [ -z "$crash" ]; then
		tail -20 "$tmp/rec_buggy.log"
		fail "rec_buggy_fuzz found nothing in $fuzz_time s (exit $rc)"
	fi
	grep '^splitfuzz: ' "$tmp/rec_buggy.log" || true
	grep -qE "$sfz_finding" "$tmp/rec_buggy.log" ||
		{ tail -30 "$tmp/rec_buggy.log"; fail "rec_buggy_fuzz crashed without the harness's finding"; }
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$tmp/rec_buggy.log" || true
	echo "crash file: $(od -An -tx1 "$crash" | tr -s ' \n' ' ')"
	# (in a shell of its own, whose "Aborted" goes to the log)
	! bash -c '"$@"; exit $?' _ "$rec/rec_buggy_replay" "$crash" \
		>"$tmp/replay.log" 2>&1 ||
		{ cat "$tmp/replay.log"; fail "rec_buggy_replay passes its crash file"; }
	"$rec/rec_fixed_replay" "$crash" >"$tmp/replay.log" 2>&1 ||
		{ cat "$tmp/replay.log"; fail "rec_fixed_replay fails the buggy parser's crash file"; }
	for show in "$rec/rec_buggy_replay" "$tmp/rec_buggy_pc"; do
		"$show" --show "$crash" >"$tmp/show.out" 2>&1 ||
			{ cat "$tmp/show.out"; fail "$(basename "$show") --show failed"; }
		grep -qE "$sfz_chunks" "$tmp/show.out" ||
			{ cat "$tmp/show.out"; fail "$(basename "$show") --show printed no chunk list"; }
	done
	echo "rec_buggy_pc --show $(basename "$crash"):"
	sed 's/^/  /' "$tmp/show.out"

	say "rec_fixed_fuzz and hiredis_fuzz must run $fuzz_time s clean (side by side)"
	sfz_fuzz "$rec/rec_fixed_fuzz" "$tmp/rec_fixed.log" >"$tmp/rec_fixed.rc" &
	sfz_fuzz "$tmp/sfz-hiredis/hiredis_fuzz" "$tmp/hiredis.log" \
		"$root/docs/examples/splitfuzz-hiredis/corpus/hiredis_fuzz" >"$tmp/hiredis.rc" &
	wait
	for t in rec_fixed hiredis; do
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$tmp/$t.log" |
			sed "s/^/$t: /" || true
		[ "$(cat "$tmp/$t.rc")" -eq 0 ] ||
			{ tail -40 "$tmp/$t.log"; fail "${t}_fuzz found something (exit $(cat "$tmp/$t.rc"))"; }
	done
fi

if [ $deb -eq 1 ]; then
	say "cpack -G DEB"
	(cd "$build" && cpack -G DEB -B "$tmp/deb" >/dev/null)
	pkg=$(ls "$tmp"/deb/fraglab_*.deb)
	dpkg-deb -c "$pkg" | awk '{print $NF}' >"$tmp/deb.files"
	for f in ./usr/bin/framecat ./usr/bin/fragproxy ./usr/bin/pop3d \
		./usr/lib/libframing.so.$version ./usr/lib/libfragproxy.so.$version \
		./usr/include/fraglab/framing/codec.h ./usr/include/fraglab/criterion.h \
		./usr/lib/cmake/fraglab/fraglabConfig.cmake \
		./usr/lib/pkgconfig/fraglab-framing.pc \
		./usr/include/fraglab/splitfuzz.h ./usr/lib/libfraglab_splitfuzz.a \
		./usr/lib/libfraglab_splitfuzz_replay.a \
		./usr/lib/libfraglab_splitfuzz_afl.a \
		./usr/lib/pkgconfig/fraglab-splitfuzz.pc \
		./usr/share/man/man1/framecat.1 ./usr/share/man/man7/fraglab-specs.7; do
		grep -qxF -- "$f" "$tmp/deb.files" || fail ".deb lacks $f"
	done
	! grep -E '^\./usr/(bin|lib)/.*(test_|split_|roundtrip_|ts_)' \
		"$tmp/deb.files" ||
		fail ".deb holds a test or fuzz target"
	deps=$(dpkg-deb -f "$pkg" Depends)
	echo "Depends: $deps"
	case "$deps" in *libc6*) ;; *) fail ".deb Depends lacks libc6: $deps" ;; esac
	case "$deps" in *libmicrohttpd*) ;; *) fail ".deb Depends lacks libmicrohttpd: $deps" ;; esac

	say "dpkg -i $(basename "$pkg")"
	dpkg -i "$pkg" >/dev/null
	installed_deb=1
	got=$(/usr/bin/framecat --version) ||
		fail "framecat --version failed: $got"
	[ "$got" = "framecat $version" ] ||
		fail "framecat --version says '$got', want 'framecat $version'"
	say "example through find_package and pkg-config on /usr"
	example deb-cmake
	example deb-pkgconfig -DUSE_PKGCONFIG=ON
	say "dpkg -r fraglab (and --purge)"
	dpkg -r fraglab >/dev/null
	dpkg --purge fraglab >/dev/null
	installed_deb=0
	! dpkg -s fraglab >/dev/null 2>&1 || fail "dpkg still lists fraglab"
	[ ! -e /usr/bin/framecat ] && [ ! -e /usr/include/fraglab ] ||
		fail "dpkg -r left files behind"
fi
echo "ci/install-check.sh: all checks passed ($(($(date +%s) - t0)) s)"
