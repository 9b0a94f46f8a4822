# SPDX-License-Identifier: GPL-2.0
#
# The organiser's bundle (scripts/make-bundle), as a room uses it: made
# once here for Debian 12 and 13 on this architecture (13's kernel built in
# a Debian 13 root), it installs what an attendee needs on a new machine (a
# fresh minimal Debian 12 root, with no network) and the crates build
# offline from it; apt refuses a package or an index changed by one byte,
# and the kit a changed file of its own; served over HTTP
# (scripts/serve-bundle) it installs the same way; its prebuilt kernel
# serves another checkout, which then builds only what it changed; and on
# new Debian 12 and 13 machines with no network, the first dev-cycle
# reaches the guest from it, check-step 1 passes and watch reloads a saved
# module; with mainline added to it, so does 7.3's on Debian 12. Only with KIT_TEST_BUNDLE=1, which ./scripts/test --all sets, and
# as root: it downloads about 1 GiB of packages from the Debian mirror.
# shellcheck shell=bash disable=SC2031,SC2154 # KIT_ROOT is only read; $work is the runner's

# The new machines' roots, one for each release ($work/root-12 and
# $work/root-13), and the bundle beside them, seen in each at /bundle.
bundle=$work/bundle
root=$work/root-12

# The command that runs another in a new machine's root: a script, so that
# tmux can run it too. It mounts the bundle and /proc in a mount namespace
# of its own (gone with it: nothing stays mounted in $work, which the
# runner removes), and with KIT_TEST_OFFLINE=1 (the default) it has a
# network namespace of its own, with no network at all.
cat >"$work/in-root" <<'SCRIPT'
#!/bin/bash
# Usage: in-root ROOT BUNDLE COMMAND...
isolate=(--net)
[ "${KIT_TEST_OFFLINE:-1}" = 1 ] || isolate=()
# shellcheck disable=SC2016 # for the inner shell to expand
exec unshare --mount "${isolate[@]}" sh -c 'mount --bind "$1" "$0/bundle" && mount -t proc proc "$0/proc" &&
	shift && exec chroot "$0" "$@"' "$1" "$2" \
	env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM="${TERM:-dumb}" "${@:3}"
SCRIPT
chmod +x "$work/in-root"

# in_root COMMAND...: run COMMAND in the Debian 12 root as a new machine's
# user would, with the bundle at /bundle and the kit at /kit.
in_root() {
	"$work/in-root" "$root" "$bundle" "$@"
}

# in_root_of RELEASE COMMAND...: the same in the root of RELEASE.
in_root_of() {
	"$work/in-root" "$work/root-$1" "$bundle" "${@:2}"
}

# flip FILE: change one byte in the middle of FILE.
flip() {
	/usr/bin/python3 -c 'import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[len(data) // 2] ^= 1
open(path, "wb").write(data)' "$1"
}

