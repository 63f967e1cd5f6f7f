#!/usr/bin/env bash
# Checks fraglab as a package another project uses (issue 16): install a
# build tree into a temporary prefix, compile every installed header alone,
# build and run docs/examples/criterion-user against that prefix through
# find_package and through pkg-config, build the .deb, check its file list,
# install it, run framecat and the example against /usr, remove it, and
# render every man page with warnings as errors.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: ci/install-check.sh [--build-dir DIR] [--no-deb] [--help]
  --build-dir DIR  build tree to install from (default build/ci-gcc; it is
                   configured with the ci-gcc preset if missing, and only
                   the installed targets are built)
  --no-deb         skip the .deb (cpack, dpkg -i, the example on /usr,
                   dpkg -r), e.g. when not root
Exits 0 when every check passed, 1 when one failed, 2 on bad usage.
USAGE
}

root=$(cd "$(dirname "$0")/.." && pwd)
build=build/ci-gcc
deb=1
while [ $# -gt 0 ]; do
	case "$1" in
	--help | -h) usage; exit 0 ;;
	--build-dir)
		[ $# -ge 2 ] || { echo "ci/install-check.sh: --build-dir needs a DIR" >&2; exit 2; }
		build=$2
		shift ;;
	--no-deb) deb=0 ;;
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
t0=$(date +%s)
say() { echo "--- $* ($(($(date +%s) - t0)) s)"; }

# The targets `cmake --install` copies (the programs and the libraries).
targets=(framecat echod udp-echod echo-client fragproxy fragtest pop3d fragshim
	fragshim_preload
	framing framing_shared fragproxy_shared fraglab_criterion)
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
	lib/cmake/fraglab/fraglabConfig.cmake \
	lib/pkgconfig/fraglab-criterion.pc share/man/man7/fraglab-specs.7 \
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

# example NAME [cmake args...]: build the example in $tmp/NAME and run its
# two tests (the good suite passes, the buggy one must be caught).
example() {
	local dir="$tmp/$1"
	shift
	cmake -S "$example" -B "$dir" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
		"$@" >"$dir.log" 2>&1 || { cat "$dir.log"; fail "configure $dir"; }
	cmake --build "$dir" -j 2 >>"$dir.log" 2>&1 || { cat "$dir.log"; fail "build $dir"; }
	ctest --test-dir "$dir" --output-on-failure || fail "example tests in $dir"
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
