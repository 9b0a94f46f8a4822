# SPDX-License-Identifier: GPL-2.0
#
# The attendee's check of a step (scripts/check-step): it says what passes
# and what is still missing, and its exit status says whether the step is
# done. (The checkpoints themselves are tested in the guest, by the suite
# 70-checkpoints.)
# shellcheck shell=bash disable=SC2031,SC2154 # KIT_ROOT is only read; $work is the runner's

# edited STEP NAME SED-SCRIPT: checkpoint STEP's solution edited by
# SED-SCRIPT, in $work/NAME.rs; the test fails if the edit changed nothing.
edited() {
	local solution
	solution=$(find "$KIT_ROOT/checkpoints" -path "*/$1-*/rust_vdev.rs")
	sed "$3" "$solution" >"$work/$2.rs"
	! cmp -s "$solution" "$work/$2.rs" || fail "the test's edit of checkpoint $1 changed nothing"
}

# check_step STEP NAME: check-step STEP on $work/NAME.rs, its output in
# $work/NAME.log; prints its exit status.
check_step() {
	status_of "$work/$2.log" "$KIT_ROOT/scripts/check-step" "$1" "$work/$2.rs"
}

check_step_names_what_an_unfinished_driver_is_missing() {
	local rc
	# Checkpoint 2's driver has no read or write: at step 3 those tests fail.
	cp "$KIT_ROOT/checkpoints/2-misc-device/rust_vdev.rs" "$work/my_vdev.rs"
	rc=$(check_step 3 my_vdev)
	[ "$rc" -eq 1 ] || fail "check-step exited with $rc, not 1: $(tail -n 3 "$work/my_vdev.log")"
	grep -q '^  passes:  device_opens_and_closes_many_times$' "$work/my_vdev.log" ||
		fail "step 2's behaviour is not reported as passing"
	grep -q '^  MISSING: echo_then_cat_shows_the_text$' "$work/my_vdev.log" ||
		fail "the missing read and write are not reported"
	grep -q "echo's write: got -1 EINVAL, expected 13" "$work/my_vdev.log" ||
		fail "the reason (write fails with EINVAL) is not shown: $(grep -A2 'MISSING: echo' "$work/my_vdev.log")"
	grep -q '11 still missing' "$work/my_vdev.log" || fail "the count of missing tests is wrong: $(tail -n 3 "$work/my_vdev.log")"
}

check_step_shows_compiler_errors_in_the_attendees_file() {
	local rc
	edited 1 broken 's/Ok(VDevModule)/Ok(VDevModul)/'
	rc=$(check_step 1 broken)
	[ "$rc" -eq 1 ] || fail "check-step exited with $rc on a file that does not build"
	grep -q -- "--> $work/broken.rs:" "$work/broken.log" ||
		fail "the compiler's message does not point at the attendee's file: $(grep -m1 -- '-->' "$work/broken.log")"
	grep -q 'does not build yet' "$work/broken.log" || fail "no clear verdict"
}

# An attendee compares their file with the solution: each run tests the file
# it is given, even one older than the last file built.
check_step_tests_the_file_it_is_given_not_the_last_one_built() {
	local rc
	# Step 4's solution with O_APPEND ignored must fail that test...
	edited 4 no_append 's/kiocb.is_append()/false/'
	rc=$(check_step 4 no_append)
	[ "$rc" -eq 1 ] || fail "check-step passed a driver that ignores O_APPEND (exit $rc)"
	grep -q '^  MISSING: o_append_writes_go_to_the_end$' "$work/no_append.log" ||
		fail "the broken O_APPEND is not reported: $(grep -m3 MISSING "$work/no_append.log")"
	# ... and the solution, an older file, must pass it right after.
	cp -p "$KIT_ROOT/checkpoints/4-offsets/rust_vdev.rs" "$work/solution.rs"
	touch -d '1 hour ago' "$work/solution.rs"
	rc=$(check_step 4 solution)
	[ "$rc" -eq 0 ] ||
		fail "the solution fails after a broken file: $(grep -m3 -E 'MISSING|CRASHED|error' "$work/solution.log")"
	grep -q '^  passes:  o_append_writes_go_to_the_end$' "$work/solution.log" || fail "O_APPEND not reported passing"
}

# A driver that crashes the kernel: check-step shows the panic, which names
# the line of the attendee's own file, and the test that was running.
check_step_names_the_line_and_the_test_of_a_crash() {
	local rc
	# Step 3's solution without its check for a read past the end: the
	# slice after it starts past the end of the contents, and Rust panics.
	edited 3 crash '/Past the end there is nothing to read/,/^        }$/d'
	rc=$(check_step 3 crash)
	[ "$rc" -eq 1 ] || fail "check-step exited with $rc on a driver that crashes"
	grep -qE '^  CRASHED: [a-z_0-9]+: the kernel crashed while this test ran' "$work/crash.log" ||
		fail "no test is named as the one that crashed: $(tail -n 8 "$work/crash.log")"
	grep -qE "panicked at $work/crash.rs:[0-9]+:[0-9]+" "$work/crash.log" ||
		fail "the panic does not name the attendee's file and line: $(grep -m2 -A1 CRASHED "$work/crash.log")"
	grep -qE 'range start index [0-9]+ out of range for slice of length [0-9]+' "$work/crash.log" || fail "the panic's reason is not shown"
}