# make_root RELEASE: a copy of a fresh minimal Debian RELEASE root
# (debootstrap made its /dev), with no package lists, and the kit in it.
make_root() {
	local cached codename=bookworm
	[ "$1" = 12 ] || codename=trixie
	cached=$(. "$KIT_ROOT/scripts/lib.sh" && kit_minimal_root "$codename") || return 1
	cp -a "$cached" "$work/root-$1"
	rm -rf "$work/root-$1"/var/lib/apt/lists/* "$work/root-$1/opt/kit"
	mkdir -p "$work/root-$1/bundle"
	(. "$KIT_ROOT/scripts/lib.sh" && kit_copy_checkout "$work/root-$1/kit")
}

# have_root [RELEASE]: the first test made the bundle, and the root of
# RELEASE (12) is set up.
have_root() {
	{ [ -f "$bundle/VERSION" ] && [ -x "$work/root-${1:-12}/kit/scripts/setup" ]; } ||
		fail "no bundle or no Debian ${1:-12} root: the test that makes them failed"
}

a_new_debian_12_machine_installs_the_toolchain_from_the_bundle_with_no_network() {
	local out rc=0 release
	make_root 12 || fail "no minimal Debian 12 root"
	# For both releases: the kernel for Debian 13 is built in a Debian 13
	# root, from the bundle's packages.
	out=$("$KIT_ROOT/scripts/make-bundle" --release 12 --release 13 --arch "$(uname -m | sed s/aarch64/arm64/)" \
		--out "$bundle" 2>&1) || fail "make-bundle failed: $(tail -n 5 <<<"$out")"
	# The Debian 13 root that built 13's kernel (a tree and a build, kept by
	# make-bundle for the next bundle) is not needed again here.
	rm -rf "$KIT_ROOT/build/bundle-roots"
	for release in 12 13; do
		grep -q "^debian-$release-[a-z0-9]* packages: [0-9]*, [0-9.]* MiB$" "$bundle/CONTENTS" ||
			fail "the bundle does not say what it holds: $(cat "$bundle/CONTENTS")"
		grep -q "^kernel 6.12-[a-z0-9_]*-workshop, debian-$release ([0-9a-f]*): [0-9]* MiB$" "$bundle/CONTENTS" ||
			fail "the bundle has no prebuilt kernel for Debian $release: $(cat "$bundle/CONTENTS")"
	done
	out=$(in_root env KIT_BUNDLE=/bundle /kit/scripts/setup 2>&1) || rc=$?
	[ "$rc" -eq 0 ] || fail "setup from the bundle exited with $rc: $(tail -n 8 <<<"$out")"
	grep -q 'Installing Debian packages from the bundle at /bundle' <<<"$out" ||
		fail "setup did not install from the bundle: $(tail -n 5 <<<"$out")"
	grep -q 'Toolchain for [a-z0-9_]* guests (native): rustc 1\.[0-9.]* (/usr/bin/rustc), bindgen ' <<<"$out" ||
		fail "setup did not report the toolchain: $(tail -n 3 <<<"$out")"
	in_root sh -c 'clang-22 --version && ld.lld-22 --version && busybox true &&
		{ qemu-system-x86_64 --version || qemu-system-aarch64 --version; }' >/dev/null ||
		fail "the tools are not usable in the new machine"
}

the_test_programs_build_offline_from_the_bundles_crates() {
	local out
	have_root
	# shellcheck disable=SC2016 # for the root's shell to expand
	out=$(in_root env KIT_BUNDLE=/bundle bash -c '. /kit/scripts/lib.sh && kit_cargo_sources &&
		cargo build "${KIT_CARGO_SOURCES[@]}" --quiet --locked --target-dir /tmp/cargo \
			--manifest-path /kit/tests/vdev/Cargo.toml' 2>&1) ||
		fail "cargo could not build the test programs offline: $(tail -n 5 <<<"$out")"
}

a_package_changed_by_one_byte_is_refused_by_apt() {
	local deb out rc=0
	have_root
	deb=$(find "$bundle/apt" -name 'bc_*.deb' | head -n1)
	[ -n "$deb" ] || fail "the bundle has no bc package"
	in_root dpkg -r bc >/dev/null 2>&1 || fail "could not remove bc to install it again"
	cp "$deb" "$work/bc.deb"
	flip "$deb"
	out=$(in_root env KIT_BUNDLE=/bundle /kit/scripts/setup 2>&1) || rc=$?
	cp "$work/bc.deb" "$deb"
	[ "$rc" -ne 0 ] || fail "setup installed a changed package"
	grep -q 'Hash Sum mismatch' <<<"$out" || fail "apt did not say that the hash differs: $(tail -n 5 <<<"$out")"
	grep -q 'Get the bundle again from the organiser' <<<"$out" || fail "setup gave no advice: $(tail -n 3 <<<"$out")"
	in_root sh -c 'command -v bc' >/dev/null && fail "bc was installed from the changed package"
	return 0
}

an_index_changed_by_one_byte_is_refused_by_apt() {
	local index out rc=0
	have_root
	for index in "$bundle"/apt/debian/dists/bookworm/InRelease "$bundle"/apt/debian/dists/bookworm/main/binary-*/Packages.xz; do
		cp "$index" "$work/index"
		flip "$index"
		# A machine that never read the bundle's lists (with them, apt
		# would say it keeps the old ones, and use those).
		rm -rf "$root/var/lib/rust-for-linux-workshop/bundle-apt/lists"
		rc=0
		out=$(in_root env KIT_BUNDLE=/bundle /kit/scripts/setup 2>&1) || rc=$?
		cp "$work/index" "$index"
		[ "$rc" -ne 0 ] || fail "setup installed with a changed ${index#"$bundle/"}"
		grep -Eq "NOSPLIT|BADSIG|not signed|Hash Sum mismatch|is not valid|could not be verified" <<<"$out" ||
			fail "apt did not refuse the changed ${index#"$bundle/"}: $(tail -n 5 <<<"$out")"
	done
}

