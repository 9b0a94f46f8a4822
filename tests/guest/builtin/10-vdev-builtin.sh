# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# vdev built into the kernel (the test flavour), booted with vdev.devices=4
# and vdev.dyndbg=+p: the kernel itself parses the parameters from its
# command line.

vdev_is_built_in() {
	[ -d /sys/module/vdev ] || fail "no /sys/module/vdev"
	! grep -q '^vdev ' /proc/modules || fail "vdev is a loaded module, not built in"
}

boot_parameter_gives_four_devices() {
	[ "$(cat /sys/module/vdev/parameters/devices)" = 4 ] ||
		fail "devices in sysfs is $(cat /sys/module/vdev/parameters/devices)"
	for n in 0 1 2 3; do
		[ -c /dev/vdev$n ] || fail "/dev/vdev$n is missing"
	done
	[ ! -e /dev/vdev4 ] || fail "/dev/vdev4 exists"
}

default_capacity_is_shown_in_sysfs() {
	[ "$(cat /sys/module/vdev/parameters/capacity)" = 1048576 ] ||
		fail "capacity in sysfs is $(cat /sys/module/vdev/parameters/capacity)"
}

echo_then_cat_shows_the_text() {
	echo "wow it works" >/dev/vdev3
	[ "$(cat /dev/vdev3)" = "wow it works" ] || fail "cat shows '$(cat /dev/vdev3)'"
	echo "more" >>/dev/vdev3
	[ "$(cat /dev/vdev3)" = "wow it works
more" ] || fail "after appending, cat shows '$(cat /dev/vdev3)'"
}

built_in_vdev_cannot_be_unloaded() {
	! rmmod vdev 2>/dev/null || fail "rmmod vdev succeeded"
	[ -c /dev/vdev0 ] || fail "/dev/vdev0 is gone"
}

debug_messages_follow_the_boot_parameter() {
	echo "debug" >/dev/vdev2
	dmesg | grep -q 'vdev: vdev2: wrote 6 bytes at 0' ||
		fail "no debug message with vdev.dyndbg=+p: $(dmesg | grep 'vdev: ' | tail -n 3)"
}

ktap_plan 6
ktap_run vdev_is_built_in
ktap_run boot_parameter_gives_four_devices
ktap_run default_capacity_is_shown_in_sysfs
ktap_run echo_then_cat_shows_the_text
ktap_run built_in_vdev_cannot_be_unloaded
ktap_run debug_messages_follow_the_boot_parameter
