# SPDX-License-Identifier: GPL-2.0
#
# Our code keeps the kernel's rules: the patches pass checkpatch, our Rust
# is formatted as rustfmt wants, every unsafe block says why it is sound,
# and the driver has none. (Clippy runs in scripts/test's build of the test
# flavour, where its warnings are errors.)
# shellcheck shell=bash disable=SC2031 # KIT_ROOT is only read

patches_pass_checkpatch() {
	local patch out
	for patch in "$KIT_ROOT"/patches/*.patch; do
		# New files under rust/ need no MAINTAINERS change: the RUST entry
		# covers rust/. Everything else counts.
		out=$(perl "$KIT_ROOT/linux/scripts/checkpatch.pl" --no-tree --strict \
			--ignore FILE_PATH_CHANGES "$patch" 2>&1)
		grep -q '^total: 0 errors, 0 warnings, 0 checks' <<<"$out" ||
			fail "$(basename "$patch"): $(grep -E '^(ERROR|WARNING|CHECK)|^total' <<<"$out")"
	done
}

rust_code_is_formatted_by_rustfmt() {
	local out RUSTFMT
	# The rustfmt of the toolchain that builds the kernel, as kmake uses it.
	RUSTFMT=$(. "$KIT_ROOT/scripts/lib.sh" && kit_toolchain && echo "$RUSTFMT")
	out=$("$KIT_ROOT/scripts/kmake" -s rustfmtcheck 2>&1) || fail "rustfmtcheck of the kernel's Rust: $out"
	# rustfmtcheck skips symbolic links, which our samples are in the tree.
	out=$("$RUSTFMT" --config-path "$KIT_ROOT/linux/.rustfmt.toml" --edition 2021 --check \
		"$KIT_ROOT"/samples-rust/*.rs "$KIT_ROOT"/checkpoints/*/*.rs 2>&1) ||
		fail "samples-rust, checkpoints: $out"
	out=$("$RUSTFMT" --edition 2021 --check "$KIT_ROOT"/tests/vdev/src/*.rs \
		"$KIT_ROOT"/tests/vdev/src/bin/*.rs 2>&1) || fail "tests/vdev: $out"
}

# Unsafe blocks in the Rust our patches add, in our samples and in our tests
# that have no SAFETY comment in the three lines above them.
unsafe_blocks_without_safety_comment() {
	awk '
		FNR == 1 { w1 = ""; w2 = ""; w3 = "" }
		# In a patch, only the lines it adds are ours.
		FILENAME ~ /\.patch$/ && !/^\+/ { w3 = w2; w2 = w1; w1 = $0; next }
		/unsafe[[:space:]]*\{/ && !/unsafe[[:space:]]*fn/ && !/^[-+]?[[:space:]]*\/\// {
			if (index(w1 w2 w3 $0, "SAFETY") == 0) print FILENAME ":" FNR ": " $0
		}
		{ w3 = w2; w2 = w1; w1 = $0 }
	' "$KIT_ROOT"/patches/*.patch "$KIT_ROOT"/samples-rust/*.rs "$KIT_ROOT"/checkpoints/*/*.rs \
		"$KIT_ROOT"/tests/vdev/src/*.rs "$KIT_ROOT"/tests/vdev/src/bin/*.rs
}

every_unsafe_block_has_a_safety_comment() {
	local missing
	missing=$(unsafe_blocks_without_safety_comment)
	[ -z "$missing" ] || fail "$missing"
}

the_driver_has_no_unsafe_code() {
	! grep -n 'unsafe' "$KIT_ROOT/samples-rust/rust_vdev.rs" "$KIT_ROOT"/checkpoints/*/*.rs ||
		fail "unsafe in the driver or a checkpoint"
}

ktap_plan 4
ktap_run patches_pass_checkpatch
ktap_run rust_code_is_formatted_by_rustfmt
ktap_run every_unsafe_block_has_a_safety_comment
ktap_run the_driver_has_no_unsafe_code
