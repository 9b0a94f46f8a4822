# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Runs last: whatever the tests before did, the kernel must not have
# complained about it. The patterns are the ones run-kernel looks for on
# the host: initramfs/etc/workshop/crash-patterns.

kernel_log_has_no_warning_bug_oops_or_panic() {
	bad=$(dmesg | grep -F -f /etc/workshop/crash-patterns)
	[ -z "$bad" ] || fail "$bad"
}

ktap_plan 1
ktap_run kernel_log_has_no_warning_bug_oops_or_panic
