# SPDX-License-Identifier: GPL-2.0
#
# The kit in its container (scripts/enter-build-env), as an attendee on
# another system uses it: the image builds (from a local debootstrap where
# no registry is reached), setup in it finds the whole toolchain, and the
# kit builds a kernel in it and boots it. Only with KIT_TEST_CONTAINER=1,
# which ./scripts/test --all sets: the first run builds the image and a
# kernel in it, minutes; later runs reuse both.
# shellcheck shell=bash disable=SC2031,SC2154 # KIT_ROOT is only read; $work is the runner's

# in_container NAME COMMAND...: run COMMAND in the container, output in
# $work/NAME.log; prints its exit status.
in_container() {
	local name=$1
	shift
	status_of "$work/$name.log" "$KIT_ROOT/scripts/enter-build-env" "$@"
}

setup_in_the_container_finds_the_whole_toolchain() {
	local rc
	rc=$(in_container setup ./scripts/setup --check)
	[ "$rc" -eq 0 ] || fail "setup --check in the container exited with $rc: $(tail -n 5 "$work/setup.log")"
	grep -q 'Toolchain for [a-z0-9_]* guests ([^)]*): rustc ' "$work/setup.log" || fail "setup did not report the toolchain"
}

the_container_builds_and_boots_the_kernel() {
	local rc
	rc=$(in_container dev-cycle ./scripts/dev-cycle)
	[ "$rc" -eq 0 ] || fail "dev-cycle in the container exited with $rc: $(tail -n 5 "$work/dev-cycle.log")"
	grep -q 'demo: all steps passed' "$work/dev-cycle.log" || fail "the guest's demo did not pass"
	grep -q "Running in rust-for-linux-workshop:debian-12 (" "$work/dev-cycle.log" ||
		fail "enter-build-env did not say which image and engine it used"
}

ktap_plan 2
engine=$(command -v podman || command -v docker || true)
if [ "${KIT_TEST_CONTAINER:-}" != 1 ]; then
	why="only with ./scripts/test --all (it builds an image, and a kernel in it)"
elif [ -z "$engine" ]; then
	why="no container engine (podman or docker) on this host"
elif ! "$engine" info >/dev/null 2>&1; then
	why="$(basename "$engine") cannot run here: $("$engine" info 2>&1 | tail -n 1)"
else
	why=''
fi
if [ -n "$why" ]; then
	ktap_skip setup_in_the_container_finds_the_whole_toolchain "$why"
	ktap_skip the_container_builds_and_boots_the_kernel "$why"
else
	ktap_run setup_in_the_container_finds_the_whole_toolchain
	ktap_run the_container_builds_and_boots_the_kernel
fi
