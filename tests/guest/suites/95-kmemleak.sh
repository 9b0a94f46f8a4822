# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# After every other test: nothing leaked. kmemleak (the debug flavour has
# it) scans memory for allocated objects that nothing points to any more.

no_memory_leaked_after_the_tests() {
	grep -q ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
	# vdev unloaded, so that what it allocated and freed is settled.
	if grep -q '^vdev ' /proc/modules; then rmmod vdev || fail "rmmod vdev failed"; fi
	# Two scans, as the kernel's documentation advises: an object is only
	# reported once it was found unreferenced twice.
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	[ -z "$leaks" ] || fail "$(echo "$leaks" | head -n 30)"
}

ktap_plan 1
if [ -e /sys/kernel/debug/kmemleak ] || grep -q kmemleak /proc/filesystems 2>/dev/null ||
	{ mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null; [ -e /sys/kernel/debug/kmemleak ]; }; then
	ktap_run no_memory_leaked_after_the_tests
else
	ktap_skip no_memory_leaked_after_the_tests "this kernel has no kmemleak (the debug flavour has it)"
fi
