#!/usr/bin/env bash
# lab.sh: real D-state / mmap_lock pile-up scenarios on a live kernel.
# (procdx's copy of the project's shared lab; see README.md beside it.)
#
#   lab.sh up SCENARIO     start a scenario; prints its pids as JSON on stdout
#   lab.sh down [SCENARIO] release everything (all scenarios if none named),
#                          end the processes it started (by pid) and check
#   lab.sh status [SCENARIO]  state letter, wchan and top stack frames of
#                          every task the lab started (never reads cmdline)
#   lab.sh build           compile the C helpers into $LAB_ROOT/bin
#   lab.sh list            list scenarios
#
# Scenarios: mmap-lock  vfork-d  freezer-d  fuse-read-d   (see README.md)
#
# Environment:
#   LAB_READERS       K blocked readers of /proc/T/cmdline in mmap-lock (default 20)
#   LAB_FAULTERS      page-faulting threads of T in mmap-lock (default 3, max 64)
#   LAB_FROZEN        frozen sleepers in freezer-d (default 1; plus one spinner)
#   LAB_FUSE_READERS  buffered readers in fuse-read-d (default 1; plus one O_DIRECT)
#   LAB_TTL           safety net: seconds after which everything releases itself
#                     even without `down` (default 600)
#   LAB_RELEASE       how `down` releases FUSE waiters: abort (default) writes
#                     /sys/fs/fuse/connections/N/abort; answer first makes the
#                     server answer the parked reads, then aborts
#   LAB_ROOT          binaries, state and logs (default ${TMPDIR:-/tmp}/procdx-lab);
#                     its last path component also names the freezer cgroup
#                     (procdx-lab-freezer-d) and only FUSE mounts under it are
#                     checked, so labs with different roots do not collide
#
# Safety: every blocked task is released by `down` (FUSE abort / answer,
# freezer THAWED, vfork child killed) and by the TTL watchdogs if `down` is
# never run.  Only pids recorded at spawn time (checked against their start
# time) are ever signalled.  Needs root.

