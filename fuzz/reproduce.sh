#!/usr/bin/env bash
# fuzz/reproduce.sh: replay one fuzz input in a clang ASan+UBSan build of
# its target (plain replay driver) and print a symbolised stack, plus the
# spec and split schedule the input stands for (show-input).
set -euo pipefail
FZ_PROG=reproduce
. "$(dirname "$0")/lib.sh"

BUILD=$FZ_ROOT/build/reproduce
TARGET=""

usage() {
	cat <<USAGE
usage: fuzz/reproduce.sh [--target TARGET] [--build-dir DIR] INPUT
Rebuild TARGET with preset fuzz-replay (clang ASan+UBSan, replay driver)
in DIR (default $BUILD) and run it on INPUT with a symbolised stack. TARGET defaults to
the one the path names: corpus/<t>/..., corpus/regressions/<t>/...,
<t>/crash-... (ci-fuzz.sh) or <t>-crash-... (libFuzzer artifact prefix).
Exit 0 if the input no longer fails, 1 if it does.
USAGE
}

INPUT=""
while [ $# -gt 0 ]; do
	case $1 in
	--target) TARGET=${2:?}; shift 2 ;;
	--build-dir) BUILD=${2:?}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; fz_usage_error "unknown option '$1'" ;;
	*) [ -z "$INPUT" ] || fz_usage_error "one INPUT only"; INPUT=$1; shift ;;
	esac
done
[ -n "$INPUT" ] || { usage >&2; exit 2; }
[ -f "$INPUT" ] || fz_usage_error "$INPUT: no such file"

# Target from the path: a directory named like a target, or a prefix.
guess_target() {
	local path=$1 t base
	base=$(basename "$path")
	for t in $(fz_all_targets); do
		case /$(dirname "$path")/ in */"$t"/*) echo "$t"; return ;; esac
		case $base in "$t"-*) echo "$t"; return ;; esac
	done
}
[ -n "$TARGET" ] || TARGET=$(guess_target "$(realpath "$INPUT")")
[ -n "$TARGET" ] || fz_usage_error "cannot tell the target from '$INPUT': use --target"
fz_targets "$TARGET" >/dev/null

FZ_TARGETS="$TARGET show-input"
fz_build fuzz-replay "$BUILD"
case $TARGET in
split_* | roundtrip_*)
	fz_log "what the input stands for:"
	"$BUILD/bin/show-input" "$TARGET" "$INPUT" || true ;;
esac
export ASAN_OPTIONS=${ASAN_OPTIONS:-symbolize=1:handle_abort=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer || true)
export ASAN_SYMBOLIZER_PATH
fz_log "running $TARGET on $INPUT"
if "$BUILD/bin/$TARGET" "$INPUT"; then
	fz_log "no failure: $INPUT passes $TARGET"
	exit 0
fi
fz_log "reproduced; once fixed, keep it: cp '$INPUT' corpus/regressions/$TARGET/"
exit 1
