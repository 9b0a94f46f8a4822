# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The guest that init sets up, which every later test relies on.

init_mounts_proc_sys_dev_and_tmp() {
	for dir in /proc /sys /dev /tmp; do
		grep -q " $dir " /proc/mounts || fail "$dir is not mounted"
	done
}

tmp_is_a_tmpfs() {
	grep -q '^tmpfs /tmp tmpfs ' /proc/mounts || fail "/tmp is not a tmpfs: $(cat /proc/mounts)"
}

guest_runs_on_two_cpus() {
	[ "$(nproc)" -eq 2 ] || fail "nproc says $(nproc)"
}

guest_runs_the_kernel_we_built_with_rust() {
	[ -d /sys/module/rust_hello ] || fail "no Rust module in /sys/module"
}

ktap_plan 4
ktap_run init_mounts_proc_sys_dev_and_tmp
ktap_run tmp_is_a_tmpfs
ktap_run guest_runs_on_two_cpus
ktap_run guest_runs_the_kernel_we_built_with_rust