set -u
set +m # no job control: background children must not become group leaders (see spawn)
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$LAB_DIR/src
ROOT=${LAB_ROOT:-${TMPDIR:-/tmp}/procdx-lab}
# canonical (symlinks resolved): mountpoints are compared with /proc/self/mountinfo
ROOT=$(realpath -m -- "$ROOT" 2>/dev/null || printf '%s' "$ROOT")
BIN=$ROOT/bin
RUN=$ROOT/run
K=${LAB_READERS:-20}
NFAULT=${LAB_FAULTERS:-3}
TTL=${LAB_TTL:-600}
RELEASE=${LAB_RELEASE:-abort}
SCENARIOS="mmap-lock vfork-d freezer-d fuse-read-d"
FREEZER_ROOT=/sys/fs/cgroup/freezer
# cgroup name from the root's last component: procdx-lab-freezer-d by default,
# never the shared lab's proclab-freezer-d (a parallel lab would thaw ours)
CG_NAME=${ROOT##*/}
CG_NAME=${CG_NAME//[^A-Za-z0-9_.-]/_}-freezer-d

log() { printf '[lab] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- helpers ---

build() {
	mkdir -p "$BIN" || die "cannot create $BIN"
	local s n
	for s in "$SRC"/*.c; do
		n=$(basename "$s" .c)
		if [ ! -x "$BIN/$n" ] || [ "$s" -nt "$BIN/$n" ]; then
			log "building $BIN/$n"
			gcc -O2 -Wall -Wextra -pthread -o "$BIN/$n.tmp" "$s" || die "gcc failed for $s"
			mv -f "$BIN/$n.tmp" "$BIN/$n"
		fi
	done
}

# stat_field PATH state|start : parse /proc/.../stat safely (comm may hold spaces)
stat_field() {
	local s="" rest what=$2
	{ IFS= read -r s <"$1"; } 2>/dev/null
	[ -n "$s" ] || return 1
	rest=${s##*) }
	# shellcheck disable=SC2086
	set -- $rest
	case $what in
	state) echo "$1" ;;
	start) echo "${20}" ;;
	esac
}

task_dir() { # pid tid
	if [ "$1" = "$2" ]; then echo "/proc/$1"; else echo "/proc/$1/task/$2"; fi
}

# alive_same PID START: the pid still is the process we started (not reused, not a zombie)
alive_same() {
	local st
	st=$(stat_field "/proc/$1/stat" start) || return 1
	[ "$st" = "$2" ] || return 1
	[ "$(stat_field "/proc/$1/stat" state)" != Z ]
}

# kill_same SIG PID START: signal the process group of PID (every spawned
# process leads its own session and group, see spawn), but only while PID
# still is the process we started.  The group also covers helpers' children
# (e.g. the watchdog's sleep, the vfork child).
kill_same() {
	if alive_same "$2" "$3"; then
		kill -s "$1" -- "-$2" 2>/dev/null || kill -s "$1" "$2" 2>/dev/null
	fi
}

# wait_until DECISECONDS CMD... : poll CMD every 0.1 s
wait_until() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# spawn LOG CMD... : start CMD in its own session, detached from our stdio.
# setsid does not fork here (a background child is not a group leader), so
# $! is the pid of CMD itself.
spawn() {
	local logf=$1
	shift
	setsid "$@" >"$logf" 2>&1 </dev/null &
	SPAWNED=$!
	SPAWNED_START=$(stat_field "/proc/$SPAWNED/stat" start)
	if [ -z "$SPAWNED_START" ]; then
		sleep 0.05
		SPAWNED_START=$(stat_field "/proc/$SPAWNED/stat" start)
	fi
	: "${SPAWNED_START:=0}" # exited already: 0 never matches, so it is never signalled
}

# record ROLE PID TID START EXPECTED_STATE  (in $D/tasks)
record() { echo "$1 $2 $3 $4 $5" >>"$D/tasks"; }

task_state() { stat_field "$(task_dir "$1" "$2")/stat" state; }

state_is() { # pid tid letter
	[ "$(task_state "$1" "$2")" = "$3" ]
}

all_in_state() { # letter pid...
	local l=$1 p
	shift
	for p in "$@"; do state_is "$p" "$p" "$l" || return 1; done
}

fuse_conn_of() { # mountpoint -> minor of the fuse mount at that path, if mounted
	awk -v m="$1" '$5 == m && / - fuse/ { split($3, a, ":"); c = a[2] } END { if (c != "") print c }' /proc/self/mountinfo
}

ensure_fusectl() {
	if ! awk '$2 == "/sys/fs/fuse/connections" && $3 == "fusectl" { f = 1 } END { exit !f }' /proc/mounts; then
		mount -t fusectl none /sys/fs/fuse/connections || die "cannot mount fusectl"
	fi
}

json_arr() { # items...
	local out="" x
	for x in "$@"; do out="${out:+$out,}$x"; done
	printf '[%s]' "$out"
}

tasks_json() { # from $D/tasks
	local out="" role pid tid start exp
	while read -r role pid tid start exp; do
		out="${out:+$out,}{\"role\":\"$role\",\"pid\":$pid,\"tid\":$tid,\"expect\":\"$exp\"}"
	done <"$D/tasks"
	printf '[%s]' "$out"
}

start_fuse_server() { # sets FUSE_PID FUSE_CONN MNT
	ensure_fusectl
	MNT=$D/mnt
	mkdir -p "$MNT"
	echo "$MNT" >"$D/fuse.mnt" # before the mount exists: a `down` after a killed `up` finds it
	spawn "$D/labfuse.log" "$BIN/labfuse" "$MNT" --ttl "$TTL" --ready "$D/fuse.ready"
	FUSE_PID=$SPAWNED
	record fuse_server "$SPAWNED" "$SPAWNED" "$SPAWNED_START" S
	wait_until 30 test -s "$D/fuse.ready" || { cat "$D/labfuse.log" >&2; return 1; }
	FUSE_CONN=$(sed -n 's/.*conn=\([0-9-]*\).*/\1/p' "$D/fuse.ready")
	echo "$FUSE_CONN" >"$D/fuse.conn"
	[ "$FUSE_CONN" != "-1" ] && [ -n "$FUSE_CONN" ]
}

fail_up() {
	log "ERROR: $1; tearing the scenario down again"
	do_down "$SCEN" >&2
	exit 1
}

# ------------------------------------------------------------- scenarios ---

up_mmap_lock() {
	local T MAP W FT CTL H i pids=() f ftids=() info
	start_fuse_server || fail_up "FUSE server did not come up"

	# T: maps the FUSE file, has a writer thread and faulter threads
	spawn "$D/victim.log" "$BIN/labvictim" --file "$MNT/blob" --faulters "$NFAULT" \
		--ttl $((TTL + 30)) --info "$D/victim.info"
	T=$SPAWNED
	local TSTART=$SPAWNED_START
	record target "$T" "$T" "$TSTART" S # at once: a `down` after a killed `up` must find T
	wait_until 30 test -s "$D/victim.info" || fail_up "victim did not start: $(cat "$D/victim.log")"
	info=$(cat "$D/victim.info")
	MAP=$(sed -n 's/.* map=\([^ ]*\).*/\1/p' <<<"$info")
	W=$(sed -n 's/.* writer=\([0-9]*\).*/\1/p' <<<"$info")
	FT=$(sed -n 's/.* faulters=\([0-9,]*\).*/\1/p' <<<"$info")
	CTL=$(sed -n 's/.* control=\([0-9]*\).*/\1/p' <<<"$info")
	IFS=, read -r -a ftids <<<"$FT"

	# H: reads /proc/T/mem at the FUSE page -> holds T's mmap_lock (read), stuck in D
	spawn "$D/memread.log" "$BIN/labmemread" "$T" "$MAP"
	H=$SPAWNED
	record lock_holder "$H" "$H" "$SPAWNED_START" D
	wait_until 30 state_is "$H" "$H" D || fail_up "lock holder $H did not block (state $(task_state "$H" "$H"))"
	grep -q __access_remote_vm "/proc/$H/stack" || fail_up "lock holder $H is not in __access_remote_vm"

	# writer thread of T: mmap() queues for the write lock
	kill -USR1 "$T"
	record writer "$T" "$W" "$TSTART" D
	wait_until 30 state_is "$T" "$W" D || fail_up "writer $W did not block"

	# faulter threads of T: first write to untouched anon memory -> mmap_lock read, queued.
	# The control thread faults in a VMA that already has an anon_vma: per-VMA lock, no wait.
	kill -USR2 "$T"
	for f in "${ftids[@]}"; do
		record faulter "$T" "$f" "$TSTART" D
		wait_until 30 state_is "$T" "$f" D || fail_up "faulter $f did not block"
	done
	record vma_control "$T" "$CTL" "$TSTART" S
	wait_until 30 grep -q 'vmafault: page fault done' "$D/victim.log" ||
		log "warning: the per-VMA-lock control fault did not complete (faults may all need mmap_lock here)"

	# K readers of /proc/T/cmdline, as ps would do
	for ((i = 1; i <= K; i++)); do
		spawn "$D/reader.$i.out" cat "/proc/$T/cmdline"
		record reader "$SPAWNED" "$SPAWNED" "$SPAWNED_START" D
		pids+=("$SPAWNED")
	done
	if [ "$K" -gt 0 ]; then
		wait_until $((30 + K / 5)) all_in_state D "${pids[@]}" || fail_up "not all cmdline readers blocked"
	fi

	cat >"$D/info.json" <<EOF
{"scenario":"mmap-lock","kernel":"$(uname -r)","target_pid":$T,"writer_tid":$W,"faulter_tids":$(json_arr "${ftids[@]}"),"vma_control_tid":$CTL,"lock_holder_pid":$H,"readers":$(json_arr "${pids[@]}"),"reader_file":"/proc/$T/cmdline","fuse_map_addr":"$MAP","fuse":{"server_pid":$FUSE_PID,"conn":$FUSE_CONN,"abort":"/sys/fs/fuse/connections/$FUSE_CONN/abort","mountpoint":"$MNT","file":"$MNT/blob"},"ttl_s":$TTL,"state_dir":"$D","tasks":$(tasks_json)}
EOF
}

up_fuse_read_d() {
	local pids=() i n=${LAB_FUSE_READERS:-1}
	start_fuse_server || fail_up "FUSE server did not come up"
	for ((i = 1; i <= n; i++)); do
		spawn "$D/reader.$i.log" cat "$MNT/blob"
		record fuse_reader "$SPAWNED" "$SPAWNED" "$SPAWNED_START" D
		pids+=("$SPAWNED")
	done
	wait_until 30 all_in_state D "${pids[@]}" || fail_up "FUSE reader(s) did not block"
	# contrast: an O_DIRECT read waits for the FUSE reply itself (interruptible, S)
	spawn "$D/direct_reader.log" dd if="$MNT/blob" of=/dev/null bs=4096 count=1 iflag=direct
	local DR=$SPAWNED
	record direct_reader "$SPAWNED" "$SPAWNED" "$SPAWNED_START" S
	wait_until 30 grep -q "pid=$DR " "$D/labfuse.log" || log "warning: direct reader $DR not seen by server"
	cat >"$D/info.json" <<EOF
{"scenario":"fuse-read-d","kernel":"$(uname -r)","readers":$(json_arr "${pids[@]}"),"direct_reader_pid":$DR,"fuse":{"server_pid":$FUSE_PID,"conn":$FUSE_CONN,"abort":"/sys/fs/fuse/connections/$FUSE_CONN/abort","mountpoint":"$MNT","file":"$MNT/blob"},"ttl_s":$TTL,"state_dir":"$D","tasks":$(tasks_json)}
EOF
}

up_vfork_d() {
	local P C
	spawn "$D/vfork.log" "$BIN/labvfork" --ttl "$TTL" --info "$D/vfork.info"
	P=$SPAWNED
	record vfork_parent "$P" "$P" "$SPAWNED_START" D
	wait_until 30 test -s "$D/vfork.info" || fail_up "vfork child did not report"
	C=$(sed -n 's/.*child=\([0-9]*\).*/\1/p' "$D/vfork.info")
	record vfork_child "$C" "$C" "$(stat_field "/proc/$C/stat" start || echo 0)" S
	wait_until 30 state_is "$P" "$P" D || fail_up "vfork parent not in D"
	cat >"$D/info.json" <<EOF
{"scenario":"vfork-d","kernel":"$(uname -r)","parent_pid":$P,"child_pid":$C,"ttl_s":$TTL,"state_dir":"$D","tasks":$(tasks_json)}
EOF
}

freezer_frozen() { [ "$(cat "$CG/freezer.state" 2>/dev/null)" = FROZEN ]; }

up_freezer_d() {
	local S2 WD i sl=() n=${LAB_FROZEN:-1} p
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || fail_up "LAB_FROZEN must be >= 1"
	[ -d "$FREEZER_ROOT" ] || fail_up "no cgroup v1 freezer at $FREEZER_ROOT"
	CG=$FREEZER_ROOT/$CG_NAME
	echo "$CG" >"$D/cgroup" # first: a `down` after a killed `up` finds the cgroup
	mkdir -p "$CG" || fail_up "cannot create $CG"
	for ((i = 1; i <= n; i++)); do
		spawn "$D/sleeper.$i.log" sleep "$((TTL + 30))"
		record frozen_sleeper "$SPAWNED" "$SPAWNED" "$SPAWNED_START" D
		sl+=("$SPAWNED")
	done
	spawn "$D/spinner.log" "$BIN/labspin" --ttl "$((TTL + 30))"
	S2=$SPAWNED
	record frozen_spinner "$S2" "$S2" "$SPAWNED_START" D
	for p in "${sl[@]}" "$S2"; do
		echo "$p" >"$CG/cgroup.procs" || fail_up "cannot move $p into $CG"
	done
	# safety net: thaw after TTL even if `down` is never run
	spawn "$D/watchdog.log" bash -c "sleep $TTL; echo THAWED > '$CG/freezer.state'"
	WD=$SPAWNED
	record watchdog "$WD" "$WD" "$SPAWNED_START" S
	echo FROZEN >"$CG/freezer.state"
	wait_until 30 freezer_frozen || fail_up "cgroup did not reach FROZEN ($(cat "$CG/freezer.state"))"
	cat >"$D/info.json" <<EOF
{"scenario":"freezer-d","kernel":"$(uname -r)","cgroup":"$CG","freezer_state":"$(cat "$CG/freezer.state")","frozen_pids":$(json_arr "${sl[@]}" "$S2"),"sleeper_pids":$(json_arr "${sl[@]}"),"spinner_pid":$S2,"watchdog_pid":$WD,"ttl_s":$TTL,"state_dir":"$D","tasks":$(tasks_json)}
EOF
}

do_up() {
	SCEN=$1
	case " $SCENARIOS " in *" $SCEN "*) ;; *) die "unknown scenario '$SCEN' (one of: $SCENARIOS)" ;; esac
	[ "$(id -u)" = 0 ] || die "must run as root"
	[[ $K =~ ^[0-9]+$ ]] || die "LAB_READERS must be a number"
	[[ $NFAULT =~ ^[0-9]+$ ]] && [ "$NFAULT" -le 64 ] || die "LAB_FAULTERS must be 0..64"
	[[ $TTL =~ ^[0-9]+$ ]] && [ "$TTL" -ge 10 ] || die "LAB_TTL must be a number >= 10"
	build
	D=$RUN/$SCEN
	[ -e "$D/tasks" ] && die "$SCEN is already up (lab.sh down $SCEN first)"
	rm -rf "$D"
	mkdir -p "$D"
	: >"$D/tasks"
	case $SCEN in
	mmap-lock) up_mmap_lock ;;
	fuse-read-d) up_fuse_read_d ;;
	vfork-d) up_vfork_d ;;
	freezer-d) up_freezer_d ;;
	esac
	cat "$D/info.json"
	log "$SCEN is up; 'lab.sh status' to inspect, 'lab.sh down' to release (auto-release after ${TTL}s)"
}

