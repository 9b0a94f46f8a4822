# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The hello module (samples-rust/rust_hello.rs): init loads it at boot, and
# it can be unloaded and loaded again, saying so each time.

greetings() {
	dmesg | grep -c 'rust_hello: Hello from Rust!'
}

hello_is_loaded_at_boot() {
	lsmod | grep -q '^rust_hello ' || fail "rust_hello is not loaded: $(lsmod)"
}

hello_greets_when_loaded() {
	[ "$(greetings)" -eq 1 ] || fail "expected one greeting in the kernel log, found $(greetings)"
}

hello_says_goodbye_when_unloaded() {
	rmmod rust_hello || fail "rmmod rust_hello failed"
	! lsmod | grep -q '^rust_hello ' || fail "rust_hello is still loaded after rmmod"
	dmesg | grep -q 'rust_hello: Goodbye from Rust, after 2 greetings.' ||
		fail "no farewell in the kernel log: $(dmesg | tail -n 3)"
}

hello_loads_again_after_unload() {
	modprobe rust_hello || fail "modprobe rust_hello failed"
	lsmod | grep -q '^rust_hello ' || fail "rust_hello is not loaded after modprobe"
	[ "$(greetings)" -eq 2 ] || fail "expected a second greeting, found $(greetings) in all"
}

ktap_plan 4
ktap_run hello_is_loaded_at_boot
ktap_run hello_greets_when_loaded
ktap_run hello_says_goodbye_when_unloaded
ktap_run hello_loads_again_after_unload
