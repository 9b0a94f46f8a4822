# SPDX-License-Identifier: GPL-2.0
#
# Print test results in KTAP, the kernel's test format
# (Documentation/dev-tools/ktap.rst), from POSIX sh: busybox in the guest,
# bash on the host. Source it.
#
# A runner prints KTAP documents whose tests are suites:
#
#   ktap_begin 1                    KTAP version 1 / 1..1
#   ktap_suite hello_module FILE    runs the suite in FILE, prints its result
#
# and a suite file plans its tests and runs them, each a shell function or
# command whose exit status says whether it passed; a diagnostic line
# "# running NAME" comes first, and what a failing test printed becomes
# diagnostic lines just before its result:
#
#   ktap_plan 2
#   ktap_run hello_is_loaded_at_boot
#   ktap_run hello_greets lsmod
#
# A test that cannot run here says so with ktap_skip NAME REASON.

# shellcheck shell=sh
# shellcheck disable=SC2030,SC2031 # each suite counts in a subshell on purpose

ktap_begin() {
	echo "KTAP version 1"
	echo "1..$1"
	ktap_suites=0
}

# ktap_suite NAME FILE: run the suite in FILE, in a subshell of its own, and
# print its result line; fails when the suite did.
ktap_suite() {
	ktap_suites=$((ktap_suites + 1))
	echo "    KTAP version 1"
	echo "    # Subtest: $1"
	if (
		ktap_tests=0 ktap_failed=0
		# shellcheck source=/dev/null # the suite is named by the runner
		. "$2"
		[ "$ktap_failed" -eq 0 ]
	); then
		echo "ok $ktap_suites $1"
	else
		echo "not ok $ktap_suites $1"
		return 1
	fi
}

ktap_plan() {
	echo "    1..$1"
}

# ktap_run NAME [COMMAND...]: run COMMAND (by default the function NAME) and
# print the result of test NAME.
ktap_run() {
	ktap_name=$1
	shift
	[ $# -gt 0 ] || set -- "$ktap_name"
	ktap_tests=$((ktap_tests + 1))
	# Said first, so that a test during which the kernel crashes has a name.
	echo "    # running $ktap_name"
	if ktap_output=$("$@" 2>&1); then
		echo "    ok $ktap_tests $ktap_name"
	else
		ktap_failed=$((ktap_failed + 1))
		# As in KUnit, a test's diagnostic lines come before its result.
		printf '%s\n' "$ktap_output" | sed 's/^/    # /'
		echo "    not ok $ktap_tests $ktap_name"
	fi
}

# ktap_skip NAME REASON
ktap_skip() {
	ktap_tests=$((ktap_tests + 1))
	echo "    ok $ktap_tests $1 # SKIP $2"
}

# status_of OUT COMMAND...: run COMMAND, with no input and its output in
# OUT, and print its exit status (for tests that expect it to fail).
status_of() {
	status_of_out=$1
	shift
	status_of_rc=0
	"$@" >"$status_of_out" 2>&1 </dev/null || status_of_rc=$?
	echo "$status_of_rc"
}

# fail MESSAGE: print MESSAGE (it becomes the diagnostic) and end the test
# as failed. Each test runs in a subshell of ktap_run, which this exits.
fail() {
	echo "$*"
	exit 1
}