# ------------------------------------------------------------------ down ---

recorded_blocked() { # true while a recorded, still-alive task is in D
	local role pid tid start exp
	while read -r role pid tid start exp; do
		alive_same "$pid" "$start" || continue
		[ "$(task_state "$pid" "$tid")" = D ] && return 0
	done <"$D/tasks"
	return 1
}

none_blocked() { ! recorded_blocked; }
none_alive() { ! recorded_alive; }
freezer_thawed() { [ "$(cat "$CG/freezer.state" 2>/dev/null)" = THAWED ]; }

recorded_alive() {
	local role pid tid start exp
	while read -r role pid tid start exp; do
		alive_same "$pid" "$start" && return 0
	done <"$D/tasks"
	return 1
}

signal_recorded() { # SIG [role...]: signal recorded processes (not threads), optionally only some roles
	local sig=$1 role pid tid start exp
	shift
	while read -r role pid tid start exp; do
		[ "$pid" = "$tid" ] || continue
		if [ $# -gt 0 ]; then
			case " $* " in *" $role "*) ;; *) continue ;; esac
		fi
		kill_same "$sig" "$pid" "$start"
	done <"$D/tasks"
}

# `up` was killed before it recorded the vfork child: take the child's pid from
# vfork.info, and kill it only while its parent is our recorded, live vfork parent.
kill_unrecorded_vfork_child() {
	local c role pid tid start exp s rest
	c=$(sed -n 's/.*child=\([0-9]*\).*/\1/p' "$D/vfork.info" 2>/dev/null)
	[ -n "$c" ] || return 0
	{ IFS= read -r s <"/proc/$c/stat"; } 2>/dev/null || return 0
	rest=${s##*) }
	# shellcheck disable=SC2086
	set -- $rest
	while read -r role pid tid start exp; do
		[ "$role" = vfork_parent ] && [ "$2" = "$pid" ] && alive_same "$pid" "$start" || continue
		log "killing vfork child $c (not recorded: up was interrupted)"
		kill -KILL "$c" 2>/dev/null
	done <"$D/tasks"
}

release_fuse() {
	local conn mnt cur
	conn=$(cat "$D/fuse.conn" 2>/dev/null)
	mnt=$(cat "$D/fuse.mnt" 2>/dev/null)
	if [ "$RELEASE" = answer ]; then
		log "answering parked FUSE reads (SIGUSR1 to the server)"
		signal_recorded USR1 fuse_server
		wait_until 30 none_blocked || log "still blocked after answering"
	fi
	# Abort only if the connection still is the one mounted at our mountpoint.
	cur=$( [ -n "$mnt" ] && fuse_conn_of "$mnt")
	# no fuse.conn: `up` was killed before the server reported; a FUSE mount on our
	# own state directory can only be the one it made
	[ -n "$conn" ] || conn=$cur
	if [ -n "$conn" ] && [ "$cur" = "$conn" ] && [ -e "/sys/fs/fuse/connections/$conn/abort" ]; then
		log "aborting FUSE connection $conn (/sys/fs/fuse/connections/$conn/abort)"
		echo 1 >"/sys/fs/fuse/connections/$conn/abort"
	fi
}

unmount_fuse() {
	local mnt
	mnt=$(cat "$D/fuse.mnt" 2>/dev/null) || return 0
	while [ -n "$(fuse_conn_of "$mnt")" ]; do
		umount "$mnt" 2>/dev/null || umount -l "$mnt" || { log "cannot unmount $mnt"; return 1; }
	done
	rmdir "$mnt" 2>/dev/null
	return 0
}

do_down_one() {
	D=$RUN/$1
	[ -e "$D/tasks" ] || return 0
	log "down $1"
	case $1 in
	mmap-lock | fuse-read-d)
		release_fuse
		;;
	vfork-d)
		signal_recorded KILL vfork_child
		grep -q '^vfork_child ' "$D/tasks" || kill_unrecorded_vfork_child
		;;
	freezer-d)
		CG=$(cat "$D/cgroup" 2>/dev/null)
		if [ -n "$CG" ] && [ -e "$CG/freezer.state" ]; then
			log "thawing $CG"
			echo THAWED >"$CG/freezer.state"
			wait_until 30 freezer_thawed || log "cgroup not THAWED"
		fi
		;;
	esac
	# every blocked task must come out of D by itself now
	if wait_until 50 none_blocked; then
		log "no recorded task is in D any more"
	else
		log "WARNING: some recorded tasks are still in D after release:"
		report_tasks "$D" >&2
		DOWN_OK=0
	fi
	signal_recorded TERM
	wait_until 20 none_alive || signal_recorded KILL
	wait_until 30 none_alive || { log "WARNING: still alive:"; report_tasks "$D" >&2; DOWN_OK=0; }
	case $1 in
	mmap-lock | fuse-read-d) unmount_fuse || DOWN_OK=0 ;;
	freezer-d)
		if [ -n "${CG:-}" ] && [ -d "$CG" ]; then
			rmdir "$CG" 2>/dev/null || { log "could not remove $CG (tasks: $(tr '\n' ' ' <"$CG/cgroup.procs"))"; DOWN_OK=0; }
		fi
		;;
	esac
	# keep the logs of the last run
	rm -rf "$ROOT/last/$1" 2>/dev/null
	mkdir -p "$ROOT/last"
	# -T: never move into an old last/SCENARIO that could not be removed (a stale mount in it)
	mv -T "$D" "$ROOT/last/$1" 2>/dev/null || mv -T "$D" "$ROOT/last/$1.$$"
	log "$1 is down (logs in $ROOT/last/$1)"
}