check_step_passes_a_finished_step() {
	"$KIT_ROOT/scripts/check-step" 1 >"$work/step1.log" 2>&1 ||
		fail "checkpoint 1's own solution fails step 1: $(tail -n 3 "$work/step1.log")"
	grep -q 'All 1 tests of steps 1 to 1 pass' "$work/step1.log" || fail "no verdict: $(tail -n 2 "$work/step1.log")"
}

check_step_builds_and_names_a_file_whose_path_has_spaces_and_dollars() {
	local dir="$work/my files \$HOME, (v2) | 'x'" rc=0
	mkdir -p "$dir"
	sed 's/Ok(VDevModule)/Ok(VDevModul)/' "$KIT_ROOT/checkpoints/1-hello/rust_vdev.rs" >"$dir/my vdev.rs"
	"$KIT_ROOT/scripts/check-step" 1 "$dir/my vdev.rs" >"$work/odd-broken.log" 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || fail "check-step exited with $rc on a file that does not build"
	grep -qF -- "--> $dir/my vdev.rs:" "$work/odd-broken.log" ||
		fail "the compiler's message does not name the file: $(grep -m1 -- '-->' "$work/odd-broken.log")"
	cp "$KIT_ROOT/checkpoints/1-hello/rust_vdev.rs" "$dir/my vdev.rs"
	"$KIT_ROOT/scripts/check-step" 1 "$dir/my vdev.rs" >"$work/odd-ok.log" 2>&1 ||
		fail "the solution under that path fails: $(tail -n 3 "$work/odd-ok.log")"
}

# Each step's starting file (scripts/start-step, made from the step's
# checkpoint) builds, and does what the step before does: check-step passes
# it for the steps before, and finds this step's behaviour missing, so that
# its TODOs are what is left to write. The file is not replaced without
# --force; what it held is kept beside it.
starting_files_build_do_the_previous_step_and_leave_this_one_to_write() {
	local step rc out
	for step in 1 2 3 4 5 6; do
		out=$("$KIT_ROOT/scripts/start-step" "$step" "$work/start-$step.rs" 2>&1) ||
			fail "start-step $step failed: $out"
		grep -q "^ *// TODO($step\.1): " "$work/start-$step.rs" || fail "step $step's starting file has no TODO($step.1)"
		! grep -q '// step [0-9]\|// end of step\|// was:' "$work/start-$step.rs" ||
			fail "step $step's starting file shows the checkpoint's markers"
		if [ "$step" -gt 1 ]; then
			rc=$(check_step $((step - 1)) "start-$step")
			[ "$rc" -eq 0 ] || fail "step $step's starting file fails step $((step - 1)): $(grep -m3 -E 'MISSING|CRASHED|error' "$work/start-$step.log")"
		fi
		rc=$(check_step "$step" "start-$step")
		{ [ "$rc" -eq 1 ] && grep -q '^  MISSING: ' "$work/start-$step.log"; } ||
			fail "step $step's starting file leaves nothing of step $step to write (status $rc): $(tail -n 3 "$work/start-$step.log")"
	done
	echo '// my work' >>"$work/start-5.rs"
	rc=0
	out=$("$KIT_ROOT/scripts/start-step" 5 "$work/start-5.rs" </dev/null 2>&1) || rc=$?
	[ "$rc" -eq 1 ] || fail "start-step replaced other work without asking (status $rc): $out"
	out=$("$KIT_ROOT/scripts/start-step" --force 5 "$work/start-5.rs" 2>&1) || fail "start-step --force failed: $out"
	grep -q '^// my work$' "$work/start-5.rs.before-step-5" || fail "the work it replaced was not kept: $out"
}