a_changed_crate_archive_is_refused_by_the_kit() {
	local out rc=0
	have_root
	cp "$bundle/crates.tar.xz" "$work/crates.tar.xz"
	flip "$bundle/crates.tar.xz"
	rm -rf "$root/root/.cache/rust-for-linux-workshop/bundle"
	# shellcheck disable=SC2016 # for the root's shell to expand
	out=$(in_root env KIT_BUNDLE=/bundle bash -c '. /kit/scripts/lib.sh && kit_cargo_sources && echo used' 2>&1) || rc=$?
	cp "$work/crates.tar.xz" "$bundle/crates.tar.xz"
	[ "$rc" -ne 0 ] || fail "the kit used a changed crates.tar.xz: $out"
	grep -q 'does not match its SHA256SUMS' <<<"$out" || fail "the kit did not say why: $out"
}

the_bundle_served_over_http_installs_the_same_way() {
	local port=18642 out rc=0 _
	have_root
	"$KIT_ROOT/scripts/serve-bundle" "$bundle" --port "$port" >"$work/serve.log" 2>&1 &
	local server=$!
	for _ in $(seq 50); do
		grep -q "KIT_BUNDLE=http://" "$work/serve.log" && /usr/bin/python3 -c "import urllib.request
urllib.request.urlopen('http://127.0.0.1:$port/VERSION')" 2>/dev/null && break
		sleep 0.1
	done
	in_root dpkg -r bc >/dev/null 2>&1
	# The root shares this machine's network to reach the server; apt
	# reads no other source than the bundle.
	out=$(KIT_TEST_OFFLINE=0 in_root env KIT_BUNDLE="http://127.0.0.1:$port" /kit/scripts/setup 2>&1) || rc=$?
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	[ "$rc" -eq 0 ] || fail "setup from http://127.0.0.1:$port exited with $rc: $(tail -n 5 <<<"$out")"
	grep -q "from the bundle at http://127.0.0.1:$port: bc" <<<"$out" || fail "bc did not come from the served bundle: $(tail -n 3 <<<"$out")"
	grep -q 'KIT_BUNDLE=http://[^ ]*:18642 ./scripts/dev-cycle' "$work/serve.log" ||
		fail "serve-bundle did not print the line attendees type: $(cat "$work/serve.log")"
}