do_down() {
	local s any=0
	DOWN_OK=1
	if [ $# -gt 0 ]; then
		do_down_one "$1"
	else
		for s in $SCENARIOS; do
			[ -e "$RUN/$s/tasks" ] && any=1 && do_down_one "$s"
		done
		[ $any = 1 ] || log "nothing is up"
	fi
	check_clean
	[ $DOWN_OK = 1 ]
}

check_clean() {
	# global view, without reading any cmdline (ps would hang if a pile-up remained)
	local t s rest state comm n=0 tid pid
	for t in /proc/[0-9]*/task/[0-9]*; do
		s=""
		{ IFS= read -r s <"$t/stat"; } 2>/dev/null
		[ -n "$s" ] || continue
		rest=${s##*) }
		state=${rest%% *}
		if [ "$state" = D ]; then
			comm=${s#*(}
			comm=${comm%)*}
			tid=${t##*/}
			pid=${t#/proc/}
			pid=${pid%%/*}
			log "D task still present: pid $pid tid $tid ($comm) wchan=$(cat "$t/wchan" 2>/dev/null)"
			n=$((n + 1))
		fi
	done
	local m
	# only our own mounts (under $ROOT): another lab on this host may be up
	m=$(awk -v r="$ROOT/" '$3 == "fuse.proclab" && index($2, r) == 1 { print $2 }' /proc/mounts)
	[ -z "$m" ] || { log "lab FUSE mounts still present: $m"; DOWN_OK=0; }
	if [ $n = 0 ]; then log "check: no task in D state on this host"; else log "check: $n task(s) in D on this host (see above; lab tasks are checked by pid)"; fi
	return 0
}

# ---------------------------------------------------------------- status ---

report_tasks() { # D
	local role pid tid start exp dir st wchan frames
	printf '%-15s %7s %7s %-5s %-5s %-28s %s\n' ROLE PID TID STATE WANT WCHAN "STACK (top frames)"
	while read -r role pid tid start exp; do
		dir=$(task_dir "$pid" "$tid")
		if ! alive_same "$pid" "$start"; then
			printf '%-15s %7s %7s %-5s %-5s %-28s %s\n' "$role" "$pid" "$tid" gone "$exp" - -
			continue
		fi
		st=$(stat_field "$dir/stat" state)
		wchan=$(cat "$dir/wchan" 2>/dev/null)
		frames=$(head -n 4 "$dir/stack" 2>/dev/null | sed 's/^\[<[0-9a-f]*>\] //' | paste -sd' ' | sed 's/ / <- /g')
		printf '%-15s %7s %7s %-5s %-5s %-28s %s\n' "$role" "$pid" "$tid" "$st" "$exp" "${wchan:--}" "${frames:--}"
	done <"$1/tasks"
}

do_status() {
	local s any=0 list=$SCENARIOS
	[ $# -gt 0 ] && list=$1
	for s in $list; do
		D=$RUN/$s
		[ -e "$D/tasks" ] || continue
		any=1
		echo "== $s"
		[ -s "$D/info.json" ] && cat "$D/info.json"
		if [ -s "$D/cgroup" ]; then echo "freezer.state: $(cat "$(cat "$D/cgroup")/freezer.state" 2>/dev/null)"; fi
		report_tasks "$D"
	done
	[ $any = 1 ] || echo "nothing is up"
	echo "loadavg: $(cat /proc/loadavg)"
	local n=0 t s rest
	for t in /proc/[0-9]*/task/[0-9]*; do
		s=""
		{ IFS= read -r s <"$t/stat"; } 2>/dev/null
		rest=${s##*) }
		[ "${rest%% *}" = D ] && n=$((n + 1))
	done
	echo "tasks (threads) in D on this host: $n"
}

# ------------------------------------------------------------------ main ---

case ${1:-} in
up)
	[ $# -ge 2 ] || die "usage: lab.sh up SCENARIO ($SCENARIOS)"
	do_up "$2"
	;;
down)
	do_down ${2:+"$2"}
	;;
status)
	do_status ${2:+"$2"}
	;;
build) build ;;
list) echo "$SCENARIOS" ;;
help | -h | --help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//' ;;
*)
	sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