# A correct driver in the attendee's own words (other log lines than the
# reference's) passes every test of step 5: the tests ask for the contract
# (one line at load that names the count and the capacity, one at unload,
# the `vdev: ` prefix, debug lines with dyndbg=+p only), not our wording.
a_correct_driver_in_the_attendees_own_words_passes_step_5() {
	local rc
	edited 5 own_words 's|"1 device of {capacity} bytes: /dev/vdev0\\n"|"ready: {capacity} bytes in 1 device\\n"|
		s|"{count} devices of {capacity} bytes: /dev/vdev0 to /dev/vdev{}\\n"|"ready: {capacity} bytes in each of {count} devices, up to number {}\\n"|
		s|"vdev{}: opened\\n"|"open: vdev{}\\n"|
		s|"vdev{}: read {count} bytes at {start}\\n"|"{count} bytes read from vdev{} at {start}\\n"|
		s|"vdev{}: wrote {count} bytes at {start}\\n"|"{count} bytes written to vdev{} at {start}\\n"|
		s|"unloaded: 1 device removed\\n"|"gone: 1 device\\n"|
		s|"unloaded: {count} devices removed\\n"|"gone: {count} devices\\n"|'
	for words in 'ready: {capacity} bytes in 1 device' 'open: vdev{}' 'bytes written to vdev{}' 'gone: {count} devices'; do
		grep -qF "$words" "$work/own_words.rs" || fail "the test's edit did not make the line \"$words\""
	done
	rc=$(check_step 5 own_words)
	[ "$rc" -eq 0 ] || fail "a correct driver in other words fails step 5: $(grep -m4 -E 'MISSING|CRASHED|error' "$work/own_words.log")"
}

# Stuck, a hint: check-step --hint names the first TODO that the file does
# not have yet and the slide that shows it, asked again the names its code
# uses, then its solution; and --progress says what the last check of each
# step found (the tests above checked every step).
# shellcheck disable=SC2016 # the backticks are the hints' own, not the shell's
hints_go_from_the_first_unwritten_todo_to_its_solution_and_progress_shows_every_step() {
	local out
	edited 3 no_read '/fn read_iter(/,/^    }$/d'
	out=$("$KIT_ROOT/scripts/check-step" --hint 3 "$work/no_read.rs" 2>&1) || fail "check-step --hint failed: $out"
	{ grep -q 'Hint 1 of 3' <<<"$out" && grep -q 'TODO(3.4): `read_iter`' <<<"$out" &&
		grep -q 'The slide "read_iter: copy out, advance the position" shows it.' <<<"$out"; } ||
		fail "the first hint does not name TODO(3.4) and its slide: $out"
	out=$("$KIT_ROOT/scripts/check-step" --hint 3 "$work/no_read.rs" 2>&1)
	{ grep -q 'Hint 2 of 3' <<<"$out" && grep -q 'It uses: .*`copy_to_iter`' <<<"$out"; } ||
		fail "the second hint does not name what the code uses: $out"
	out=$("$KIT_ROOT/scripts/check-step" --hint 3 "$work/no_read.rs" 2>&1)
	{ grep -q 'Hint 3 of 3' <<<"$out" && grep -qF 'let count = buf.copy_to_iter(&contents[start..]);' <<<"$out"; } ||
		fail "the third hint does not show the solution: $out"
	out=$("$KIT_ROOT/scripts/check-step" --hint 3 "$KIT_ROOT/checkpoints/3-read-write/rust_vdev.rs" 2>&1)
	grep -q 'Every TODO of step 3 is written' <<<"$out" || fail "a finished file still gets a hint: $out"
	out=$("$KIT_ROOT/scripts/check-step" --progress 2>&1) || fail "check-step --progress failed: $out"
	[ "$(grep -cE '^  step [1-6]: (all [0-9]+ tests pass|[0-9]+ of [0-9]+ tests pass; [0-9]+ missing) \(' <<<"$out")" -eq 6 ] ||
		fail "--progress does not show what the last check of each step found: $out"
}

