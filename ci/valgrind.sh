#!/usr/bin/env bash
# Runs each fraglab tool under valgrind (memcheck, full leak check) on a
# short real workload: framecat, echod (several models), fragproxy,
# echo-client, udp-echod, fragtest (run, capture, diff, client) and pop3d. Exits non-zero on any valgrind
# error or leak, or if a tool fails.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: ci/valgrind.sh BINDIR
Runs framecat, echod, fragproxy, echo-client, udp-echod, fragtest and pop3d from
BINDIR under valgrind on a short workload; fails on any memcheck error or
definite/indirect leak. Prints one line per tool.
USAGE
}

case "${1:-}" in
-h | --help) usage; exit 0 ;;
"") usage >&2; exit 2 ;;
esac
bin=$(cd "$1" && pwd)
command -v valgrind >/dev/null || { echo "ci/valgrind.sh: valgrind not installed" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "valgrind: memcheck, full leak check, on the programs in $bin"
vg=(valgrind -q --error-exitcode=99 --leak-check=full
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect)
fails=0

check() { # NAME RC
	if [ "$2" -eq 0 ]; then
		echo "valgrind: $1: clean"
	else
		echo "valgrind: $1: FAILED (exit $2)"
		fails=$((fails + 1))
	fi
}

# Start a daemon under valgrind, wait for its listening line; sets PORT.
start() { # NAME ARGS...
	local name=$1 log="$work/$1.out"
	shift
	"${vg[@]}" --log-file="$work/$name.vg" "$@" >"$log" 2>"$work/$name.err" &
	pids+=($!)
	last_pid=$!
	for _ in $(seq 1 300); do
		if grep -q "^listening on" "$log" 2>/dev/null; then
			PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$log" | head -1)
			return 0
		fi
		sleep 0.1
	done
	echo "valgrind: $name never printed its listening line" >&2
	cat "$work/$name.err" >&2
	return 1
}

# Stop it with SIGTERM; check its exit status and the valgrind log.
stop() { # NAME PID
	local rc=0
	kill -TERM "$2"
	wait "$2" || rc=$?
	[ -s "$work/$1.vg" ] && { cat "$work/$1.vg"; rc=99; }
	check "$1" "$rc"
}

# framecat: encode + decode byte by byte, and a decode error path
rc=0
printf '68656c6c6f\n\n776f726c64\n' >"$work/msgs"
"${vg[@]}" "$bin/framecat" encode len:varint <"$work/msgs" >"$work/stream" || rc=$?
"${vg[@]}" "$bin/framecat" decode len:varint --split bytes <"$work/stream" >"$work/back" || rc=$?
cmp -s "$work/msgs" "$work/back" || rc=98
printf 'abc' | "${vg[@]}" "$bin/framecat" decode line 2>/dev/null && rc=97 || [ $? -eq 1 ] || rc=96
check framecat "$rc"

for model in iterative thread select poll epoll; do
	start "echod-$model" "$bin/echod" --model "$model" --framing line --listen 127.0.0.1:0
	epid=$last_pid
	eport=$PORT
	rc=0
	"$bin/echo-client" --connect "127.0.0.1:$eport" --framing line one two three >"$work/ec.out" || rc=$?
	[ "$(wc -l <"$work/ec.out")" -eq 3 ] || rc=95
	stop "echod-$model" "$epid"
	[ "$rc" -eq 0 ] || check "echod-$model client" "$rc"
done

# fragproxy cutting bytes in front of echod, and echo-client under valgrind
"$bin/echod" --model epoll --framing len:2be --listen 127.0.0.1:0 >"$work/e.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 1 100); do grep -q "^listening" "$work/e.out" && break; sleep 0.1; done
eport=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/e.out")
start fragproxy "$bin/fragproxy" --listen 127.0.0.1:0 --upstream "127.0.0.1:$eport" \
	--split random:1-5 --seed 7
ppid=$last_pid
rc=0
"${vg[@]}" "$bin/echo-client" --connect "127.0.0.1:$PORT" --framing len:2be alpha beta gamma >"$work/pc.out" || rc=$?
[ "$(cat "$work/pc.out")" = "$(printf 'alpha\nbeta\ngamma')" ] || rc=94
check echo-client "$rc"
stop fragproxy "$ppid"

# udp-echod
start udp-echod "$bin/udp-echod" --listen 127.0.0.1:0
upid=$last_pid
rc=0
"$bin/echo-client" --udp --connect "127.0.0.1:$PORT" ping >/dev/null || rc=$?
stop udp-echod "$upid"
[ "$rc" -eq 0 ] || check "udp-echod client" "$rc"

# fragtest: a short run against echod (children are not traced)
rc=0
"${vg[@]}" "$bin/fragtest" run --framing line \
	--server-cmd "$bin/echod --model epoll --framing line --listen 127.0.0.1:{port}" \
	--split bytes --clients 2 --messages 5 --seed 3 >"$work/ft.out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || cat "$work/ft.out"
check fragtest "$rc"

# fragtest capture, diff and client against echod: capture buffers, the
# frame-by-frame comparison, masks and the client runner
ECHOD="$bin/echod --model epoll --framing line --listen 127.0.0.1:0"
printf 'one\ntwo\nthree\n' >"$work/ft.req"
rc=0
{ "${vg[@]}" "$bin/fragtest" capture --server-cmd "$ECHOD" \
	--client-cmd "printf 'x\\n' | socat -t 2 - TCP:{host}:{port}" \
	--out "$work/ft.cap" &&
	"${vg[@]}" "$bin/fragtest" diff --server-cmd "$ECHOD" --requests "$work/ft.req" \
		--requests "$work/ft.cap" --seeds 1 --quiet 100ms --up-framing line \
		--down-framing line --mask 'o+' &&
	"${vg[@]}" "$bin/fragtest" diff --server-cmd "$ECHOD" --requests "$work/ft.req" \
		--split bytes --half-close --quiet 100ms &&
	"${vg[@]}" "$bin/fragtest" client --server-cmd "$ECHOD" --seeds 1 \
		--client-cmd "printf 'a\\nb\\n' | socat -t 2 - TCP:{host}:{port}"
} >"$work/ftd.out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || cat "$work/ftd.out"
check "fragtest capture/diff/client" "$rc"

# pop3d: a whole session over bash's /dev/tcp (RETR streams, DELE, QUIT
# runs UPDATE), then a second session dropped before QUIT
mkdir -p "$work/mail/alice"
printf 'Subject: x\r\n\r\n.line\r\nbody\r\n' >"$work/mail/alice/1"
head -c 200000 /dev/zero | tr '\0' 'y' >"$work/mail/alice/2"
printf 'alice:secret\n' >"$work/users"
start pop3d "$bin/pop3d" --listen 127.0.0.1:0 --users "$work/users" --maildir "$work/mail"
p3pid=$last_pid
rc=0
pop3_session() { # COMMANDS...: send them in one write, read to the close
	exec 3<>"/dev/tcp/127.0.0.1/$PORT"
	printf '%s\r\n' "$@" >&3
	cat <&3 >"$work/pop3.out"
	exec 3<&-
}
pop3_session "USER alice" "PASS secret" "RETR 1" "RETR 2" "DELE 1" "QUIT"
grep -q '^+OK bye, 1 messages left' "$work/pop3.out" || rc=93
[ ! -e "$work/mail/alice/1" ] || rc=92
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'USER alice\r\nPASS secret\r\nDELE 1\r\n' >&3
exec 3<&-
sleep 1
[ -e "$work/mail/alice/2" ] || rc=91
stop pop3d "$p3pid"
[ "$rc" -eq 0 ] || check "pop3d session" "$rc"

[ "$fails" -eq 0 ]
