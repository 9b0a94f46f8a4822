# SPDX-License-Identifier: GPL-2.0
#
# The attendee's tools, as scripts/test left them built: the kernel crate's
# documentation covers what our patches add, without rustdoc warnings, the
# gdb recipe (debug/vdev-open.gdb) stops in vdev's open, watch mode
# reloads a changed module in the running guest and reboots after any other
# change, build-kernel builds only a changed module, and rust-analyzer resolves the kernel
# crate in our modules with the rust-project.json of gen-rust-project.
# shellcheck shell=bash disable=SC2031,SC2154 # KIT_ROOT is only read; $work is the runner's
# shellcheck source=scripts/lib.sh # the model: where every output is
. "$KIT_ROOT/scripts/lib.sh"

rustdoc_documents_our_abstractions() {
	local docs=$KIT_RUSTDOC_LINK page
	for page in kernel/miscdevice/trait.MiscDevice.html \
		kernel/miscdevice/struct.MiscDeviceRegistration.html \
		kernel/fs/file/struct.File.html \
		kernel/module_param/struct.ModuleParamAccess.html \
		macros/macro.module.html; do
		[ -f "$docs/$page" ] || fail "${docs#"$KIT_ROOT/"}/$page is missing (run scripts/build-docs)"
	done
	grep -q 'params' "$docs/macros/macro.module.html" || fail "module!'s page does not document params"
}

rustdoc_reports_no_warnings() {
	[ -f "$KIT_LOGS/rustdoc.log" ] || fail "no ${KIT_LOGS#"$KIT_ROOT/"}/rustdoc.log (run scripts/build-docs)"
	! grep -E 'warning|error' "$KIT_LOGS/rustdoc.log" || fail "rustdoc complained"
}

# The README's gdb recipe, on the test flavour (vdev built in): run-kernel
# names the flavour's vmlinux, and gdb stops in vdev's open with it.
gdb_recipe_stops_in_vdevs_open() {
	local rc=0 qemu waited vmlinux
	# shellcheck disable=SC2016 # expanded by eval, for the test flavour
	vmlinux=$(kit_with KIT_FLAVOUR=test eval 'echo "$KIT_VMLINUX"')
	KIT_FLAVOUR='test' "$KIT_ROOT/scripts/run-kernel" --gdb --timeout 120 \
		--append vdev.devices=4 --exec 'cat /dev/vdev0' >"$work/gdb-guest.log" 2>&1 </dev/null &
	qemu=$!
	# QEMU listens on port 1234 as soon as it starts.
	for waited in $(seq 50); do
		(exec 3<>/dev/tcp/127.0.0.1/1234) 2>/dev/null && break
		sleep 0.2
	done
	timeout 120 "$KIT_GDB" -batch -nx -x "$KIT_ROOT/debug/vdev-open.gdb" "$vmlinux" >"$work/gdb.log" 2>&1 || true
	wait "$qemu" || rc=$?
	grep -qF "$KIT_GDB ${vmlinux#"$KIT_ROOT/"} " "$work/gdb-guest.log" ||
		fail "run-kernel's hint does not name the test flavour's vmlinux: $(grep -m1 'gdb ' "$work/gdb-guest.log")"
	[ "$rc" -eq 0 ] || fail "the guest under gdb failed (exit $rc, port waited for $waited times): $(tail -n 3 "$work/gdb-guest.log")"
	grep -q 'hit Breakpoint 1, .*MiscdeviceVTable<rust_vdev.*::open' "$work/gdb.log" ||
		fail "gdb did not stop in vdev's open: $(tail -n 5 "$work/gdb.log")"
	grep -q 'misc_open' "$work/gdb.log" || fail "the backtrace does not go through misc_open"
}

# How long the watch tests wait for what takes seconds on an idle machine
# (a shell, a reload, a build to start): long enough for a busy one, as with
# --all, where the other architecture's image is made beside these tests.
# They check what happens; scripts/bench-reload measures how fast.
WATCH_PATIENCE=180

# screen: what the tmux session of the watch test shows, history included.
screen() {
	tmux -L workshop-test capture-pane -p -S -5000 -t watch
}

# screen_end: the screen's last five lines that are not blank, for a
# failure's message (the pane's empty rows below the prompt say nothing).
screen_end() {
	screen | grep -v '^[[:space:]]*$' | tail -n 5
}

# makes: how many kernel builds of the workshop flavour run now (each has
# one top-level make, which kmake starts).
makes() {
	pgrep -fc "^make -C $KIT_LINUX O=$KIT_KOBJ " || true
}

# watch_start: scripts/watch in a tmux session, up to the guest's shell.
# A session a failed test left is ended first, and its server waited for: a
# new session asked of a server that is exiting fails.
watch_start() {
	local _
	tmux -L workshop-test kill-server 2>/dev/null || true
	for _ in $(seq 50); do
		tmux -L workshop-test list-sessions >/dev/null 2>&1 || break
		sleep 0.1
	done
	# The pane outlives watch (until watch_stop or the next watch_start ends
	# it), so that its last words can be read when a test fails.
	tmux -L workshop-test new-session -d -s watch -x 160 -y 50 "$KIT_ROOT/scripts/watch; sleep 600" ||
		fail "tmux could not start the session that runs watch"
	wait_screen 'workshop:/#' "$WATCH_PATIENCE" ||
		fail "no guest shell after $WATCH_PATIENCE s: $(screen_end)"
}

