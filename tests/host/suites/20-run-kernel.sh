# SPDX-License-Identifier: GPL-2.0
#
# scripts/run-kernel, as the tests and the attendee use it: the guest
# command's exit status and output come back, and a guest that crashes or
# hangs fails the run instead of passing quietly; with --reload, modules
# sent by scripts/reload-module replace the loaded ones, as scripts/watch
# does after a save.
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

# reload_boot NAME GUEST-COMMAND: boot with --reload and vdev.devices=3 in
# the background, running GUEST-COMMAND after it printed "guest-ready",
# and wait for that. run-kernel's exit status goes to $work/NAME.rc.
reload_boot() {
	local name=$1 _
	rm -f "$work/$name.rc"
	(
		rc=0
		"$run_kernel" --reload --timeout 120 --append vdev.devices=3 \
			--exec "echo guest-ready; $2" >"$work/$name.log" 2>&1 || rc=$?
		echo "$rc" >"$work/$name.rc"
	) </dev/null >/dev/null 2>&1 &
	for _ in $(seq 600); do
		grep -q '^guest-ready' "$work/$name.log" 2>/dev/null && break
		sleep 0.1
	done
}

# reload_status NAME: wait for the boot of reload_boot NAME to end, and
# print run-kernel's exit status.
reload_status() {
	local _
	for _ in $(seq 1300); do
		[ -s "$work/$1.rc" ] && break
		sleep 0.1
	done
	cat "$work/$1.rc"
}

# A guest shell command that waits (up to 30 s) until vdev was loaded a
# second time.
# shellcheck disable=SC2016 # for the guest's shell to expand
guest_reloads='for i in $(seq 300); do [ "$(dmesg | grep -c "vdev: 3 devices")" -ge 2 ] && break;
	sleep 0.1; done; [ "$(dmesg | grep -c "vdev: 3 devices")" -ge 2 ]'

reload_module_swaps_vdev_in_the_running_guest_keeping_its_parameters() {
	local rc=0 out
	reload_boot reload "$guest_reloads && test -e /dev/vdev2 && echo devices=\$(cat /sys/module/vdev/parameters/devices)"
	out=$("$KIT_ROOT/scripts/reload-module" vdev 2>&1) || rc=$?
	[ "$(reload_status reload)" = 0 ] || fail "the guest did not see vdev reloaded: $(tail -n 5 "$work/reload.log")"
	[ "$rc" -eq 0 ] || fail "reload-module exited with $rc: $out"
	grep -q 'vdev reloaded .*with .*devices=3' <<<"$out" || fail "reload-module said: $out"
	grep -q '^devices=3' "$work/reload.log" || fail "the new vdev did not get devices=3"
	grep -q 'workshop: vdev reloaded' "$work/reload.log" || fail "the guest's console did not say so"
}

reload_module_waits_while_a_file_is_open_then_loads() {
	local rc=0 out
	# A file stays open for 5 s, which reload-module's answer takes far less than.
	reload_boot busy "exec 4</dev/vdev0; sleep 5; exec 4<&-; $guest_reloads"
	out=$("$KIT_ROOT/scripts/reload-module" vdev 2>&1) || rc=$?
	[ "$(reload_status busy)" = 0 ] || fail "the new vdev was not loaded once the file was closed: $(tail -n 5 "$work/busy.log")"
	[ "$rc" -eq 3 ] || fail "expected exit status 3 (busy), got $rc: $out"
	grep -q 'vdev is in use' <<<"$out" || fail "reload-module did not say why: $out"
	grep -q 'workshop: vdev reloaded now that it is free' "$work/busy.log" || fail "the guest did not say it loaded it late"
}

ktap_plan 8
ktap_run exec_returns_the_guest_commands_exit_status
ktap_run append_and_overlay_reach_the_guest
ktap_run kernel_panic_in_the_guest_fails_the_run
ktap_run hanging_guest_fails_when_the_timeout_passes
ktap_run poweroff_in_the_guest_ends_qemu_at_once
ktap_run unknown_option_prints_usage_and_exits_2
ktap_run reload_module_swaps_vdev_in_the_running_guest_keeping_its_parameters
ktap_run reload_module_waits_while_a_file_is_open_then_loads