# The prebuilt kernel, in a bundle made from this checkout's build, used
# by another checkout (another path, its own tree): its first build-kernel
# starts from it and builds nothing; after an edit of the driver, only the
# driver; with another configuration fragment it is not used, and the kit
# says which input differs.
a_prebuilt_kernel_is_used_elsewhere_and_only_the_edited_driver_is_built() {
	local kbundle=$work/kernel-bundle other=$work/other/kit out rc=0
	out=$("$KIT_ROOT/scripts/make-bundle" --only kernels --release 12 --arch "$(. "$KIT_ROOT/scripts/lib.sh" && kit_host_arch)" \
		--out "$kbundle" 2>&1) || fail "make-bundle --only kernels failed: $(tail -n 5 <<<"$out")"
	ls "$kbundle"/kernels/debian-*/6.12-*-workshop-*.tar.zst >/dev/null 2>&1 || fail "no prebuilt kernel in the bundle: $(ls -R "$kbundle")"
	(. "$KIT_ROOT/scripts/lib.sh" && kit_copy_checkout "$other")
	out=$(cd "$other" && ./scripts/prepare-linux 2>&1) || fail "prepare-linux in the other checkout failed: $(tail -n 3 <<<"$out")"
	out=$(cd "$other" && KIT_BUNDLE=$kbundle ./scripts/build-kernel 2>&1) || fail "build-kernel from the bundle failed: $(tail -n 5 <<<"$out")"
	grep -q "Using the bundle's prebuilt kernel" <<<"$out" || fail "the prebuilt kernel was not used: $out"
	grep -q 'Nothing changed since the last build' <<<"$out" || fail "make was run although nothing changed: $out"
	# The kernel crate's object and one of C: neither may be built again.
	local kobj before
	kobj=$(echo "$other"/build/6.12-*-workshop/kernel)
	before=$(stat -c '%Y %n' "$kobj/rust/kernel.o" "$kobj/kernel/fork.o") || fail "the prebuilt kernel lacks its objects"
	echo '// an edit' >>"$other/samples-rust/rust_vdev.rs"
	out=$(cd "$other" && KIT_BUNDLE=$kbundle ./scripts/build-kernel 2>&1) || fail "build-kernel after an edit failed: $(tail -n 5 <<<"$out")"
	grep -q 'Building only the changed modules: vdev.ko' <<<"$out" || fail "more than the driver was built after its edit: $out"
	[ "$(stat -c '%Y %n' "$kobj/rust/kernel.o" "$kobj/kernel/fork.o")" = "$before" ] ||
		fail "the kernel's own objects were built again after an edit of the driver"
	[ "$kobj/samples/rust/vdev.ko" -nt "$kobj/rust/kernel.o" ] || fail "the edited driver was not built"
	echo '# another comment' >>"$other/linux-config/workshop.config"
	rm -rf "$other/build"
	out=$(cd "$other" && KIT_BUNDLE=$kbundle timeout 30 ./scripts/build-kernel 2>&1) || rc=$?
	grep -q "prebuilt kernel for 6.12-[a-z0-9_]*-workshop was made from other inputs" <<<"$out" ||
		fail "a kernel made from other inputs was not refused: $(head -n 5 <<<"$out")"
	grep -q '^  here: *fragment workshop.config=' <<<"$out" || fail "the kit did not say which input differs: $(head -n 8 <<<"$out")"
	! grep -q "Using the bundle's prebuilt kernel" <<<"$out" || fail "a kernel made from other inputs was used"
}

# A new machine of RELEASE, set up from the bundle offline (Debian 12's by
# the first test, 13's here), reaches the guest's shell on its first
# dev-cycle from the bundle's prebuilt kernel for that release, with no
# network. How long it took goes to build/logs/first-shell-offline.log
# (scripts/bench-first-shell measures it from the first command).
first_dev_cycle_offline() {
	local release=$1 out rc=0 start
	if [ "$release" != 12 ]; then
		# Debian 12's machine and the other checkout are done with: their
		# trees and builds go before the next machine's come.
		rm -rf "$work/root-12" "$work/other" "$work/kernel-bundle"
		make_root "$release" || fail "no minimal Debian $release root"
		out=$(in_root_of "$release" env KIT_BUNDLE=/bundle /kit/scripts/setup 2>&1) ||
			fail "setup from the bundle on Debian $release failed: $(tail -n 8 <<<"$out")"
	fi
	have_root "$release"
	start=$(date +%s)
	out=$(in_root_of "$release" env KIT_BUNDLE=/bundle sh -c 'cd /kit && ./scripts/dev-cycle </dev/null' 2>&1) || rc=$?
	{ [ "$rc" -eq 0 ] && grep -q 'demo: all steps passed' <<<"$out"; } ||
		fail "the first dev-cycle on Debian $release (status $rc) did not reach the guest's demo: $(tail -n 8 <<<"$out")"
	grep -q "Using the bundle's prebuilt kernel for 6.12-[a-z0-9_]*-workshop" <<<"$out" ||
		fail "the first dev-cycle on Debian $release did not start from the bundle's kernel: $(grep -A3 -m1 'prebuilt' <<<"$out")"
	mkdir -p "$KIT_ROOT/build/logs"
	echo "$(date -u +%FT%TZ) Debian $release: first dev-cycle after setup, offline, $(($(date +%s) - start)) s" \
		>>"$KIT_ROOT/build/logs/first-shell-offline.log"
}

# check-step 1 on that machine, offline: its test programs build from the
# bundle's crates, and the step's solution passes.
check_step_1_offline() {
	local out
	have_root "$1"
	out=$(in_root_of "$1" env KIT_BUNDLE=/bundle sh -c 'cd /kit && ./scripts/check-step 1 </dev/null' 2>&1) ||
		fail "check-step 1 failed offline on Debian $1: $(tail -n 8 <<<"$out")"
	grep -q 'All 1 tests of steps 1 to 1 pass' <<<"$out" || fail "check-step 1 gave no verdict on Debian $1: $(tail -n 3 <<<"$out")"
}

