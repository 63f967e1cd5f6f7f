# fuzz/lib.sh: shared by fuzz/*.sh and fuzz/oss-fuzz/build.sh (sourced, not
# run): the target list, a dictionary per target, logging, the preset
# build of a set of targets, process cleanup by PID.
# shellcheck shell=bash

FZ_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FZ_CODECS="fixed line crlf delim len cobs slip netstring tlv raw resp http1 ws"

fz_log() { printf '%s: %s\n' "${FZ_PROG:-fuzz}" "$*" >&2; }
fz_die() { fz_log "$*"; exit 1; }
fz_usage_error() { fz_log "$*"; exit 2; }

# Every target name, in a stable order.
fz_all_targets() {
	local c
	for c in $FZ_CODECS; do printf 'split_%s\n' "$c"; done
	for c in $FZ_CODECS; do printf 'roundtrip_%s\n' "$c"; done
	printf 'spec_parse\nschedule_parse\nserver_echo\npop3_session\n'
}

# "all" or a comma/space separated list -> one name a line, checked.
fz_targets() {
	local list=$1 t
	if [ "$list" = all ]; then fz_all_targets; return; fi
	for t in ${list//,/ }; do
		fz_all_targets | grep -qx "$t" || fz_usage_error "unknown target '$t'"
		printf '%s\n' "$t"
	done
}

# Dictionary file for a target (empty output: none).
# The seed folders of target $1 that exist, one a line: corpus/<t>/ and
# corpus/regressions/<t>/ (git keeps no empty folder, and libFuzzer exits
# on a folder that is not there).
fz_seed_dirs() {
	local d
	for d in "$FZ_ROOT/corpus/$1" "$FZ_ROOT/corpus/regressions/$1"; do
		[ -d "$d" ] && printf '%s\n' "$d"
	done
	return 0
}

fz_dict_for() {
	local d=$FZ_ROOT/fuzz/dict
	case $1 in
	*_line | *_crlf | *_delim) echo "$d/delim.dict" ;;
	*_len | *_tlv) echo "$d/len.dict" ;;
	*_cobs | *_slip) echo "$d/stuff.dict" ;;
	*_netstring) echo "$d/netstring.dict" ;;
	*_resp) echo "$d/resp.dict" ;;
	*_http1) echo "$d/http1.dict" ;;
	*_ws) echo "$d/ws.dict" ;;
	spec_parse) echo "$d/spec.dict" ;;
	schedule_parse) echo "$d/sched.dict" ;;
	pop3_session) echo "$d/pop3.dict" ;;
	*) ;;
	esac
}

# Configure + build the targets in $FZ_TARGETS with CMake preset $1 (one
# of CMakePresets.json: fuzz-libfuzzer, fuzz-libfuzzer-nosan, fuzz-afl,
# fuzz-replay, coverage) into build dir $2 (the preset's own dir is
# build/<preset>; scripts keep theirs apart). The preset says it all: no
# flags are spelled here.
fz_build() {
	local preset=$1 dir=$2
	mkdir -p "$dir"
	fz_log "configuring preset $preset in $dir"
	# shellcheck disable=SC2086
	(cd "$FZ_ROOT" && cmake --preset "$preset" -B "$dir" ${FZ_CMAKE_ARGS:-}) \
		>"$dir/fz-configure.log" 2>&1 ||
		{ cat "$dir/fz-configure.log" >&2; fz_die "cmake configure failed"; }
	fz_log "building $(echo "$FZ_TARGETS" | wc -w) targets"
	# shellcheck disable=SC2086
	cmake --build "$dir" -j "${FZ_BUILD_JOBS:-2}" --target $FZ_TARGETS \
		>"$dir/fz-build.log" 2>&1 ||
		{ tail -40 "$dir/fz-build.log" >&2; fz_die "build failed"; }
}

# PIDs started by the sourcing script; killed (by PID) on exit.
FZ_PIDS=""
fz_cleanup() {
	local p
	for p in $FZ_PIDS; do kill "$p" 2>/dev/null || true; done
	FZ_PIDS=""
}

# 90s, 30m, 8h or plain seconds -> seconds.
fz_seconds() {
	local v=$1
	case $v in
	*h) echo $((${v%h} * 3600)) ;; *m) echo $((${v%m} * 60)) ;;
	*s) echo "${v%s}" ;; *) echo "$v" ;;
	esac
}

# Files (not dot files) directly in directory $1; 0 when it is missing.
fz_count() { find "$1" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | wc -l; }
