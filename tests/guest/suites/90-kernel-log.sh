# SPDX-License-Identifier: GPL-2.0
#
# Runs last: whatever the tests before did, the kernel must not have
# complained about it.

kernel_log_has_no_warning_bug_oops_or_panic() {
	bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|Kernel panic|panicked')
	[ -z "$bad" ] || fail "$bad"
}

ktap_plan 1
ktap_run kernel_log_has_no_warning_bug_oops_or_panic
