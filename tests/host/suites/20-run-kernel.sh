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

# reload_boot NAME GUEST-COMMAND [RUN-KERNEL]: boot RUN-KERNEL (this
# checkout's run-kernel unless given) with --reload and vdev.devices=3 in
# the background, running GUEST-COMMAND after it printed "guest-ready",
# and wait for that. run-kernel's exit status goes to $work/NAME.rc.
reload_boot() {
	local name=$1 command=$2 runner=${3:-$run_kernel} _
	# One guest at a time: the reload port's socket is the target's.
	[ -z "${reload_last:-}" ] || reload_status "$reload_last" >/dev/null
	reload_last=$name
	rm -f "$work/$name.rc"
	(
		rc=0
		"$runner" --reload --timeout 120 --append vdev.devices=3 \
			--exec "echo guest-ready; $command" >"$work/$name.log" 2>&1 || rc=$?
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

# send_raw COUNT: send what stdin holds to the running guest's reload port
# as it is, as it comes, and print the COUNT answer lines the guest gives
# (each within 20 s).
send_raw() {
	python3 -c '
import os, socket, subprocess, sys
path = subprocess.run([sys.argv[1], "KIT_RELOAD_SOCKET"], capture_output=True, text=True).stdout.strip()
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(path)
while chunk := os.read(0, 65536):
    sock.sendall(chunk)
sock.settimeout(20)
reader = sock.makefile("rb")
for _ in range(int(sys.argv[2])):
    print(reader.readline().decode(errors="replace").strip(), flush=True)
' "$KIT_ROOT/scripts/target" "$1"
}

reload_drops_a_short_transfer_refuses_bad_names_and_takes_the_next() {
	local rc=0 out answers sum
	sum=$(printf 'x' | sha256sum | cut -d' ' -f1)
	reload_boot framing "$guest_reloads && ! ls /etc/passwd.ko /lib/modules/*/extra/*.ko 2>/dev/null | grep . && echo no-stray-files"
	# A transfer that stops after 100 of its 5000 bytes, then two requests whose
	# names would reach other files, each followed by its byte.
	answers=$({
		printf 'workshop-reload load vdev 5000 %s 0\n' "$sum"
		head -c 100 /dev/urandom
		sleep 7
		printf '\nworkshop-reload load ../../../etc/passwd 1 %s 0\nx' "$sum"
		printf '\nworkshop-reload load * 1 %s 0\nx' "$sum"
	} | send_raw 3)
	grep -q '^failed vdev the transfer of vdev was cut short (its 5000 bytes did not all arrive)' <<<"$answers" ||
		fail "the short transfer was answered: $answers"
	[ "$(grep -c '^failed - refused a request for module' <<<"$answers")" -eq 2 ] ||
		fail "the bad names were answered: $answers"
	out=$("$KIT_ROOT/scripts/reload-module" vdev 2>&1) || rc=$?
	[ "$rc" -eq 0 ] || fail "the next reload failed ($rc): $out"
	[ "$(reload_status framing)" = 0 ] || fail "the guest did not see vdev reloaded: $(tail -n 5 "$work/framing.log")"
	grep -q '^no-stray-files' "$work/framing.log" || fail "a refused request left a file: $(tail -n 5 "$work/framing.log")"
}

reload_of_a_build_whose_init_fails_loads_the_previous_one_again() {
	local rc=0 out
	mkdir -p "$work/failing"
	sed 's/^\(        let count = module_parameters::devices.value();\)$/        if count_is_refused() {\n            return Err(ENODEV);\n        }\n\1/' \
		"$KIT_ROOT/samples-rust/rust_vdev.rs" >"$work/failing/rust_vdev.rs"
	grep -q 'if count_is_refused()' "$work/failing/rust_vdev.rs" || fail "the test's edit of the driver changed nothing"
	printf '\n/// This build refuses to load.\nfn count_is_refused() -> bool {\n    true\n}\n' >>"$work/failing/rust_vdev.rs"
	# shellcheck disable=SC2016 # for the inner shell to expand
	bash -c '. "$0/scripts/lib.sh" && kit_build_vdev "$1" "$2"' "$KIT_ROOT" "$work/failing/rust_vdev.rs" "$work/failing/build" \
		>"$work/failing-build.log" 2>&1 ||
		fail "the failing driver did not build: $(tail -n 5 "$work/failing-build.log")"
	reload_boot failing "$guest_reloads && rmmod vdev && modprobe vdev && test -e /dev/vdev2 && echo installed-is-good"
	out=$("$KIT_ROOT/scripts/reload-module" "$work/failing/build/vdev.ko" 2>&1) || rc=$?
	[ "$rc" -eq 1 ] || fail "expected exit status 1 (failed), got $rc: $out"
	grep -q 'the new vdev did not load: .*the previous build is loaded again, with .*devices=3' <<<"$out" ||
		fail "reload-module did not say that the previous build runs: $out"
	[ "$(reload_status failing)" = 0 ] || fail "the previous vdev does not run, or is not installed: $(tail -n 5 "$work/failing.log")"
	grep -q 'workshop: the new vdev did not load' "$work/failing.log" || fail "the guest's console did not say so"
	grep -q '^installed-is-good' "$work/failing.log" || fail "modprobe did not find the previous build"
}

guest_programs_printing_crash_words_do_not_fail_the_run() {
	local rc
	rc=$(boot "$work/words.log" --exec 'echo "WARNING: just text"; echo "Oops, BUG: Kernel panic - not syncing, said a program"')
	[ "$rc" -eq 0 ] || fail "expected exit status 0 when only a program printed these words, got $rc: $(tail -n 3 "$work/words.log")"
}

# odd_checkout: a copy of the kit's files at a path with a comma, spaces, a
# dollar, a bar and brackets, sharing this checkout's kernel tree and
# builds; prints its path.
odd_checkout() {
	local odd="$work/odd, dir \$HOME|x [1]/kit"
	if [ ! -d "$odd" ]; then
		mkdir -p "$odd"
		git -C "$KIT_ROOT" ls-files -z --cached --others --exclude-standard |
			(cd "$KIT_ROOT" && xargs -0 cp --parents -t "$odd" 2>/dev/null) || true
		ln -s "$KIT_ROOT/build" "$odd/build"
		ln -s "$KIT_ROOT/linux" "$odd/linux"
	fi
	printf '%s\n' "$odd"
}

run_kernel_and_reload_work_in_a_checkout_whose_path_has_commas_spaces_and_dollars() {
	local odd rc=0 out
	odd=$(odd_checkout)
	mkdir -p "$odd/../tmp, too"
	# The console log, the status file (TMPDIR) and the reload socket all lie
	# under the odd path, each in QEMU's option syntax.
	TMPDIR="$odd/../tmp, too" reload_boot odd "$guest_reloads && exit 7" "$odd/scripts/run-kernel"
	out=$("$odd/scripts/reload-module" vdev 2>&1) || rc=$?
	[ "$rc" -eq 0 ] || fail "reload-module in the odd checkout exited with $rc: $out"
	[ "$(reload_status odd)" = 7 ] || fail "the guest's status did not come back (run-kernel: $(cat "$work/odd.rc")): $(tail -n 5 "$work/odd.log")"
}

kernel_build_in_a_checkout_whose_path_make_cannot_take_is_refused_with_advice() {
	local odd rc=0 out
	odd=$(odd_checkout)
	out=$("$odd/scripts/build-kernel" 2>&1) || rc=$?
	[ "$rc" -eq 1 ] || fail "expected exit status 1, got $rc: $(tail -n 3 <<<"$out")"
	grep -q "has characters that the kernel's build cannot take" <<<"$out" || fail "no reason given: $(tail -n 3 <<<"$out")"
	grep -q 'Move or clone the kit to a path of letters' <<<"$out" || fail "no advice given: $out"
}

ktap_plan 13
ktap_run exec_returns_the_guest_commands_exit_status
ktap_run append_and_overlay_reach_the_guest
ktap_run kernel_panic_in_the_guest_fails_the_run
ktap_run hanging_guest_fails_when_the_timeout_passes
ktap_run poweroff_in_the_guest_ends_qemu_at_once
ktap_run unknown_option_prints_usage_and_exits_2
ktap_run reload_module_swaps_vdev_in_the_running_guest_keeping_its_parameters
ktap_run reload_module_waits_while_a_file_is_open_then_loads
ktap_run reload_drops_a_short_transfer_refuses_bad_names_and_takes_the_next
ktap_run reload_of_a_build_whose_init_fails_loads_the_previous_one_again
ktap_run guest_programs_printing_crash_words_do_not_fail_the_run
ktap_run run_kernel_and_reload_work_in_a_checkout_whose_path_has_commas_spaces_and_dollars
ktap_run kernel_build_in_a_checkout_whose_path_make_cannot_take_is_refused_with_advice