# watch_stop: power the guest off; prints the screen's last state.
watch_stop() {
	local _
	tmux -L workshop-test send-keys -t watch poweroff Enter
	for _ in $(seq 100); do
		screen | grep -q 'done watching' && break
		sleep 0.1
	done
	screen
	tmux -L workshop-test kill-server 2>/dev/null || true
}

# wait_screen PATTERN SECONDS: wait until the screen shows PATTERN, for
# SECONDS of the clock (not of sleeps: a busy machine makes each look at the
# screen slower).
wait_screen() {
	local deadline=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$deadline" ]; do
		screen | grep -q -- "$1" && return 0
		sleep 0.1
	done
	screen | grep -q -- "$1"
}

# A save of a module's source reaches the running guest: the module is
# built alone and reloaded, and the attendee's shell goes on, its variables
# with it.
watch_mode_reloads_a_changed_module_in_the_running_guest() {
	local last
	watch_start
	# shellcheck disable=SC2016 # for the guest's shell to expand
	tmux -L workshop-test send-keys -t watch 'kept=$((40 + 2))' Enter
	touch "$KIT_ROOT/samples-rust/rust_hello.rs"
	wait_screen 'workshop: rust_hello reloaded [0-9.]* s after the save' "$WATCH_PATIENCE" ||
		fail "no reload message within $WATCH_PATIENCE s of the save: $(screen_end)"
	# shellcheck disable=SC2016 # for the guest's shell to expand
	tmux -L workshop-test send-keys -t watch 'echo "still here: $kept"' Enter
	wait_screen '^still here: 42' 10 || fail "the shell did not go on: $(screen_end)"
	last=$(watch_stop)
	# Said once, whole, on the guest's console: a second line from the host
	# at the same moment would be mixed with it.
	[ "$(grep -c 'rust_hello reloaded' <<<"$last")" -eq 1 ] ||
		fail "the reload was not said once: $(grep 'rust_hello reloaded' <<<"$last")"
	[ "$(grep -c 'Modules loaded at boot' <<<"$last")" -eq 1 ] || fail "the guest booted again"
	grep -q 'done watching' <<<"$last" || fail "poweroff did not end watch mode: $(tail -n 5 <<<"$last")"
}

# A change that a module cannot take (here the configuration) rebuilds the
# kernel and boots again, saying why; a save while the kernel builds stops
# that build: never two builds at once in one output directory.
watch_mode_stops_the_build_under_way_and_reboots_after_a_configuration_change() {
	local deadline boots=0 most=0 now last fragment=$KIT_ROOT/linux-config/$KIT_ARCH.config
	watch_start
	touch "$fragment"
	deadline=$((SECONDS + WATCH_PATIENCE))
	while [ "$(makes)" -eq 0 ] && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.1
	done
	[ "$(makes)" -gt 0 ] || fail "no kernel build started within $WATCH_PATIENCE s of the save: $(screen_end)"
	# ... and another while it runs.
	touch "$fragment"
	deadline=$((SECONDS + 3 * WATCH_PATIENCE))
	while [ "$SECONDS" -lt "$deadline" ]; do
		now=$(makes)
		[ "$now" -le "$most" ] || most=$now
		boots=$(screen | grep -c 'Modules loaded at boot')
		[ "$boots" -ge 2 ] && screen_end | tail -n 3 | grep -q 'workshop:/#' && break
		sleep 0.1
	done
	last=$(watch_stop)
	[ "$most" -le 1 ] || fail "$most kernel builds ran at once: the first save's build went on"
	[ "$(makes)" -eq 0 ] || fail "a kernel build is still running after watch ended"
	[ "$boots" -ge 2 ] || fail "no second boot within $((3 * WATCH_PATIENCE)) s of the save: $(grep -v '^[[:space:]]*$' <<<"$last" | tail -n 5)"
	grep -q "linux-config/$KIT_ARCH.config changed: the kernel or the initramfs is built again" <<<"$last" ||
		fail "watch did not say why it rebuilt the kernel"
	grep -q 'done watching' <<<"$last" || fail "poweroff did not end watch mode: $(tail -n 5 <<<"$last")"
}

# dev-cycle's fast path to a fresh boot: a module's source saved, only that
# module is built (in the tree), and installed for the next initramfs.
build_kernel_builds_only_a_changed_module_and_installs_it() {
	local out installed
	out=$("$KIT_ROOT/scripts/build-kernel" 2>&1) || fail "build-kernel failed before the save: $(tail -n 3 <<<"$out")"
	touch "$KIT_ROOT/samples-rust/rust_hello.rs"
	out=$("$KIT_ROOT/scripts/build-kernel" 2>&1) || fail "build-kernel failed: $(tail -n 3 <<<"$out")"
	grep -q 'Building only the changed modules: rust_hello.ko' <<<"$out" ||
		fail "it did not build rust_hello alone: $(grep '==>' <<<"$out" | head -n 3)"
	installed=$(find "$KIT_MODULES" -name rust_hello.ko)
	[ "$installed" -nt "$KIT_ROOT/samples-rust/rust_hello.rs" ] || fail "the new rust_hello.ko was not installed"
	out=$("$KIT_ROOT/scripts/build-kernel" 2>&1) || fail "build-kernel failed the second time"
	grep -q 'Nothing changed since the last build' <<<"$out" || fail "a second build-kernel built again"
}