# watch on that machine, offline, in a terminal (tmux here): a saved
# module is built and reloaded in the running guest.
watch_reload_offline() {
	local release=$1 _ tmux=(tmux -L workshop-bundle)
	have_root "$release"
	"${tmux[@]}" kill-server 2>/dev/null || true
	"${tmux[@]}" new-session -d -s watch -x 160 -y 50 \
		"$(printf '%q ' "$work/in-root" "$work/root-$release" "$bundle" env KIT_BUNDLE=/bundle \
			sh -c 'cd /kit && ./scripts/watch'); sleep 60"
	watch_screen() { "${tmux[@]}" capture-pane -p -S -5000 -t watch 2>/dev/null; }
	# watch_wait TEXT SECONDS: TEXT on the screen within SECONDS; not when
	# the terminal (and so watch) is gone.
	watch_wait() {
		for _ in $(seq "$(($2 * 10))"); do
			watch_screen | grep -q -- "$1" && return 0
			"${tmux[@]}" has-session -t watch 2>/dev/null || return 1
			sleep 0.1
		done
		return 1
	}
	watch_wait 'workshop:/#' 120 || fail "watch on Debian $release gave no guest shell in 120 s: $(watch_screen | tail -n 5)"
	touch "$work/root-$release/kit/samples-rust/rust_hello.rs"
	watch_wait 'workshop: rust_hello reloaded [0-9.]* s after the save' 90 ||
		fail "watch on Debian $release did not reload a saved module: $(watch_screen | tail -n 8)"
	"${tmux[@]}" send-keys -t watch poweroff Enter
	watch_wait 'done watching' 20 || fail "poweroff did not end watch on Debian $release: $(watch_screen | tail -n 5)"
	"${tmux[@]}" kill-server 2>/dev/null || true
}

# Mainline in the bundle (make-bundle --mainline: its source, with the
# signed index of the suite it comes from, and its prebuilt kernel; added
# here to the bundle for this machine's release and architecture): on the
# new Debian 12 machine, with no network, a source changed by one byte is
# refused by apt, and the first dev-cycle of KIT_KERNEL=7.3 reaches the
# guest from the bundle's source and prebuilt kernel.
a_mainline_source_changed_by_one_byte_is_refused_by_apt() {
	local out rc=0 arch deb
	have_root
	arch=$(. "$KIT_ROOT/scripts/lib.sh" && kit_host_arch)
	out=$("$KIT_ROOT/scripts/make-bundle" --only sources,kernels --kernel 7.3 --release 12 --arch "$arch" \
		--out "$bundle" 2>&1) || fail "make-bundle for mainline failed: $(tail -n 5 <<<"$out")"
	grep -q '^source linux-source-7\.3 7\.3\.[0-9]*-[^ ]* (trixie-backports): [0-9]* MiB$' "$bundle/CONTENTS" ||
		fail "the bundle does not say that it holds mainline's source: $(cat "$bundle/CONTENTS")"
	grep -q "^kernel 7\.3-$arch-workshop, debian-12 ([0-9a-f]*): [0-9]* MiB$" "$bundle/CONTENTS" ||
		fail "the bundle has no prebuilt kernel of mainline: $(cat "$bundle/CONTENTS")"
	grep -q '^debian-12-[a-z0-9]* packages: ' "$bundle/CONTENTS" ||
		fail "the bundle's contents forgot the parts not made again: $(cat "$bundle/CONTENTS")"
	deb=$(find "$bundle/apt/debian/pool" -name 'linux-source-7.3_*.deb')
	[ -n "$deb" ] || fail "the bundle has no linux-source-7.3 package"
	cp "$deb" "$work/source.deb"
	flip "$deb"
	out=$(in_root env KIT_BUNDLE=/bundle KIT_KERNEL=7.3 /kit/scripts/fetch-kernel-source 2>&1) || rc=$?
	cp "$work/source.deb" "$deb"
	rm -f "$work/source.deb"
	[ "$rc" -ne 0 ] || fail "fetch-kernel-source took a changed package from the bundle"
	grep -q 'Hash Sum mismatch' <<<"$out" || fail "apt did not say that the hash differs: $(tail -n 5 <<<"$out")"
	grep -q 'get the bundle again from the organiser' <<<"$out" || fail "the kit gave no advice: $(tail -n 3 <<<"$out")"
}

