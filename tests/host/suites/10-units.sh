# SPDX-License-Identifier: GPL-2.0
#
# The fast tier, part 2: the unit tests of our tools, on recorded logs
# (tests/unit/fixtures), and of the test program. No kernel is needed, only
# the prepared tree, whose KTAP parser the tools use.
# shellcheck shell=bash disable=SC2031,SC2154 # KIT_ROOT is only read; $work is the runner's

python_tools_pass_their_unit_tests() {
	local out
	out=$(cd "$KIT_ROOT" && /usr/bin/python3 -m unittest discover -s tests/unit 2>&1) || fail "$out"
}

test_program_passes_its_unit_tests() {
	local out target_dir
	target_dir=$(. "$KIT_ROOT/scripts/lib.sh" && echo "$KIT_CARGO_TARGET")
	out=$(cargo test --quiet --locked --target-dir "$target_dir" \
		--manifest-path "$KIT_ROOT/tests/vdev/Cargo.toml" 2>&1) || fail "$out"
}

# A failing test of a step names the slide that shows what to do
# (tests/vdev/src/trace.rs, module slide): each must be a slide of the deck.
slides_that_failing_tests_name_are_in_the_deck() {
	local title count=0
	while IFS= read -r title; do
		count=$((count + 1))
		grep -qxF "## $title" "$KIT_ROOT/slides/workshop.md" ||
			fail "the tests name the slide \"$title\", which slides/workshop.md does not have"
	done < <(sed -n 's/^    pub const [A-Z_]*: &str = "\(.*\)";$/\1/p' "$KIT_ROOT/tests/vdev/src/trace.rs")
	[ "$count" -ge 10 ] || fail "only $count slide titles found in tests/vdev/src/trace.rs"
}

every_script_answers_help_with_its_usage_and_status_0() {
	local script out rc
	for script in "$KIT_ROOT"/scripts/*; do
		if [ ! -f "$script" ] || [ ! -x "$script" ]; then continue; fi
		rc=0
		out=$("$script" --help 2>/dev/null) || rc=$?
		[ "$rc" -eq 0 ] || fail "${script##*/} --help exited with $rc"
		grep -qi '^usage: scripts/' <<<"$out" || fail "${script##*/} --help shows no usage on stdout"
	done
}

# Scripts whose arguments are not passed on to another program.
a_wrong_option_is_named_with_the_usage_and_status_2() {
	local name out rc
	for name in bench bench-install bench-report build-checkpoints build-docs build-external build-slides doctor make-bundle serve-bundle bench-first-shell \
		build-tests check-step fuzz gen-initramfs gen-rust-project ktap-report prepare-linux \
		run-kernel setup slides-include target test guest-shell start-step push-image; do
		rc=0
		out=$("$KIT_ROOT/scripts/$name" --wrong-option x 2>&1 >/dev/null) || rc=$?
		[ "$rc" -eq 2 ] || fail "$name --wrong-option exited with $rc, not 2"
		grep -q -- '--wrong-option' <<<"$out" || fail "$name does not say which option was wrong: $out"
		grep -qi 'usage: scripts/' <<<"$out" || fail "$name shows no usage on a wrong option"
	done
}

# What scripts/setup installs by default is what an attendee uses; the
# tests' tools come only with --all (which scripts/test asks for).
setup_installs_the_tests_tools_only_when_asked_for_all() {
	local attendee everything p
	attendee=$("$KIT_ROOT/scripts/setup" --list) || fail "setup --list failed: $attendee"
	everything=$("$KIT_ROOT/scripts/setup" --list --all) || fail "setup --list --all failed: $everything"
	for p in rustc-web rust-web-src "clang-[0-9]*" "qemu-system-[a-z0-9]*" busybox-static gdb rust-web-analyzer; do
		grep -qx "$p" <<<"$attendee" || fail "an attendee's set lacks $p: $(tr '\n' ' ' <<<"$attendee")"
		grep -qx "$p" <<<"$everything" || fail "--all lacks $p"
	done
	for p in chromium graphviz shellcheck pylint python3-matplotlib tmux; do
		! grep -qx "$p" <<<"$attendee" || fail "an attendee would install $p, which only the tests use"
		grep -qx "$p" <<<"$everything" || fail "--all lacks $p, which the tests use"
	done
	command -v tmux >/dev/null || fail "the tests' tools are not installed (no tmux): scripts/test runs setup --all"
}

