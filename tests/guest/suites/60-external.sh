# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# vdev built out of tree (external/vdev, by scripts/build-external) loads in
# place of the in-tree module and works the same; scripts/build-tests puts
# it at /tests/external/vdev.ko.

ko=/tests/external/vdev.ko

out_of_tree_vdev_loads_with_parameters() {
	[ -f "$ko" ] || fail "$ko is missing: scripts/build-external did not build it"
	if grep -q '^vdev ' /proc/modules; then rmmod vdev || fail "rmmod vdev failed"; fi
	insmod "$ko" devices=2 capacity=100 || fail "insmod $ko failed"
	[ "$(cat /sys/module/vdev/parameters/devices)" = 2 ] || fail "devices is not 2"
	[ -c /dev/vdev1 ] || fail "/dev/vdev1 is missing"
	[ ! -e /dev/vdev2 ] || fail "/dev/vdev2 exists"
	grep -q O /sys/module/vdev/taint || fail "the module is not marked out-of-tree (O)"
}

out_of_tree_vdev_works_like_the_in_tree_one() {
	echo "from outside the tree" >/dev/vdev1
	[ "$(cat /dev/vdev1)" = "from outside the tree" ] || fail "cat shows '$(cat /dev/vdev1)'"
	rmmod vdev || fail "rmmod of the out-of-tree vdev failed"
	modprobe vdev || fail "the in-tree vdev does not load again"
}

ktap_plan 2
ktap_run out_of_tree_vdev_loads_with_parameters
ktap_run out_of_tree_vdev_works_like_the_in_tree_one