a_new_debian_12_machine_reaches_mainlines_shell_offline_from_the_bundle() {
	local out rc=0
	have_root
	[ -n "$(find "$bundle/kernels" -name '7.3-*.tar.zst')" ] || fail "no prebuilt kernel of mainline: the test before failed"
	out=$(in_root env KIT_BUNDLE=/bundle KIT_KERNEL=7.3 sh -c 'cd /kit && ./scripts/dev-cycle </dev/null' 2>&1) || rc=$?
	{ [ "$rc" -eq 0 ] && grep -q 'demo: all steps passed' <<<"$out"; } ||
		fail "the first dev-cycle of 7.3 (status $rc) did not reach the guest's demo: $(tail -n 8 <<<"$out")"
	grep -q 'Reading the index of trixie-backports from file:/bundle/' <<<"$out" ||
		fail "the source of 7.3 did not come from the bundle: $(grep -m3 'linux-source-7.3' <<<"$out")"
	grep -q "Using the bundle's prebuilt kernel for 7\.3-[a-z0-9_]*-workshop" <<<"$out" ||
		fail "the first dev-cycle of 7.3 did not start from the bundle's kernel: $(grep -A3 -m1 'prebuilt' <<<"$out")"
}

a_new_debian_12_machine_reaches_the_guests_shell_offline_from_the_prebuilt_kernel() { first_dev_cycle_offline 12; }
check_step_1_passes_offline_on_the_new_debian_12_machine() { check_step_1_offline 12; }
watch_reloads_a_saved_module_offline_on_the_new_debian_12_machine() { watch_reload_offline 12; }
a_new_debian_13_machine_reaches_the_guests_shell_offline_from_the_prebuilt_kernel() { first_dev_cycle_offline 13; }
check_step_1_passes_offline_on_the_new_debian_13_machine() { check_step_1_offline 13; }
watch_reloads_a_saved_module_offline_on_the_new_debian_13_machine() { watch_reload_offline 13; }

ktap_plan 15
tests=(a_new_debian_12_machine_installs_the_toolchain_from_the_bundle_with_no_network
	the_test_programs_build_offline_from_the_bundles_crates
	a_package_changed_by_one_byte_is_refused_by_apt
	an_index_changed_by_one_byte_is_refused_by_apt
	a_changed_crate_archive_is_refused_by_the_kit
	the_bundle_served_over_http_installs_the_same_way
	a_prebuilt_kernel_is_used_elsewhere_and_only_the_edited_driver_is_built
	a_new_debian_12_machine_reaches_the_guests_shell_offline_from_the_prebuilt_kernel
	check_step_1_passes_offline_on_the_new_debian_12_machine
	watch_reloads_a_saved_module_offline_on_the_new_debian_12_machine
	a_mainline_source_changed_by_one_byte_is_refused_by_apt
	a_new_debian_12_machine_reaches_mainlines_shell_offline_from_the_bundle
	a_new_debian_13_machine_reaches_the_guests_shell_offline_from_the_prebuilt_kernel
	check_step_1_passes_offline_on_the_new_debian_13_machine
	watch_reloads_a_saved_module_offline_on_the_new_debian_13_machine)
if [ "${KIT_TEST_BUNDLE:-}" != 1 ]; then
	why="only with ./scripts/test --all (it downloads about 1 GiB from the Debian mirror, and builds a kernel in a Debian 13 root)"
elif [ "$(id -u)" -ne 0 ]; then
	why="needs root (a chroot, a network namespace)"
elif ! command -v debootstrap >/dev/null || ! command -v unshare >/dev/null || ! command -v tmux >/dev/null; then
	why="needs debootstrap, unshare and tmux (./scripts/setup --container --all installs them)"
else
	why=''
fi
for test in "${tests[@]}"; do
	if [ -n "$why" ]; then
		ktap_skip "$test" "$why"
	else
		ktap_run "$test"
	fi
done