# setup --check for guests of the other architecture, once setup has
# installed what they need, finds it all: the package of that
# architecture too (libstd-rust-web-dev:arm64), which it used to report
# missing and install again on every run.
setup_check_finds_the_other_architectures_packages() {
	local out rc=0
	out=$(KIT_ARCH=$other_arch "$KIT_ROOT/scripts/setup" --check 2>&1) || rc=$?
	[ "$rc" -eq 0 ] || fail "setup --check for $other_arch guests exited with $rc: $(tail -n 3 <<<"$out")"
	grep -q "Toolchain for $other_arch guests (cross-built on this" <<<"$out" ||
		fail "setup --check did not report the cross toolchain: $(tail -n 3 <<<"$out")"
}

# doctor --workshop ends with one line an organiser collects: ready from a
# readable bundle, NOT-READY (with the problem named, status 1) from one
# that cannot be read.
doctor_workshop_ends_with_the_line_an_organiser_collects() {
	local out rc=0 bundle=$work/doctor-bundle
	mkdir -p "$bundle"
	echo "kit-bundle 1" >"$bundle/VERSION"
	(. "$KIT_ROOT/scripts/lib.sh" && kit_bundle_sums "$bundle")
	out=$(KIT_BUNDLE=$bundle "$KIT_ROOT/scripts/doctor" --workshop 2>&1) || rc=$?
	grep -Eq '^workshop: (ready|NOT-READY) .*source=bundle first-shell-min=[0-9]+ disk-free-gib=[0-9]+ disk-need-gib=[0-9]+ problems=[0-9]+$' \
		<<<"$(tail -n 2 <<<"$out")" || fail "no workshop line from a readable bundle: $(tail -n 3 <<<"$out")"
	rc=0
	out=$(KIT_BUNDLE=$work/no-such-bundle "$KIT_ROOT/scripts/doctor" --workshop 2>&1) || rc=$?
	[ "$rc" -eq 1 ] || fail "doctor passed with a bundle it cannot read (status $rc)"
	grep -q '^workshop: NOT-READY .*source=none' <<<"$out" || fail "an unreadable bundle is not NOT-READY: $(tail -n 3 <<<"$out")"
	grep -q 'PROBLEM  source: the bundle at' <<<"$out" || fail "doctor does not say what is wrong: $(tail -n 5 <<<"$out")"
}

# doctor --workshop reads what the bundle holds for the target: a bundle
# without mainline's source is a problem for KIT_KERNEL=7.3, and with a
# prebuilt kernel for this target and system the first shell is a matter
# of a minute or two, not of a kernel build.
doctor_workshop_says_what_the_bundle_holds_for_the_target() {
	local out rc=0 bundle=$work/doctor-target-bundle kit=$work/doctor-kit target system
	# A new checkout: no tree, no kernel built.
	(. "$KIT_ROOT/scripts/lib.sh" && kit_copy_checkout "$kit")
	mkdir -p "$bundle"
	echo "kit-bundle 1" >"$bundle/VERSION"
	(. "$KIT_ROOT/scripts/lib.sh" && kit_bundle_sums "$bundle")
	out=$(XDG_CACHE_HOME=$work/doctor-empty-cache KIT_KERNEL=7.3 KIT_BUNDLE=$bundle "$kit/scripts/doctor" --workshop 2>&1) || rc=$?
	[ "$rc" -eq 1 ] || fail "doctor passed for 7.3 with a bundle without its source (status $rc)"
	grep -q 'PROBLEM  kernel source: the bundle does not carry linux-source-7.3' <<<"$out" ||
		fail "doctor did not say that the bundle lacks mainline's source: $(grep -A1 'kernel source' <<<"$out")"
	grep -q 'fix: ask the organiser for a bundle made with make-bundle --mainline' <<<"$out" || fail "doctor gave no fix"
	read -r target system < <(. "$KIT_ROOT/scripts/lib.sh" && echo "$KIT_TARGET $(kit_host_system)")
	mkdir -p "$bundle/kernels/$system"
	echo "target=$target" >"$bundle/kernels/$system/$target.inputs"
	(. "$KIT_ROOT/scripts/lib.sh" && kit_bundle_sums "$bundle")
	out=$(KIT_BUNDLE=$bundle "$kit/scripts/doctor" --workshop 2>&1)
	grep -q "ok       prebuilt kernel: the bundle has $target for $system" <<<"$out" ||
		fail "doctor did not find the bundle's prebuilt kernel: $(grep -A1 'prebuilt' <<<"$out")"
	grep -q 'first shell: about [0-9]* min on [0-9]* cores (.*unpack the prebuilt kernel, boot)' <<<"$out" ||
		fail "doctor's estimate does not start from the prebuilt kernel: $(grep 'first shell' <<<"$out")"
}

