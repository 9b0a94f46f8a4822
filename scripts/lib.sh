# SPDX-License-Identifier: GPL-2.0
#
# Shared settings and helpers for the workshop scripts. Source it, do not run it:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Every setting can be overridden from the environment, so that a user on
# another distribution can point the scripts at their own toolchain:
#
#   LLVM=1 RUSTC=~/.rustup/toolchains/1.78.0-x86_64-unknown-linux-gnu/bin/rustc ./scripts/build-kernel

# shellcheck shell=bash
# shellcheck disable=SC2034 # the settings are used by the scripts that source this

KIT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIT_LINUX=$KIT_ROOT/linux
KIT_BUILD=$KIT_ROOT/build
# The kernel flavour: empty for the workshop kernel (linux-config/workshop.config),
# or NAME for the workshop kernel plus linux-config/NAME.config ("test": vdev
# built in, KUnit and the kernel crate's doctests). Each flavour has its own
# output directories, so that switching costs no rebuild.
KIT_FLAVOUR=${KIT_FLAVOUR:-}
KIT_SUFFIX=${KIT_FLAVOUR:+-$KIT_FLAVOUR}
# Kernel objects live outside the source tree (make O=), so that linux/ stays
# exactly what prepare-linux made and the flavours can sit side by side.
KIT_KOBJ=$KIT_BUILD/kernel$KIT_SUFFIX
# The tree that becomes the initramfs: busybox, init, and the installed modules.
KIT_ROOTFS=$KIT_BUILD/rootfs$KIT_SUFFIX
KIT_BZIMAGE=$KIT_BUILD/bzImage$KIT_SUFFIX
KIT_INITRAMFS=$KIT_BUILD/initramfs$KIT_SUFFIX.cpio
# Tools we build ourselves (bindgen) are kept per user, outside the checkout,
# so that a fresh clone does not rebuild them.
KIT_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/rust-for-linux-workshop

# The bindgen release we test with. The kernel's minimum is in
# linux/scripts/min-tool-version.sh; newer releases are fine.
KIT_BINDGEN_VERSION=0.73.2
# The LLVM release Debian 12 ships as clang-22/lld-22/llvm-22.
KIT_LLVM_MAJOR=22

# info MESSAGE: a progress line on stderr, so that stdout stays usable.
info() {
	printf '\033[1m==>\033[0m %s\n' "$*" >&2
}

# warn MESSAGE
warn() {
	printf 'warning: %s\n' "$*" >&2
}

# die MESSAGE...: say what went wrong and what to do, then exit 1. Each
# argument is printed on its own line.
die() {
	printf 'error: %s\n' "$1" >&2
	shift
	local line
	for line in "$@"; do
		printf '       %s\n' "$line" >&2
	done
	exit 1
}

