# SPDX-License-Identifier: GPL-2.0
#
# Our code keeps the kernel's rules: the patches pass checkpatch, our Rust
# is formatted as rustfmt wants, Clippy refuses an unsafe block that does
# not say why it is sound (the kernel's undocumented_unsafe_blocks, on in
# scripts/test's build of the test flavour and of the checkpoints, where
# warnings are errors; tests/vdev has it too), and the driver has no unsafe
# code at all.
# shellcheck shell=bash disable=SC2031,SC2154 # KIT_ROOT is only read; $work is the runner's

# shellcheck source=scripts/lib.sh # the model: where the tree and patches are
. "$KIT_ROOT/scripts/lib.sh"

# Every kernel's series, with the target tree's checkpatch.
patches_pass_checkpatch() {
	local patch out
	for patch in "$KIT_ROOT"/patches/*/*.patch; do
		# New files under rust/ need no MAINTAINERS change: the RUST entry
		# covers rust/. Everything else counts.
		out=$(perl "$KIT_LINUX/scripts/checkpatch.pl" --no-tree --strict \
			--ignore FILE_PATH_CHANGES "$patch" 2>&1)
		grep -q '^total: 0 errors, 0 warnings, 0 checks' <<<"$out" ||
			fail "${patch#"$KIT_ROOT/"}: $(grep -E '^(ERROR|WARNING|CHECK)|^total' <<<"$out")"
	done
}

# A reader of a patch sees each unsafe block's SAFETY comment right above
# it, not cut off by the hunk's start (tests/lib/safety-in-view).
patches_show_each_unsafe_blocks_safety_comment() {
	local out
	out=$("$KIT_ROOT/tests/lib/safety-in-view" "$KIT_ROOT"/patches/*/*.patch 2>&1) ||
		fail "unsafe blocks whose SAFETY comment the patch does not show (format-patch -U more context): $out"
}

rust_code_is_formatted_by_rustfmt() {
	local out RUSTFMT
	# The rustfmt of the toolchain that builds the kernel, as kmake uses it.
	kit_toolchain
	out=$("$KIT_ROOT/scripts/kmake" -s rustfmtcheck 2>&1) || fail "rustfmtcheck of the kernel's Rust: $out"
	# rustfmtcheck skips symbolic links, which our samples are in the tree.
	out=$("$RUSTFMT" --config-path "$KIT_LINUX/.rustfmt.toml" --edition 2021 --check \
		"$KIT_ROOT"/samples-rust/*.rs "$KIT_ROOT"/checkpoints/*/*.rs "$KIT_ROOT"/tests/attendees/*.rs 2>&1) ||
		fail "samples-rust, checkpoints: $out"
	out=$("$RUSTFMT" --edition 2021 --check "$KIT_ROOT"/tests/vdev/src/*.rs \
		"$KIT_ROOT"/tests/vdev/src/bin/*.rs 2>&1) || fail "tests/vdev: $out"
}

clippy_refuses_an_unsafe_block_without_a_safety_comment() {
	local rc=0
	# Checkpoint 1 with an unsafe block that says nothing: built as the
	# checkpoints are, with Clippy, the kernel's lint must refuse it.
	sed 's|^        pr_info!("hello|        // An unsafe block with no comment.\n        let _ = unsafe { core::ptr::read(\&0u8) };\n&|' \
		"$KIT_ROOT/checkpoints/1-hello/rust_vdev.rs" >"$work/unsafe.rs"
	grep -q 'unsafe {' "$work/unsafe.rs" || fail "the test could not add an unsafe block to checkpoint 1"
	(kit_build_vdev "$work/unsafe.rs" "$work/unsafe" CLIPPY=1 KRUSTFLAGS=-Dwarnings) >"$work/unsafe.log" 2>&1 || rc=$?
	[ "$rc" -ne 0 ] || fail "an unsafe block without a SAFETY comment was accepted"
	grep -q 'undocumented_unsafe_blocks' "$work/unsafe.log" ||
		fail "it failed, but not for the missing SAFETY comment: $(grep -m3 error "$work/unsafe.log")"
}

# The samples are links in the kernel tree; the compiler's messages, panics
# and gdb name the file the attendee edits, in samples-rust/.
samples_name_their_source_in_samples_rust() {
	local ko=$KIT_KOBJ/samples/rust/vdev.ko
	[ -f "$ko" ] || fail "${ko#"$KIT_ROOT/"} is not built"
	# Into a file: grep -q would end strings early, with SIGPIPE.
	strings "$ko" >"$work/vdev.strings"
	grep -q "^$KIT_ROOT/samples-rust/rust_vdev.rs" "$work/vdev.strings" ||
		fail "vdev.ko does not name samples-rust/rust_vdev.rs"
	! grep -q "$KIT_LINUX/samples/rust/rust_vdev.rs" "$work/vdev.strings" ||
		fail "vdev.ko names the link in the kernel tree"
}

the_driver_has_no_unsafe_code() {
	! grep -n 'unsafe' "$KIT_ROOT/samples-rust/rust_vdev.rs" "$KIT_ROOT"/checkpoints/*/*.rs ||
		fail "unsafe in the driver or a checkpoint"
}

ktap_plan 6
ktap_run patches_pass_checkpatch
ktap_run patches_show_each_unsafe_blocks_safety_comment
ktap_run rust_code_is_formatted_by_rustfmt
ktap_run clippy_refuses_an_unsafe_block_without_a_safety_comment
ktap_run samples_name_their_source_in_samples_rust
ktap_run the_driver_has_no_unsafe_code