# A newer mainline in the Debian lists that fetch-kernel-source read last
# is named by doctor, with where to read how to follow it; the kit's own
# mainline, or an older one, is not.
doctor_names_a_newer_mainline_that_debian_carries() {
	local cache=$work/doctor-cache lists out mainline
	lists=$cache/rust-for-linux-workshop/sources/apt/lists
	mainline=$(. "$KIT_ROOT/scripts/lib.sh" && echo "${KIT_KERNELS[${#KIT_KERNELS[@]} - 1]}")
	mkdir -p "$lists"
	printf 'Package: linux-source-%s\nVersion: %s.4-1\n\nPackage: linux-source-6.12\nVersion: 6.12.118-1\n\n' \
		"$mainline" "$mainline" >"$lists/deb.debian.org_debian_dists_sid_main_binary-amd64_Packages"
	out=$(XDG_CACHE_HOME=$cache "$KIT_ROOT/scripts/doctor" 2>&1)
	grep -q "ok       mainline: $mainline is the newest Debian carried" <<<"$out" ||
		fail "doctor did not say the kit's mainline is the newest: $(grep mainline <<<"$out")"
	printf 'Package: linux-source-%s.9\nVersion: %s.9~rc2-1~exp1\n\n' "${mainline%.*}" "${mainline%.*}" \
		>"$lists/deb.debian.org_debian_dists_experimental_main_binary-amd64_Packages"
	out=$(XDG_CACHE_HOME=$cache "$KIT_ROOT/scripts/doctor" 2>&1)
	grep -q "note     mainline: Debian's experimental carries linux-source-${mainline%.*}.9 ${mainline%.*}.9~rc2-1~exp1, newer than the kit's $mainline" <<<"$out" ||
		fail "doctor did not name the newer mainline: $(grep -A1 mainline <<<"$out")"
	grep -q 'fix: README.md, "Moving to a new mainline"' <<<"$out" || fail "doctor did not say where to read how to move"
}

ktap_plan 10
ktap_run python_tools_pass_their_unit_tests
ktap_run test_program_passes_its_unit_tests
ktap_run slides_that_failing_tests_name_are_in_the_deck
ktap_run every_script_answers_help_with_its_usage_and_status_0
ktap_run a_wrong_option_is_named_with_the_usage_and_status_2
ktap_run setup_installs_the_tests_tools_only_when_asked_for_all
# The other architecture's guests, where setup has installed their tools
# (./scripts/test --all builds their kernel).
other_arch=$(. "$KIT_ROOT/scripts/lib.sh" && for arch in "${KIT_ARCHS[@]}"; do
	[ "$arch" = "$(kit_host_arch)" ] || echo "$arch"
done)
if dpkg-query -W -f='${db:Status-Abbrev}' "libstd-rust-web-dev:$(. "$KIT_ROOT/scripts/lib.sh" && kit_debian_arch "$other_arch")" 2>/dev/null |
	grep -q '^ii'; then
	ktap_run setup_check_finds_the_other_architectures_packages
else
	ktap_skip setup_check_finds_the_other_architectures_packages "setup has not installed the tools for $other_arch guests here (./scripts/test --all does)"
fi
ktap_run doctor_workshop_ends_with_the_line_an_organiser_collects
ktap_run doctor_workshop_says_what_the_bundle_holds_for_the_target
ktap_run doctor_names_a_newer_mainline_that_debian_carries