# fits_a_terminal LOG: every MISSING or CRASHED entry of check-step's LOG,
# its line and the reasons under it, takes at most four lines of at most
# 100 columns, and none shows raw numbers where bytes are meant.
fits_a_terminal() {
	local problems
	problems=$(awk '
		function done_entry() { if (name != "" && lines > 4) print name " takes " lines " lines" }
		/^  (MISSING|CRASHED): / { done_entry(); name = $2; lines = 1; next }
		name != "" && /^      / {
			lines++
			if (length($0) > 100) print name ": a line of " length($0) " columns: " $0
			if ($0 ~ /\[[0-9]+, [0-9]+, [0-9]+/) print name ": raw numbers: " $0
			next
		}
		{ done_entry(); name = "" }
		END { done_entry() }' "$1")
	[ -z "$problems" ] || fail "check-step's messages do not fit an attendee's terminal: $problems"
}

# fails_step STEP NAME TEST...: check-step STEP fails the attendee's driver
# $work/NAME.rs, reports each TEST missing, and every entry of what it says
# fits a terminal.
fails_step() {
	local rc test
	rc=$(check_step "$1" "$2")
	[ "$rc" -eq 1 ] || fail "check-step $1 passed $2.rs, which misses what step $1 teaches (status $rc)"
	for test in "${@:3}"; do
		grep -q "^  MISSING: $test\$" "$work/$2.log" ||
			fail "$test is not reported missing: $(grep -m5 MISSING "$work/$2.log")"
	done
	fits_a_terminal "$work/$2.log"
}

# An attendee's step-3 driver with the usual mistakes (no capacity, no
# case for 0 bytes, `as` casts, EFAULT not handled: tests/attendees/) reads
# back what it is given, but step 3 teaches more: check-step 3 fails it,
# naming the first call that went wrong, what it should give, and the
# slide that shows how.
a_step_3_driver_without_the_capacity_fails_step_3_and_says_why() {
	cp "$KIT_ROOT/tests/attendees/step3_without_the_capacity.rs" "$work/no_capacity.rs"
	fails_step 3 no_capacity write_across_the_capacity_is_short write_at_or_past_the_capacity_fails_with_enospc \
		zero_length_calls_return_zero_anywhere bad_user_pointers_fail_with_efault_and_change_nothing
	grep -q '^  passes:  echo_then_cat_shows_the_text$' "$work/no_capacity.log" ||
		fail "what the driver does right is not reported as passing: $(grep -m3 -E 'passes|MISSING' "$work/no_capacity.log")"
	grep -q '^ Step 3, read and write:$' "$work/no_capacity.log" || fail "the results are not grouped by step"
	grep -qF '      pwrite(fd, 100 × 0x09, 100, 1048536) = 100; it must give 40' "$work/no_capacity.log" ||
		fail "the short write is not shown as a call: $(grep -A2 write_across "$work/no_capacity.log")"
	grep -qF 'Slide "write_iter: what fits, where"' "$work/no_capacity.log" || fail "the slide is not named"
	[ -s "$(. "$KIT_ROOT/scripts/lib.sh" && echo "$KIT_CHECK")/results.json" ] || fail "no results for tools"
}

# Step 4's driver that forgets O_TRUNC in open: that, and only that, is
# missing.
a_driver_that_forgets_o_trunc_fails_step_4_and_says_why() {
	edited 4 no_trunc '/\*device.contents.lock() = KVVec::new();/d'
	fails_step 4 no_trunc o_trunc_empties_the_device
	grep -qF 'what it holds = 12 bytes: "old contents"; it must give nothing' "$work/no_trunc.log" ||
		fail "what the device held is not shown as text: $(grep -A3 o_trunc "$work/no_trunc.log")"
	[ "$(grep -c '^  MISSING: ' "$work/no_trunc.log")" -eq 1 ] ||
		fail "more than O_TRUNC is reported missing: $(grep MISSING "$work/no_trunc.log")"
}

# Step 5's driver that registers one device too few.
a_driver_with_one_device_too_few_fails_step_5_and_says_why() {
	edited 5 too_few 's/for index in 0\.\.count {/for index in 0..count - 1 {/'
	fails_step 5 too_few default_is_one_device_of_one_mib parameters_are_shown_read_only_in_sysfs
	grep -qF 'Slide "N devices, and' "$work/too_few.log" ||
		fail "the slide on devices is not named: $(grep -m1 -A4 MISSING "$work/too_few.log")"
}

# The finished driver is checkpoint 5 without its step markers: one source.
the_driver_is_the_last_checkpoints_solution() {
	diff <(cd "$KIT_ROOT/scripts" && /usr/bin/python3 -c 'import sys
from kit import skeleton
sys.stdout.write(skeleton.solution(open(sys.argv[1], encoding="utf-8").read()))' \
		"$KIT_ROOT/checkpoints/5-parameters/rust_vdev.rs") "$KIT_ROOT/samples-rust/rust_vdev.rs" >"$work/driver.diff" ||
		fail "samples-rust/rust_vdev.rs and checkpoint 5 differ: $(head -n 8 "$work/driver.diff")"
}

ktap_plan 13
ktap_run check_step_names_what_an_unfinished_driver_is_missing
ktap_run check_step_shows_compiler_errors_in_the_attendees_file
ktap_run check_step_tests_the_file_it_is_given_not_the_last_one_built
ktap_run check_step_names_the_line_and_the_test_of_a_crash
ktap_run check_step_passes_a_finished_step
ktap_run check_step_builds_and_names_a_file_whose_path_has_spaces_and_dollars
ktap_run starting_files_build_do_the_previous_step_and_leave_this_one_to_write
ktap_run a_correct_driver_in_the_attendees_own_words_passes_step_5
ktap_run hints_go_from_the_first_unwritten_todo_to_its_solution_and_progress_shows_every_step
ktap_run the_driver_is_the_last_checkpoints_solution
ktap_run a_step_3_driver_without_the_capacity_fails_step_3_and_says_why
ktap_run a_driver_that_forgets_o_trunc_fails_step_4_and_says_why
ktap_run a_driver_with_one_device_too_few_fails_step_5_and_says_why