# kit_usage: print the "# Usage:" block of the running script's header
# comment, and exit 2, as for a wrong argument.
kit_usage() {
	sed -n '/^# Usage:/,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

# has_src RUSTC: true when that compiler ships the Rust standard library
# source, which the kernel needs to build its own `core`.
has_src() {
	local sysroot
	sysroot=$("$1" --print sysroot 2>/dev/null) || return 1
	[ -d "$sysroot/lib/rustlib/src/rust/library/core" ]
}

# kit_find_rustc: print the first Rust compiler that can build the kernel.
# Order: $RUSTC, Debian's rustc-web, the active rustup toolchain.
kit_find_rustc() {
	local candidate
	for candidate in "${RUSTC:-}" /usr/bin/rustc \
		"$(rustup which rustc 2>/dev/null || true)"; do
		if [ -n "$candidate" ] && [ -x "$candidate" ] && has_src "$candidate"; then
			printf '%s\n' "$candidate"
			return 0
		fi
	done
	return 1
}

# kit_toolchain: set LLVM, RUSTC, RUSTFMT, RUSTDOC, CLIPPY_DRIVER, BINDGEN and
# LIBCLANG_PATH for the kernel build. Fails with advice when no usable Rust
# compiler is found; scripts/setup installs one.
kit_toolchain() {
	if [ -z "${LLVM:-}" ]; then
		if command -v "clang-$KIT_LLVM_MAJOR" >/dev/null; then
			LLVM=-$KIT_LLVM_MAJOR
		else
			LLVM=1
		fi
	fi
	RUSTC=$(kit_find_rustc) || die "no Rust compiler with the standard library source (rust-src) was found." \
		"Run ./scripts/setup, which installs one and tells you what it chose."
	local bindir
	bindir=$(dirname "$RUSTC")
	# The other Rust tools must come from the same toolchain as rustc: the
	# kernel's proc macros are built by HOSTRUSTC and loaded by RUSTC.
	RUSTFMT=${RUSTFMT:-$bindir/rustfmt}
	RUSTDOC=${RUSTDOC:-$bindir/rustdoc}
	CLIPPY_DRIVER=${CLIPPY_DRIVER:-$bindir/clippy-driver}
	BINDGEN=${BINDGEN:-$KIT_CACHE/bindgen-$KIT_BINDGEN_VERSION/bin/bindgen}
	if [ -z "${LIBCLANG_PATH:-}" ] && [ -d "/usr/lib/llvm-$KIT_LLVM_MAJOR/lib" ]; then
		LIBCLANG_PATH=/usr/lib/llvm-$KIT_LLVM_MAJOR/lib
	fi
	export LIBCLANG_PATH
}

# kit_fragments: the configuration fragments of the flavour, in merge order.
kit_fragments() {
	echo "$KIT_ROOT/linux-config/workshop.config"
	if [ -n "$KIT_FLAVOUR" ]; then
		[ -f "$KIT_ROOT/linux-config/$KIT_FLAVOUR.config" ] ||
			die "there is no kernel flavour '$KIT_FLAVOUR': linux-config/$KIT_FLAVOUR.config is missing."
		echo "$KIT_ROOT/linux-config/$KIT_FLAVOUR.config"
	fi
}

# kmake ARGS...: make in the kernel tree with the workshop's toolchain and
# output directory. Every kernel make call goes through here, so that none
# forgets LLVM= or picks up a different rustc.
kmake() {
	kit_toolchain
	make -C "$KIT_LINUX" O="$KIT_KOBJ" --no-print-directory \
		LLVM="$LLVM" RUSTC="$RUSTC" HOSTRUSTC="$RUSTC" RUSTFMT="$RUSTFMT" \
		RUSTDOC="$RUSTDOC" CLIPPY_DRIVER="$CLIPPY_DRIVER" BINDGEN="$BINDGEN" \
		-j"$(nproc)" "$@"
}

# kit_require_tree: fail with advice unless prepare-linux has run.
kit_require_tree() {
	[ -f "$KIT_LINUX/.workshop/stamp" ] ||
		die "the kernel tree linux/ is not prepared." "Run ./scripts/prepare-linux first."
}

# kit_kernelrelease: the release string of the built kernel (uname -r in the guest).
kit_kernelrelease() {
	cat "$KIT_KOBJ/include/config/kernel.release"
}

# timed LABEL USUAL COMMAND...: run COMMAND, saying first what it does and how
# long it usually takes, and after how long it actually took.
timed() {
	local label=$1 usual=$2 start rc=0
	shift 2
	info "$label (usually $usual)"
	start=$(date +%s.%N)
	"$@" || rc=$?
	if [ "$rc" -eq 0 ]; then
		info "$(printf '%s: done in %.1f s' "$label" "$(echo "$(date +%s.%N) - $start" | bc)")"
	fi
	return "$rc"
}

# kit_build_vdev FILE DIR [MAKE ARGS]: build FILE, a vdev driver in Rust, as
# the external module DIR/vdev.ko against the flavour's kernel (make M=DIR),
# the way the workshop's checkpoints and an attendee's own file are built.
# DIR gets a link to FILE and a two-line Kbuild; the compiler's messages name
# FILE itself.
kit_build_vdev() {
	local file dir
	file=$(realpath "$1") dir=$(realpath -m "$2")
	shift 2
	[ -f "$KIT_KOBJ/rust/kernel.o" ] ||
		die "the kernel in ${KIT_KOBJ#"$KIT_ROOT/"} is not built." "Run ./scripts/build-kernel first."
	mkdir -p "$dir"
	[ "$(readlink "$dir/rust_vdev.rs")" = "$file" ] || ln -sfn "$file" "$dir/rust_vdev.rs"
	# Up to date: newer than the source and than the kernel it links against.
	if [ "$dir/vdev.ko" -nt "$file" ] && [ "$dir/vdev.ko" -nt "$KIT_KOBJ/rust/kernel.o" ]; then
		return 0
	fi
	[ -f "$dir/Kbuild" ] || printf 'obj-m\t:= vdev.o\nvdev-y\t:= rust_vdev.o\n' >"$dir/Kbuild"
	# rustc names the file it was given, the link: show the real file instead.
	kmake -s M="$dir" "$@" modules 2>&1 | sed "s|$dir/rust_vdev.rs|$file|g"
}
