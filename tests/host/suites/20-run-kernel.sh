# SPDX-License-Identifier: GPL-2.0
#
# scripts/run-kernel, as the tests and the attendee use it: the guest
# command's exit status and output come back, and a guest that crashes or
# hangs fails the run instead of passing quietly.
# shellcheck shell=bash disable=SC2154 # $work is the runner's scratch directory

run_kernel=$KIT_ROOT/scripts/run-kernel

# boot OUT ARGS...: run-kernel ARGS, its output in OUT; prints its exit status.
boot() {
	local out=$1
	shift
	status_of "$out" "$run_kernel" "$@"
}

exec_returns_the_guest_commands_exit_status() {
	local rc
	rc=$(boot "$work/exec3.log" --exec 'echo "output from the guest"; exit 3')
	[ "$rc" -eq 3 ] || fail "expected exit status 3, got $rc: $(tail -n 5 "$work/exec3.log")"
	grep -q 'output from the guest' "$work/exec3.log" || fail "the command's output was not shown"
	rc=$(boot "$work/exec0.log" --exec true)
	[ "$rc" -eq 0 ] || fail "expected exit status 0 for true, got $rc"
}

append_and_overlay_reach_the_guest() {
	local rc
	mkdir -p "$work/overlay/etc"
	echo "from the overlay" >"$work/overlay/etc/marker"
	rc=$(boot "$work/overlay.log" --append "workshop.marker=42" --overlay "$work/overlay" \
		--exec 'grep -q workshop.marker=42 /proc/cmdline && grep -q "from the overlay" /etc/marker')
	[ "$rc" -eq 0 ] || fail "the guest did not see the --append parameter and the --overlay file (exit $rc)"
}

kernel_panic_in_the_guest_fails_the_run() {
	local rc
	rc=$(boot "$work/panic.log" --timeout 60 --exec 'echo c >/proc/sysrq-trigger; exit 0')
	[ "$rc" -eq 125 ] || fail "expected exit status 125 for a panic, got $rc"
	grep -q 'the guest kernel crashed' "$work/panic.log" || fail "no crash message: $(tail -n 5 "$work/panic.log")"
}

# boot_timed OUT ARGS...: as boot, and prints "STATUS SECONDS".
boot_timed() {
	local start=$SECONDS rc
	rc=$(boot "$@")
	echo "$rc $((SECONDS - start))"
}

hanging_guest_fails_when_the_timeout_passes() {
	local rc elapsed
	read -r rc elapsed < <(boot_timed "$work/hang.log" --timeout 4 --exec 'sleep 600')
	[ "$rc" -eq 124 ] || fail "expected exit status 124 for a timeout, got $rc"
	[ "$elapsed" -lt 20 ] || fail "the run took $elapsed s with --timeout 4"
	grep -q 'did not finish within 4 s' "$work/hang.log" || fail "no timeout message"
}

poweroff_in_the_guest_ends_qemu_at_once() {
	local rc elapsed
	read -r rc elapsed < <(boot_timed "$work/poweroff.log" --timeout 20 --exec 'poweroff; sleep 60')
	[ "$rc" -ne 124 ] || fail "poweroff did not end the guest: the 20 s timeout passed"
	[ "$elapsed" -lt 15 ] || fail "the run took $elapsed s after poweroff"
}

unknown_option_prints_usage_and_exits_2() {
	local rc
	rc=$(boot "$work/usage.log" --frobnicate)
	[ "$rc" -eq 2 ] || fail "expected exit status 2, got $rc"
	grep -q '^Usage: scripts/run-kernel' "$work/usage.log" || fail "no usage: $(cat "$work/usage.log")"
}

ktap_plan 6
ktap_run exec_returns_the_guest_commands_exit_status
ktap_run append_and_overlay_reach_the_guest
ktap_run kernel_panic_in_the_guest_fails_the_run
ktap_run hanging_guest_fails_when_the_timeout_passes
ktap_run poweroff_in_the_guest_ends_qemu_at_once
ktap_run unknown_option_prints_usage_and_exits_2