rust_analyzer_resolves_the_kernel_crate_in_our_modules() {
	local out ours unexpected
	[ -f "$KIT_RUST_PROJECT" ] || fail "no rust-project.json (run scripts/gen-rust-project)"
	out=$(timeout 300 /usr/bin/rust-analyzer diagnostics "$KIT_ROOT" 2>&1) || true
	grep -q "processing $KIT_ROOT/samples-rust/rust_vdev.rs" <<<"$out" ||
		fail "rust-analyzer did not load samples-rust/rust_vdev.rs: $(tail -n 3 <<<"$out")"
	ours=$(grep "file $KIT_ROOT/samples-rust/" <<<"$out" || true)
	# The kernel's rust-project.json lists core as a plain crate, so
	# rust-analyzer misses core's methods on primitive types (as_ptr on an
	# array, as_bytes on a str, len on a slice, cast_mut on a raw pointer,
	# which 7.2's module! calls): known, and not about us.
	# shellcheck disable=SC2016 # the backquotes are rust-analyzer's, not the shell's
	unexpected=$(grep -v 'E0599").*no method `[a-z_]*` on type `\(&*\(.static \)*\(\[u8\|str\)\|\*const \|\*mut \)' <<<"$ours" || true)
	[ -z "$unexpected" ] || fail "rust-analyzer reports: $(head -n 5 <<<"${unexpected//*file /}")"
}

# A second shell in the guest that watch booted (scripts/guest-shell, from
# another terminal): it runs commands in the same guest, sees what the
# first shell did, and the first shell goes on; with no guest, it says how
# to boot one.
guest_shell_gives_a_second_shell_in_the_running_guest() {
	local out rc=0
	watch_start
	tmux -L workshop-test send-keys -t watch 'echo first >/tmp/from-first && echo written' Enter
	wait_screen '^written' 10 || fail "the first shell did not write its file: $(screen_end)"
	# shellcheck disable=SC2016 # for the guest's shell to expand
	out=$(printf 'cat /tmp/from-first; echo "second: $((6 * 7))"\n' |
		timeout 30 "$KIT_ROOT/scripts/guest-shell" 2>&1) || fail "guest-shell failed: $out"
	grep -q '^first' <<<"$out" || fail "the second shell does not see the first one's file: $out"
	grep -q 'second: 42' <<<"$out" || fail "the second shell did not run its command: $out"
	tmux -L workshop-test send-keys -t watch 'echo "still here"' Enter
	wait_screen '^still here' 10 || fail "the first shell did not go on: $(screen_end)"
	watch_stop >/dev/null
	out=$("$KIT_ROOT/scripts/guest-shell" </dev/null 2>&1) || rc=$?
	[ "$rc" -eq 2 ] || fail "guest-shell with no guest exited with $rc: $out"
	grep -q 'Boot one in another terminal: ./scripts/dev-cycle, or ./scripts/watch' <<<"$out" ||
		fail "guest-shell with no guest gave no advice: $out"
}

# The fast tier (./scripts/test --quick, the README's check in seconds), in
# a new clone of its own (its report would replace this run's): it runs
# the linters and the tools' unit tests, and ends with the count.
the_fast_tier_runs_the_linters_and_the_unit_tests() {
	local kit=$work/quick-kit out rc=0
	git clone -q "$KIT_ROOT" "$kit" || fail "could not clone the kit"
	out=$(cd "$kit" && "$kit/scripts/test" --quick </dev/null 2>&1) || rc=$?
	rm -rf "$kit"
	[ "$rc" -eq 0 ] || fail "test --quick exited with $rc: $(tail -n 5 <<<"$out")"
	grep -Eq '^[1-9][0-9]* passed, 0 failed' <<<"$(tail -n 1 <<<"$out")" ||
		fail "test --quick did not end with the count of the tests it passed: $(tail -n 3 <<<"$out")"
}

ktap_plan 9
ktap_run rustdoc_documents_our_abstractions
ktap_run rustdoc_reports_no_warnings
ktap_run gdb_recipe_stops_in_vdevs_open
ktap_run watch_mode_reloads_a_changed_module_in_the_running_guest
ktap_run watch_mode_stops_the_build_under_way_and_reboots_after_a_configuration_change
ktap_run guest_shell_gives_a_second_shell_in_the_running_guest
ktap_run build_kernel_builds_only_a_changed_module_and_installs_it
ktap_run rust_analyzer_resolves_the_kernel_crate_in_our_modules
ktap_run the_fast_tier_runs_the_linters_and_the_unit_tests
# No watch of these tests outlives the suite.
tmux -L workshop-test kill-server 2>/dev/null || true
