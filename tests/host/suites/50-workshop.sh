# SPDX-License-Identifier: GPL-2.0
#
# The attendee's check of a step (scripts/check-step): it says what passes
# and what is still missing, and its exit status says whether the step is
# done. (The checkpoints themselves are tested in the guest, by the suite
# 70-checkpoints.)
# shellcheck shell=bash disable=SC2031,SC2154 # KIT_ROOT is only read; $work is the runner's

check_step_names_what_an_unfinished_driver_is_missing() {
	local rc=0
	# Checkpoint 2's driver has no read or write: at step 3 those tests fail.
	cp "$KIT_ROOT/checkpoints/2-misc-device/rust_vdev.rs" "$work/my_vdev.rs"
	"$KIT_ROOT/scripts/check-step" 3 "$work/my_vdev.rs" >"$work/check-step.log" 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || fail "check-step exited with $rc, not 1: $(tail -n 3 "$work/check-step.log")"
	grep -q '^  passes:  device_opens_and_closes_many_times$' "$work/check-step.log" ||
		fail "step 2's behaviour is not reported as passing"
	grep -q '^  MISSING: echo_then_cat_shows_the_text$' "$work/check-step.log" ||
		fail "the missing read and write are not reported"
	grep -q "echo's write: got Err(EINVAL)" "$work/check-step.log" ||
		fail "the reason (write fails with EINVAL) is not shown"
	grep -q '4 still missing' "$work/check-step.log" || fail "the count of missing tests is wrong"
}

check_step_shows_compiler_errors_in_the_attendees_file() {
	local rc=0
	sed 's/Ok(VDevModule)/Ok(VDevModul)/' "$KIT_ROOT/checkpoints/1-hello/rust_vdev.rs" >"$work/broken.rs"
	"$KIT_ROOT/scripts/check-step" 1 "$work/broken.rs" >"$work/broken.log" 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || fail "check-step exited with $rc on a file that does not build"
	grep -q -- "--> $work/broken.rs:" "$work/broken.log" ||
		fail "the compiler's message does not point at the attendee's file: $(grep -m1 -- '-->' "$work/broken.log")"
	grep -q 'does not build yet' "$work/broken.log" || fail "no clear verdict"
}

check_step_passes_a_finished_step() {
	"$KIT_ROOT/scripts/check-step" 1 >"$work/step1.log" 2>&1 ||
		fail "checkpoint 1's own solution fails step 1: $(tail -n 3 "$work/step1.log")"
	grep -q 'All 1 tests of steps 1 to 1 pass' "$work/step1.log" || fail "no verdict: $(tail -n 2 "$work/step1.log")"
}

ktap_plan 3
ktap_run check_step_names_what_an_unfinished_driver_is_missing
ktap_run check_step_shows_compiler_errors_in_the_attendees_file
ktap_run check_step_passes_a_finished_step
