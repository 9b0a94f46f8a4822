# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# After every other test: vdev leaked nothing. kmemleak (the debug flavour
# has it) scans memory for allocated objects that nothing points to any
# more. The runner cleared what it suspected at boot; an object is reported
# only once it is 5 s old and was found unreferenced by two scans, so the
# suite waits that long first. A leak is vdev's when a frame of its
# allocation's backtrace is in vdev (named, while vdev is loaded, or an
# address in no symbol, in a module since unloaded: the tests load and unload
# vdev many times). The kernel's own suspects are not blamed on vdev.

kmemleak=/sys/kernel/debug/kmemleak

# vdev_leaks: the reports in kmemleak's list whose backtrace is vdev's.
vdev_leaks() {
	awk '
		/^unreferenced object/ { if (vdev) printf "%s", report; report = ""; vdev = 0 }
		{ report = report $0 "\n" }
		/\[vdev\]|rust_vdev|^ +0x[0-9a-f]+$/ { vdev = 1 }
		END { if (vdev) printf "%s", report }
	' "$kmemleak"
}

no_memory_leaked_by_vdev_after_the_tests() {
	# vdev stays loaded, so that its frames have names; what it still holds is referenced.
	sleep 6
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
	leaks=$(vdev_leaks)
	[ -z "$leaks" ] || fail "$(echo "$leaks" | head -n 30)"
}

ktap_plan 1
if [ -e "$kmemleak" ] || { mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null; [ -e "$kmemleak" ]; }; then
	ktap_run no_memory_leaked_by_vdev_after_the_tests
else
	ktap_skip no_memory_leaked_by_vdev_after_the_tests "this kernel has no kmemleak (the debug flavour has it)"
fi
