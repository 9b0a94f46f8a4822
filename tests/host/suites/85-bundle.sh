# SPDX-License-Identifier: GPL-2.0
#
# The organiser's bundle (scripts/make-bundle), as a room uses it: made
# once here for Debian 12 on this architecture, it installs what an
# attendee needs on a new machine (a fresh minimal Debian 12 root, with no
# network) and the crates build offline from it; apt refuses a package or
# an index changed by one byte, and the kit a changed file of its own; and
# served over HTTP (scripts/serve-bundle) it installs the same way; its
# prebuilt kernel serves another checkout, which then builds only what it
# changed. Only
# with KIT_TEST_BUNDLE=1, which ./scripts/test --all sets, and as root: it
# downloads about 510 MiB of packages from the Debian mirror, once.
# shellcheck shell=bash disable=SC2031,SC2154 # KIT_ROOT is only read; $work is the runner's

# The new machine's root, and the bundle inside it (nothing is mounted:
# the runner removes $work with rm -rf).
root=$work/root
bundle=$root/bundle

# in_root COMMAND...: run COMMAND in the fresh root as a new machine's user
# would, with the bundle at /bundle and the kit at /kit; with
# KIT_TEST_OFFLINE=1 (the default) in a network namespace of its own, with
# no network at all.
in_root() {
	local isolate=(unshare --net)
	[ "${KIT_TEST_OFFLINE:-1}" = 1 ] || isolate=()
	"${isolate[@]}" chroot "$root" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb "$@"
}

# flip FILE: change one byte in the middle of FILE.
flip() {
	/usr/bin/python3 -c 'import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[len(data) // 2] ^= 1
open(path, "wb").write(data)' "$1"
}

# make_root: a copy of a fresh minimal Debian 12 root (debootstrap made
# its /dev), with no package lists, and the kit in it.
make_root() {
	local cached
	cached=$(. "$KIT_ROOT/scripts/lib.sh" && kit_minimal_root bookworm) || return 1
	cp -a "$cached" "$root"
	rm -rf "$root"/var/lib/apt/lists/* "$root/opt/kit"
	(. "$KIT_ROOT/scripts/lib.sh" && kit_copy_checkout "$root/kit")
}

# have_root: the first test made the root and the bundle.
have_root() {
	{ [ -f "$bundle/VERSION" ] && [ -x "$root/kit/scripts/setup" ]; } || fail "no bundle: the first test did not make it"
}

a_new_debian_12_machine_installs_the_toolchain_from_the_bundle_with_no_network() {
	local out rc=0
	make_root || fail "no minimal Debian 12 root"
	out=$("$KIT_ROOT/scripts/make-bundle" --release 12 --arch "$(uname -m | sed s/aarch64/arm64/)" \
		--out "$bundle" 2>&1) || fail "make-bundle failed: $(tail -n 5 <<<"$out")"
	grep -q '^debian-12-[a-z0-9]* packages: [0-9]*, [0-9.]* MiB$' "$bundle/CONTENTS" ||
		fail "the bundle does not say what it holds: $(cat "$bundle/CONTENTS")"
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
	out=$("$KIT_ROOT/scripts/make-bundle" --only kernels --arch "$(. "$KIT_ROOT/scripts/lib.sh" && kit_host_arch)" \
		--out "$kbundle" 2>&1) || fail "make-bundle --only kernels failed: $(tail -n 5 <<<"$out")"
	ls "$kbundle"/kernels/6.12-*-workshop-*.tar.zst >/dev/null 2>&1 || fail "no prebuilt kernel in the bundle: $(ls -R "$kbundle")"
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

ktap_plan 7
tests=(a_new_debian_12_machine_installs_the_toolchain_from_the_bundle_with_no_network
	the_test_programs_build_offline_from_the_bundles_crates
	a_package_changed_by_one_byte_is_refused_by_apt
	an_index_changed_by_one_byte_is_refused_by_apt
	a_changed_crate_archive_is_refused_by_the_kit
	the_bundle_served_over_http_installs_the_same_way
	a_prebuilt_kernel_is_used_elsewhere_and_only_the_edited_driver_is_built)
if [ "${KIT_TEST_BUNDLE:-}" != 1 ]; then
	why="only with ./scripts/test --all (it downloads about 510 MiB from the Debian mirror)"
elif [ "$(id -u)" -ne 0 ]; then
	why="needs root (a chroot, a network namespace)"
elif ! command -v debootstrap >/dev/null || ! command -v unshare >/dev/null; then
	why="needs debootstrap and unshare (./scripts/setup --container installs debootstrap)"
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
