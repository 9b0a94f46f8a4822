# SPDX-License-Identifier: GPL-2.0
#
# The kit's one model of what it builds, and the helpers every script shares.
# Source it, do not run it:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# A *target* is a kernel, an architecture and a flavour, chosen with
#
#   KIT_KERNEL    the kernel release series: 6.12 (the LTS, the default)
#                 or 7.3 (mainline)
#   KIT_ARCH      the guest's architecture: x86_64 or arm64 (the default:
#                 the host's), cross-built on a host of the other one
#   KIT_FLAVOUR   workshop (the default), or NAME for the workshop kernel
#                 plus linux-config/NAME.config: test (vdev built in, Clippy,
#                 warnings as errors), debug (KASAN, lockdep, kmemleak, ...)
#
# and this file alone turns them into every path (the kernel tree, the
# objects, the image, the root filesystem, the initramfs, the tests'
# overlay, the logs), every build step and every QEMU setting. Targets sit
# side by side under build/KERNEL-ARCH-FLAVOUR/, so switching rebuilds
# nothing. scripts/target prints the model for a target.
#
# Every tool can be overridden from the environment, so that a user on
# another distribution can point the scripts at their own toolchain:
#
#   LLVM=1 RUSTC=~/.rustup/toolchains/1.78.0-x86_64-unknown-linux-gnu/bin/rustc ./scripts/build-kernel

# shellcheck shell=bash
# shellcheck disable=SC2034 # the settings are used by the scripts that source this

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

# kit_help: print the running script's header comment (everything between
# the SPDX line and the code) on stdout, and exit 0, as --help does.
kit_help() {
	sed -n '4,/^[^#]/{/^[^#]/d;s/^# \{0,1\}//p}' "$0"
	exit 0
}

# kit_usage [PROBLEM]: say what was wrong with the arguments, print the
# "# Usage:" block of the script's header on stderr, and exit 2.
kit_usage() {
	[ $# -eq 0 ] || printf '%s: %s\n' "$(basename "$0")" "$*" >&2
	sed -n '/^# Usage:/,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

# Every script answers -h and --help with its header.
case "${1:-}" in -h | --help) [ "${BASH_SOURCE[0]}" = "$0" ] || kit_help ;; esac

KIT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIT_BUILD=$KIT_ROOT/build
# Tools we build ourselves (bindgen) are kept per user, outside the checkout,
# so that a fresh clone does not rebuild them.
KIT_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/rust-for-linux-workshop
# The bindgen release we test with. The kernel's minimum is in
# scripts/min-tool-version.sh of its tree; newer releases are fine.
KIT_BINDGEN_VERSION=0.73.2
# The LLVM release Debian ships as clang-22/lld-22/llvm-22.
KIT_LLVM_MAJOR=22

# The kernels, architectures and flavours the kit knows.
KIT_KERNELS=(6.12 7.3)
KIT_ARCHS=(x86_64 arm64)
KIT_FLAVOURS=(workshop test debug)

# kit_host_arch: the host's architecture, in the kernel's spelling.
# KIT_HOST_ARCH names another machine's (make-bundle lists what setup
# would install on it).
kit_host_arch() {
	case "${KIT_HOST_ARCH:-$(uname -m)}" in
	aarch64 | arm64) echo arm64 ;;
	*) echo "${KIT_HOST_ARCH:-$(uname -m)}" ;;
	esac
}

# kit_debian_arch ARCH: Debian's name of the architecture.
kit_debian_arch() {
	case "$1" in
	x86_64) echo amd64 ;;
	*) echo "$1" ;;
	esac
}

# kit_gnu_triplet ARCH: the GNU name of the architecture's Linux toolchain.
kit_gnu_triplet() {
	case "$1" in
	arm64) echo aarch64-linux-gnu ;;
	*) echo "$1-linux-gnu" ;;
	esac
}

# kit_one_of VARIABLE VALUE KNOWN...: fail with advice unless VALUE is KNOWN.
kit_one_of() {
	local name=$1 value=$2 known
	shift 2
	for known in "$@"; do
		[ "$value" != "$known" ] || return 0
	done
	die "$name=$value is not a target of this kit." "Choose one of: $*"
}

# kit_target: compute the model of the target that KIT_KERNEL, KIT_ARCH and
# KIT_FLAVOUR name. Sourcing this file does it once; call it again after
# changing them.
kit_target() {
	KIT_KERNEL=${KIT_KERNEL:-6.12}
	KIT_ARCH=${KIT_ARCH:-$(kit_host_arch)}
	KIT_FLAVOUR=${KIT_FLAVOUR:-workshop}
	kit_one_of KIT_KERNEL "$KIT_KERNEL" "${KIT_KERNELS[@]}"
	kit_one_of KIT_ARCH "$KIT_ARCH" "${KIT_ARCHS[@]}"
	kit_one_of KIT_FLAVOUR "$KIT_FLAVOUR" "${KIT_FLAVOURS[@]}"
	KIT_TARGET=$KIT_KERNEL-$KIT_ARCH-$KIT_FLAVOUR
	export KIT_KERNEL KIT_ARCH KIT_FLAVOUR

	# The kernel: its source tree (one per kernel, made by prepare-linux),
	# where the source comes from, and our patches for it.
	KIT_LINUX=$KIT_ROOT/linux/$KIT_KERNEL
	KIT_PATCHES=$KIT_ROOT/patches/$KIT_KERNEL
	KIT_DEBIAN_SOURCE=linux-source-$KIT_KERNEL
	case "$KIT_KERNEL" in
	# The LTS: Debian 12 and 13 carry it in main; setup installs it.
	6.12)
		KIT_KERNEL_TESTED=6.12.118
		KIT_DEBIAN_SUITES=()
		KIT_DEBIAN_TARBALL=/usr/src/linux-source-$KIT_KERNEL.tar.xz
		;;
	# Mainline: only Debian's backports and unstable carry it. The package
	# is fetched (scripts/fetch-kernel-source) into the kit's cache, without
	# adding those suites to the system's sources.
	7.3)
		KIT_KERNEL_TESTED=7.3.4
		KIT_DEBIAN_SUITES=(trixie-backports sid experimental)
		KIT_DEBIAN_TARBALL=$KIT_CACHE/sources/linux-source-$KIT_KERNEL.tar.xz
		;;
	esac

	# The steps (Kbuild's short log: CC, RUSTC, LD, ...) of a build of
	# the workshop flavour from nothing, as counted in its
	# build-kernel.log (arm64 on 7.3: estimated from the others): build-kernel
	# tells from it how far a first build is.
	case "$KIT_KERNEL-$KIT_ARCH" in
	6.12-x86_64) KIT_BUILD_STEPS=1281 ;;
	6.12-arm64) KIT_BUILD_STEPS=1160 ;;
	7.3-x86_64) KIT_BUILD_STEPS=1378 ;;
	7.3-arm64) KIT_BUILD_STEPS=1250 ;;
	esac

	# The architecture: how the kernel is built, and how QEMU runs it.
	case "$KIT_ARCH" in
	x86_64)
		KIT_MAKE_ARCH=x86_64
		KIT_KERNEL_IMAGE=arch/x86/boot/bzImage
		KIT_RUST_TARGET=x86_64-unknown-linux-gnu
		KIT_QEMU=qemu-system-x86_64
		KIT_QEMU_PACKAGE=qemu-system-x86
		KIT_CONSOLE=ttyS0
		# Two sockets of one CPU: without ACPI the kernel finds CPUs in
		# the firmware's MP table, which lists only the first CPU of each
		# socket. No i8042: the kernel would probe a PS/2 mouse and report
		# it on the console just as the shell prompt appears.
		# shellcheck disable=SC2054 # the commas belong to QEMU's option syntax
		KIT_QEMU_MACHINE=(-machine pc,i8042=off -smp 2,sockets=2,cores=1,threads=1)
		KIT_QEMU_TCG_CPU=()
		# reboot=t: by a triple fault, without first trying the keyboard
		# controller, which this machine does not have.
		KIT_CMDLINE="console=$KIT_CONSOLE reboot=t"
		# Where init reports the exit status of run-kernel --exec: a
		# second serial port (QEMU writes it to the file named STATUS).
		KIT_STATUS_PORT=/dev/ttyS1
		KIT_QEMU_STATUS=(-serial file:STATUS)
		# Where scripts/reload-module sends rebuilt modules to the running
		# guest (run-kernel --reload): a third serial port.
		KIT_RELOAD_PORT=/dev/ttyS2
		KIT_QEMU_RELOAD=(-serial chardev:reload)
		KIT_QEMU_NO_RELOAD=(-serial null)
		# A second shell for scripts/guest-shell, when the guest gives a
		# shell: a fourth serial port (the third stands empty without
		# --reload, so that this one keeps its name).
		KIT_SHELL_PORT=/dev/ttyS3
		KIT_QEMU_SHELL=(-serial chardev:shell)
		;;
	arm64)
		KIT_MAKE_ARCH=arm64
		KIT_KERNEL_IMAGE=arch/arm64/boot/Image
		KIT_RUST_TARGET=aarch64-unknown-linux-gnu
		KIT_QEMU=qemu-system-aarch64
		KIT_QEMU_PACKAGE=qemu-system-arm
		KIT_CONSOLE=ttyAMA0
		KIT_QEMU_MACHINE=(-machine virt -smp 2)
		# Pointer authentication as QEMU's own algorithm: the
		# architected one is slow to emulate. KVM and HVF use -cpu host.
		# shellcheck disable=SC2054 # the commas belong to QEMU's option syntax
		KIT_QEMU_TCG_CPU=(-cpu max,pauth-impdef=on)
		KIT_CMDLINE="console=$KIT_CONSOLE"
		# The virt machine has one UART: the exit status goes through a
		# virtio console instead.
		KIT_STATUS_PORT=/dev/hvc0
		# shellcheck disable=SC2054 # the commas belong to QEMU's option syntax
		KIT_QEMU_STATUS=(-device virtio-serial-device -chardev file,id=status,path=STATUS
			-device virtconsole,chardev=status)
		# ... and rebuilt modules come through a port of the same device.
		KIT_RELOAD_PORT=/dev/vport0p1
		# shellcheck disable=SC2054 # the commas belong to QEMU's option syntax
		KIT_QEMU_RELOAD=(-device virtserialport,chardev=reload,name=workshop.reload)
		KIT_QEMU_NO_RELOAD=()
		# ... and the second shell through a second virtio console.
		KIT_SHELL_PORT=/dev/hvc1
		# shellcheck disable=SC2054 # the commas belong to QEMU's option syntax
		KIT_QEMU_SHELL=(-device virtconsole,chardev=shell)
		;;
	esac
	# Built on a host of another architecture, the guest's programs are
	# cross-linked, and its busybox comes from Debian's package for it.
	# gdb-multiarch debugs a kernel of another architecture.
	if [ "$KIT_ARCH" = "$(kit_host_arch)" ]; then
		KIT_CROSS_LINKER=''
		KIT_BUSYBOX=${BUSYBOX:-/bin/busybox}
		KIT_GDB=gdb
	else
		KIT_CROSS_LINKER=$(kit_gnu_triplet "$KIT_ARCH")-gcc
		KIT_BUSYBOX=${BUSYBOX:-$KIT_CACHE/busybox-$KIT_ARCH/bin/busybox}
		KIT_GDB=gdb-multiarch
	fi

	# The flavour: the configuration fragments in merge order, the make
	# arguments every build of it uses, and the guest's memory.
	KIT_FRAGMENTS=("$KIT_ROOT/linux-config/workshop.config" "$KIT_ROOT/linux-config/$KIT_ARCH.config")
	[ "$KIT_FLAVOUR" = workshop ] || KIT_FRAGMENTS+=("$KIT_ROOT/linux-config/$KIT_FLAVOUR.config")
	KIT_FLAVOUR_MAKE=()
	KIT_GUEST_MEMORY=256
	case "$KIT_FLAVOUR" in
	# The test flavour is also the kit's lint: Clippy's lints (the kernel
	# turns on undocumented_unsafe_blocks), and no Rust warnings.
	test) KIT_FLAVOUR_MAKE=(CLIPPY=1 KRUSTFLAGS=-Dwarnings) ;;
	# KASAN's shadow memory and kmemleak need more.
	debug) KIT_GUEST_MEMORY=512 ;;
	esac
	# KIT_MEMORY, in MiB, overrides it.
	KIT_GUEST_MEMORY=${KIT_MEMORY:-$KIT_GUEST_MEMORY}

	# Every output of the target, under one directory.
	KIT_OUT=$KIT_BUILD/$KIT_TARGET
	# Kernel objects live outside the source tree (make O=), so that the
	# tree stays exactly what prepare-linux made.
	KIT_KOBJ=$KIT_OUT/kernel
	KIT_VMLINUX=$KIT_KOBJ/vmlinux
	KIT_IMAGE=$KIT_OUT/$(basename "$KIT_KERNEL_IMAGE")
	# The modules as modules_install lays them out (build-kernel owns it),
	# and the guest's root filesystem made from them (gen-initramfs owns it).
	KIT_MODULES=$KIT_OUT/modules
	KIT_ROOTFS=$KIT_OUT/rootfs
	KIT_INITRAMFS=$KIT_OUT/initramfs.cpio
	# The in-guest tests, staged as the files they add to the guest.
	KIT_OVERLAY=$KIT_OUT/overlay
	KIT_EXTERNAL=$KIT_OUT/external
	KIT_CHECKPOINTS=$KIT_OUT/checkpoints
	KIT_CHECK=$KIT_OUT/check
	KIT_BENCH=$KIT_OUT/bench
	KIT_LOGS=$KIT_OUT/logs
	KIT_CONSOLE_LOG=$KIT_LOGS/run-kernel.log
	KIT_RUSTDOC=$KIT_KOBJ/Documentation/output/rust/rustdoc
	KIT_STAMPS=$KIT_OUT/stamps
	# Modules built apart for the running guest (build-kernel --modules-only).
	KIT_RELOAD_BUILD=$KIT_OUT/reload
	# The socket of the running guest's reload port (run-kernel --reload),
	# in a directory only its user can enter (kit_private_dir makes and
	# checks it): build/watch/, or, where that path is longer than a
	# socket's 107 bytes, the user's $XDG_RUNTIME_DIR, or a directory of
	# the user's own in /tmp.
	KIT_RELOAD_SOCKET=$KIT_BUILD/watch/$KIT_TARGET.sock
	# (The longer of the two sockets, the shell's, decides.)
	if [ "$((${#KIT_RELOAD_SOCKET} + 6))" -gt 107 ]; then
		local private
		if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR" ] && [ -O "$XDG_RUNTIME_DIR" ]; then
			private=$XDG_RUNTIME_DIR/rust-for-linux-workshop
		else
			private=${TMPDIR:-/tmp}/rust-for-linux-workshop-$(id -u)
		fi
		KIT_RELOAD_SOCKET=$private/$(printf '%s' "$KIT_ROOT" | cksum | cut -d' ' -f1)-$KIT_TARGET.sock
	fi
	# The socket of the running guest's second shell (scripts/guest-shell),
	# beside the reload port's.
	KIT_SHELL_SOCKET=${KIT_RELOAD_SOCKET%.sock}.shell.sock
	# The user-space test programs, per architecture (cargo's target dir).
	KIT_CARGO_TARGET=$KIT_BUILD/cargo-$KIT_ARCH

	# Where the tests sit in the guest (the overlay's layout).
	KIT_GUEST_TESTS=/tests
	KIT_GUEST_VDEV_TESTS=$KIT_GUEST_TESTS/bin/vdev-tests
	KIT_GUEST_VDEV_BENCH=$KIT_GUEST_TESTS/bin/vdev-bench
}

# Outputs that belong to no target: scripts/test's report, the slides, the
# editor's project, watch mode's and the container's state.
KIT_REPORT=$KIT_BUILD/test
# The documentation of the kernel crate last built, by build-docs.
KIT_RUSTDOC_LINK=$KIT_BUILD/rustdoc
KIT_SLIDES=$KIT_BUILD/slides
KIT_RUST_PROJECT=$KIT_ROOT/rust-project.json
KIT_WATCH_STATE=$KIT_BUILD/watch
# What enter-build-env keeps on the host: podman's settings, debootstrap's log.
KIT_CONTAINER_STATE=$KIT_BUILD/container
# run-kernel's answer to "does QEMU work with KVM here?": the host's boot id
# and QEMU's version on its first line, yes or no on its second.
KIT_KVM_PROBE=$KIT_CACHE/kvm-probe
# The patterns of a crashing kernel, shared by run-kernel (host) and the
# guest's kernel-log test: the guest reads the same file in /etc/workshop.
KIT_CRASH_PATTERNS=$KIT_ROOT/initramfs/etc/workshop/crash-patterns

kit_target

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

# The organiser's bundle (scripts/make-bundle), when KIT_BUNDLE names one:
# a directory (a USB stick, a share) or an http(s) URL (scripts/serve-bundle).
#
# kit_bundle_uri: the bundle as apt names it (file:/... or the URL); fails
# with advice unless KIT_BUNDLE is a bundle.
kit_bundle_uri() {
	case "$KIT_BUNDLE" in
	http://* | https://*) printf '%s\n' "${KIT_BUNDLE%/}" ;;
	*)
		[ -f "$KIT_BUNDLE/VERSION" ] ||
			die "KIT_BUNDLE=$KIT_BUNDLE is not a bundle: it has no VERSION file." \
				"Point it at the directory scripts/make-bundle made (or its URL), or unset it to use the network."
		printf 'file:%s\n' "$(cd "$KIT_BUNDLE" && pwd)"
		;;
	esac
}

# kit_bundle_file NAME: a local copy of the bundle's file NAME (from a URL,
# downloaded into the kit's cache), checked against the bundle's
# SHA256SUMS; prints its path, or nothing if the bundle has no NAME.
kit_bundle_file() {
	local name=$1 dir=$KIT_CACHE/bundle sums file
	case "$KIT_BUNDLE" in
	http://* | https://*)
		mkdir -p "$dir"
		python3 - "${KIT_BUNDLE%/}" "$dir" "$name" <<-'PYTHON' || die "could not download $name from the bundle at $KIT_BUNDLE." "Check the address, and that the organiser's scripts/serve-bundle is running."
			import os, shutil, sys, urllib.error, urllib.request
			base, into, name = sys.argv[1:]
			for part in ('SHA256SUMS', name):
			    os.makedirs(os.path.dirname(f'{into}/{part}'), exist_ok=True)
			    try:
			        with urllib.request.urlopen(f'{base}/{part}', timeout=60) as reply, \
			                open(f'{into}/{part}.part', 'wb') as out:
			            shutil.copyfileobj(reply, out)
			    except urllib.error.HTTPError as error:
			        if error.code == 404 and part == name:
			            sys.exit(0)
			        raise
			    shutil.move(f'{into}/{part}.part', f'{into}/{part}')
		PYTHON
		sums=$dir/SHA256SUMS file=$dir/$name
		;;
	*) sums=$KIT_BUNDLE/SHA256SUMS file=$KIT_BUNDLE/$name ;;
	esac
	[ -f "$file" ] || return 0
	local want
	want=$(awk -v name="./$name" '$2 == name { print $1 }' "$sums")
	if [ -z "$want" ] || [ "$(sha256sum <"$file" | cut -d' ' -f1)" != "$want" ]; then
		die "the bundle's $name does not match its SHA256SUMS: the copy is damaged or was changed." \
			"Copy the bundle again from the organiser (or ask them to make it again)."
	fi
	printf '%s\n' "$file"
}

# kit_bundle_suites: set KIT_BUNDLE_SUITES, those of KIT_DEBIAN_SUITES (the
# suites that carry this mainline's linux-source) whose signed index the
# bundle at KIT_BUNDLE holds: none when it was made without mainline, and
# none for a kernel that Debian's releases carry.
kit_bundle_suites() {
	local suite file
	KIT_BUNDLE_SUITES=()
	for suite in "${KIT_DEBIAN_SUITES[@]}"; do
		file=$(kit_bundle_file "apt/debian/dists/$suite/InRelease") || return 1
		[ -z "$file" ] || KIT_BUNDLE_SUITES+=("$suite")
	done
}

# kit_cargo_sources: set KIT_CARGO_SOURCES, the options that make cargo
# build from the bundle's vendored crates, offline (none without a bundle).
kit_cargo_sources() {
	KIT_CARGO_SOURCES=()
	[ -n "${KIT_BUNDLE:-}" ] || return 0
	local crates=$KIT_CACHE/bundle/crates tarball
	tarball=$(kit_bundle_file crates.tar.xz) || return 1
	[ -n "$tarball" ] || return 0
	if [ ! -f "$crates/.from" ] || [ "$(cat "$crates/.from")" != "$(sha256sum <"$tarball")" ]; then
		rm -rf "$crates"
		mkdir -p "$crates"
		tar -xJf "$tarball" -C "$crates"
		sha256sum <"$tarball" >"$crates/.from"
	fi
	KIT_CARGO_SOURCES=(--offline --config 'source.crates-io.replace-with="kit-bundle"'
		--config "source.kit-bundle.directory=\"$crates/vendor\"")
	KIT_BUNDLE_CRATES=$crates
}

# kit_cross_bindgen ARCH: bindgen built on this machine for ARCH, another
# architecture than this machine's (an arm64 image or bundle made on an
# x86_64 laptop), into the kit's cache, once; prints the directory that
# holds bin/bindgen. rustc cross-compiles it with the Rust standard
# library for ARCH and the GNU cross linker that KIT_ARCH=ARCH
# ./scripts/setup installs (from the bundle's crates with KIT_BUNDLE):
# about 100 s on 2 cores, where the same build run under emulation takes
# many times that. It runs on Debian releases whose C library is at least
# this machine's (setup builds it again where it does not run).
kit_cross_bindgen() {
	local arch=$1 triplet target root rustc=/usr/bin/rustc
	triplet=$(kit_gnu_triplet "$arch")
	target=${triplet%%-*}-unknown-linux-gnu
	root=$KIT_CACHE/cross/$arch/bindgen-$KIT_BINDGEN_VERSION
	if [ -x "$root/bin/bindgen" ]; then
		printf '%s\n' "$root"
		return 0
	fi
	{ [ -x "$rustc" ] && [ -d "$("$rustc" --print sysroot)/lib/rustlib/$target/lib" ] &&
		command -v "$triplet-gcc" >/dev/null && command -v cargo >/dev/null; } ||
		die "bindgen for $arch is cross-built here, which needs Debian's rustc with Rust's library for $arch and a cross linker." \
			"Run: KIT_ARCH=$arch ./scripts/setup   (it installs them)"
	kit_cargo_sources || return 1
	local from=(bindgen-cli --version "$KIT_BINDGEN_VERSION")
	[ "${#KIT_CARGO_SOURCES[@]}" -eq 0 ] || from=(--path "$KIT_BUNDLE_CRATES/bindgen-cli-$KIT_BINDGEN_VERSION")
	rm -rf "$root.new"
	timed "Cross-building bindgen-cli $KIT_BINDGEN_VERSION for $arch" "about 100 s on 2 cores" \
		env RUSTC="$rustc" cargo install "${KIT_CARGO_SOURCES[@]}" --quiet --locked --root "$root.new" \
		--target "$target" --config "target.$target.linker=\"$triplet-gcc\"" "${from[@]}" ||
		die "bindgen could not be cross-built for $arch (cargo's messages are above)."
	rm -rf "$root" "$root.new/.crates.toml" "$root.new/.crates2.json"
	mv "$root.new" "$root"
	printf '%s\n' "$root"
}

# kit_emulates ARCH: true when this machine runs ARCH's programs (through
# qemu-user and binfmt_misc, as building an image for ARCH needs), after
# turning Debian's registration on where it can; else fails with advice.
kit_emulates() {
	local name
	case "$1" in arm64) name=aarch64 ;; *) name=$1 ;; esac
	[ "$(uname -s)" = Linux ] || return 0
	[ "$(head -n1 "/proc/sys/fs/binfmt_misc/qemu-$name" 2>/dev/null)" = enabled ] && return 0
	# Installed but not registered (no binfmt_misc mounted, as in a
	# container or a VM without systemd's binfmt service): as root, do what
	# that service does.
	if [ "$(id -u)" -eq 0 ] && command -v update-binfmts >/dev/null; then
		[ -f /proc/sys/fs/binfmt_misc/register ] ||
			mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
		update-binfmts --enable "qemu-$name" >/dev/null 2>&1 || true
		[ "$(head -n1 "/proc/sys/fs/binfmt_misc/qemu-$name" 2>/dev/null)" = enabled ] && return 0
	fi
	die "this machine cannot run $1 programs, which making anything for $1 in a container needs." \
		"Run: sudo apt-get install qemu-user-static binfmt-support   (Debian, Ubuntu; other systems: their qemu-user-static)" \
		"Where /proc/sys/fs/binfmt_misc is empty after that: sudo mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc && sudo update-binfmts --enable qemu-$name"
}

# kit_minimal_root CODENAME: a minimal root of that Debian release, as a
# new machine has it (debootstrap --variant=minbase, checked with Debian's
# keys), made once into the kit's cache; prints its path. For the
# measurements and tests of what a new machine meets; needs root.
kit_minimal_root() {
	local codename=$1 root keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	root=$KIT_CACHE/roots/$codename-$(dpkg --print-architecture)
	if [ ! -f "$root/.complete" ]; then
		command -v debootstrap >/dev/null || die "debootstrap is not installed." "Run: sudo apt-get install debootstrap"
		[ -r "$keyring" ] || die "Debian's archive keys ($keyring) are missing: debootstrap could not check what it downloads." \
			"Run: sudo apt-get install debian-archive-keyring"
		rm -rf "$root"
		mkdir -p "$(dirname "$root")"
		# shellcheck disable=SC2016 # for the inner shell: its log
		timed "Making a minimal Debian $codename root with debootstrap (log: ${root/#$HOME/\~}.log)" "about 40 s" \
			sh -c 'exec debootstrap "$@" >"$0" 2>&1' "$root.log" --variant=minbase --keyring="$keyring" \
			"$codename" "$root" "${KIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}" ||
			die "debootstrap could not make a Debian $codename root (its log: $root.log)."
		touch "$root/.complete"
	fi
	printf '%s\n' "$root"
}

# kit_newer_mainline LISTS: the newest kernel series newer than the kit's
# mainline (the last of KIT_KERNELS) that the apt package lists in
# directory LISTS carry, as "linux-source-X.Y VERSION SUITE"; nothing when
# they carry none. fetch-kernel-source reads such lists; doctor looks at
# the ones it kept. apt keeps them compressed: apt-helper reads them.
kit_newer_mainline() {
	local list suite
	for list in "$1"/*_Packages "$1"/*_Packages.*; do
		[ -f "$list" ] || continue
		suite=${list##*_dists_}
		suite=${suite%%_*}
		/usr/lib/apt/apt-helper cat-file "$list" 2>/dev/null |
			awk -v mainline="${KIT_KERNELS[${#KIT_KERNELS[@]} - 1]}" -v suite="$suite" '
			function series(s,  f) { split(s, f, "."); return f[1] * 1000 + f[2] }
			/^Package: linux-source-[0-9]+\.[0-9]+$/ { name = $2; next }
			/^Version: / && name != "" {
				s = name; sub(/^linux-source-/, "", s)
				if (series(s) > series(mainline)) print s, name, $2, suite
				name = ""
			}
			/^$/ { name = "" }'
	done | sort -V | tail -n1 | cut -d' ' -f2-
}

# kit_prebuilt_inputs: what a build of the target's kernel is made from,
# one line each: the target, the host that builds it (its tools run
# there), the kernel's source and our patch series (as prepare-linux
# recorded them), the configuration fragments, the toolchain's versions
# and the flavour's make options. A prebuilt kernel (make-bundle) is used
# only where all of them are the same; the driver's sources need not be,
# make builds them again.
kit_prebuilt_inputs() {
	local fragment stamp=$KIT_LINUX/.workshop/stamp
	echo "target=$KIT_TARGET"
	echo "host=$(kit_host_arch) $(kit_host_system)"
	echo "source=$(sed -n 's/^source=//p' "$stamp" 2>/dev/null)"
	echo "patches=$(sed -n 's/^patches=//p' "$stamp" 2>/dev/null | sha256sum | cut -c1-16)"
	for fragment in "${KIT_FRAGMENTS[@]}"; do
		echo "fragment ${fragment##*/}=$(sha256sum <"$fragment" | cut -c1-16)"
	done
	echo "toolchain=$(kit_toolchain_id)"
	echo "make=${KIT_FLAVOUR_MAKE[*]}"
}

# kit_host_system: this machine's system and release, as os-release names
# them (debian-12); the bundle keeps the prebuilt kernels of each in
# kernels/SYSTEM/, as the tools they hold run on that system alone.
kit_host_system() {
	(. /etc/os-release 2>/dev/null && echo "${ID:-unknown}-${VERSION_ID:-unknown}") || echo unknown-unknown
}

# kit_prebuilt_key: the fingerprint of the inputs on standard input.
kit_prebuilt_key() {
	sha256sum | cut -c1-16
}

# kit_bundle_sums DIR: write DIR/SHA256SUMS, the checksum of every other
# file of the bundle in DIR, which kit_bundle_file checks against.
kit_bundle_sums() {
	local sums
	sums=$(mktemp)
	(cd "$1" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum) >"$sums" &&
		chmod 644 "$sums" && mv "$sums" "$1/SHA256SUMS"
}

# kit_copy_checkout DIR: copy the checkout's files (tracked, and untracked
# ones git does not ignore) into DIR, as a new clone with this work in it.
# The files keep their times: a copy made again over an older one changes
# only what changed since, and make builds only that. What the older copy
# had and the checkout no longer has (a patch renamed) goes; its trees and
# builds (linux/, build/) stay.
kit_copy_checkout() {
	mkdir -p "$1"
	find "$1" -mindepth 1 -maxdepth 1 ! -name linux ! -name build -exec rm -rf {} +
	git -C "$KIT_ROOT" ls-files -z --cached --others --exclude-standard |
		(cd "$KIT_ROOT" && xargs -0 cp -p --parents -t "$1")
}

# kit_toolchain: set LLVM, RUSTC, RUSTFMT, RUSTDOC, CLIPPY_DRIVER, BINDGEN and
# LIBCLANG_PATH for the kernel build. Fails with advice when no usable Rust
# compiler is found; scripts/setup installs one.
kit_toolchain() {
	# Once per script: each check runs the compiler.
	[ -z "${kit_toolchain_done:-}" ] || return 0
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
	kit_toolchain_done=1
}

# kit_kvm_probed: yes or no, as run-kernel's probe found since the host
# booted; nothing when it has not run since.
kit_kvm_probed() {
	[ -f "$KIT_KVM_PROBE" ] &&
		[ "$(head -n1 "$KIT_KVM_PROBE" | cut -d' ' -f1)" = "$(cat /proc/sys/kernel/random/boot_id)" ] &&
		sed -n 2p "$KIT_KVM_PROBE"
}

# kit_toolchain_id: one line that changes when any tool of the build does.
kit_toolchain_id() {
	kit_toolchain
	printf '%s | %s | LLVM=%s' "$("$RUSTC" --version)" "$("$BINDGEN" --version 2>&1)" "$LLVM"
}

# kit_private_dir DIR: make DIR (mode 0700) if it is missing, and fail
# unless it is a directory of this user's that no one else can enter: a
# socket or a file the kit puts there must not be another user's.
kit_private_dir() {
	local dir=$1
	[ -d "$dir" ] || (umask 077 && mkdir -p "$dir") ||
		die "could not make the directory $dir." "Check that its parent exists and is yours."
	if [ -L "$dir" ] || [ ! -O "$dir" ]; then
		die "$dir is not a directory of yours (another user's, or a link)." \
			"Remove it, or set TMPDIR or XDG_RUNTIME_DIR to a directory of your own."
	fi
	case "$(stat -c %a "$dir")" in
	700) ;;
	*) chmod 0700 "$dir" || die "could not make $dir private (chmod 0700)." ;;
	esac
}

# kit_container_engine: print the container engine to use: KIT_CONTAINER_ENGINE,
# or podman where it is installed, or docker; nothing when there is none.
kit_container_engine() {
	local engine=${KIT_CONTAINER_ENGINE:-$(command -v podman || command -v docker || true)}
	[ -z "$engine" ] || command -v "$engine" || true
}

# kit_registry_image REGISTRY RELEASE ENGINE [ARCH]: set KIT_REGISTRY_IMAGE to the
# name of the kit's image for Debian RELEASE and ARCH (this machine's)
# in the organiser's registry REGISTRY (HOST:PORT[/PATH], or
# http://HOST:PORT for one without TLS, as a room's usually is), and
# KIT_REGISTRY_OPTIONS to what ENGINE's push and pull need for it (podman:
# --tls-verify=false without TLS; docker is told in its daemon's
# insecure-registries instead).
kit_registry_image() {
	local registry=${1%/} release=$2 engine=$3 arch=${4:-$(kit_host_arch)}
	KIT_REGISTRY_OPTIONS=()
	case "$registry" in
	http://*)
		registry=${registry#http://}
		[ "$(basename "$engine")" != podman ] || KIT_REGISTRY_OPTIONS=(--tls-verify=false)
		;;
	https://*) registry=${registry#https://} ;;
	esac
	KIT_REGISTRY_IMAGE=$registry/rust-for-linux-workshop:debian-$release-$arch
}

# kit_engine_problem ENGINE: true, printing what is wrong (a line) and what
# to do (a line), when ENGINE cannot run containers: its client answers, but
# its daemon does not, or its socket is not this user's to use. It asks the
# engine itself (ENGINE info), which a client without a daemon fails.
kit_engine_problem() {
	local engine=$1 name out
	name=$(basename "$engine")
	out=$(timeout 20 "$engine" info 2>&1 >/dev/null) && return 1
	case "$out" in
	*"permission denied"*)
		echo "$name is installed, but you may not use its daemon's socket"
		echo "sudo usermod -aG docker $(id -un), then log in again (or: sudo apt-get install podman, which needs no daemon)"
		;;
	*"Cannot connect"* | *"daemon running"* | *"connection refused"* | *"no such file"*)
		echo "$name's client is installed, but its daemon is not running"
		echo "sudo systemctl start docker (Docker Desktop, podman machine: start it), or: sudo apt-get install podman"
		;;
	*)
		echo "$name cannot run containers here: $(tail -n 1 <<<"$out")"
		echo "$name info shows why; podman (sudo apt-get install podman) needs no daemon"
		;;
	esac
	return 0
}

# kit_qemu_escape TEXT: TEXT as a value in QEMU's option syntax, where a
# comma separates options and ",," is a comma.
kit_qemu_escape() {
	printf '%s' "${1//,/,,}"
}

# kit_make_safe PATH: true when PATH can go on make's command line and into
# the kernel's build: letters, digits and . _ - + , @ ~ / only. make splits
# on spaces and expands $, and Kbuild refuses spaces and colons itself.
kit_make_safe() {
	[[ "$1" =~ ^[A-Za-z0-9._+,@~/-]*$ ]]
}

# kit_require_make_safe_root: fail with advice unless the checkout's path is
# one the kernel's build can work in.
kit_require_make_safe_root() {
	kit_make_safe "$KIT_ROOT" && return 0
	die "the kit's path, '$KIT_ROOT', has characters that the kernel's build cannot take" \
		"(spaces, quotes, or any of \$ # : ; & | * ? = ( ) [ ] { } < > \\)." \
		"Move or clone the kit to a path of letters, digits and . _ - / only, e.g. ~/rust-workshop."
}

# kmake ARGS...: make in the target's kernel tree with the kit's toolchain,
# output directory and architecture. Every kernel make call goes through
# here (or kmake_in), so that none forgets LLVM= or picks up another rustc.
kmake() {
	kmake_in "$KIT_LINUX" "$@"
}

# kmake_in DIR ARGS...: make in DIR with the same settings, which reach the
# kernel's make when DIR's Makefile calls it (as an external module's does).
#
# Rust names our samples by their path in the tree, where they are links:
# KRUSTFLAGS maps that path back to samples-rust/, so that the compiler's
# messages, panics and gdb name the file the attendee edits. A KRUSTFLAGS=
# argument is added to it, and the flavour's make arguments come first.
kmake_in() {
	kit_toolchain
	kit_require_make_safe_root
	local dir=$1 arg args=() krustflags="--remap-path-prefix=$KIT_LINUX/samples/rust=$KIT_ROOT/samples-rust"
	shift
	for arg in "${KIT_FLAVOUR_MAKE[@]}" "$@"; do
		case "$arg" in
		KRUSTFLAGS=*) krustflags="$krustflags ${arg#KRUSTFLAGS=}" ;;
		*) args+=("$arg") ;;
		esac
	done
	make -C "$dir" O="$KIT_KOBJ" --no-print-directory ARCH="$KIT_MAKE_ARCH" \
		LLVM="$LLVM" RUSTC="$RUSTC" HOSTRUSTC="$RUSTC" RUSTFMT="$RUSTFMT" \
		RUSTDOC="$RUSTDOC" CLIPPY_DRIVER="$CLIPPY_DRIVER" BINDGEN="$BINDGEN" \
		KRUSTFLAGS="$krustflags" -j"$(nproc)" "${args[@]}"
}

# kit_require_tree: fail with advice unless prepare-linux has run.
kit_require_tree() {
	[ -f "$KIT_LINUX/.workshop/stamp" ] ||
		die "the kernel tree ${KIT_LINUX#"$KIT_ROOT/"}/ is not prepared." "Run ./scripts/prepare-linux first."
}

# kit_require_kernel: fail with advice unless the target's kernel is built.
kit_require_kernel() {
	[ -f "$KIT_KOBJ/rust/kernel.o" ] ||
		die "the kernel in ${KIT_KOBJ#"$KIT_ROOT/"} is not built." "Run ./scripts/build-kernel first."
}

# kit_kernelrelease: the release string of the built kernel (uname -r in the guest).
kit_kernelrelease() {
	cat "$KIT_KOBJ/include/config/kernel.release"
}

# The one up-to-date check of the kit. A step that makes OUTPUT from INPUTS
# asks
#
#   if kit_fresh NAME ID OUTPUT INPUT...; then skip; fi; ...work...; kit_done NAME
#
# kit_fresh is true when step NAME of the target last succeeded with the
# same ID (its arguments and tools, in one line), OUTPUT exists, and nothing
# in INPUT (files, or every file under a directory) changed since that run
# began. Otherwise it forgets the last run; kit_done records this one.
kit_fresh() {
	local stamp=$KIT_STAMPS/$1 id=$2 output=$3
	shift 3
	local newer
	# find fails on a missing INPUT: that is a change too.
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$id" ] && [ -e "$output" ] &&
		newer=$(find "$@" -newer "$stamp" -print -quit 2>/dev/null) && [ -z "$newer" ]; then
		return 0
	fi
	mkdir -p "$KIT_STAMPS"
	rm -f "$stamp"
	# Written now, so that its time is the start of the run: a file saved
	# while the step runs is newer, and the next run sees it.
	printf '%s\n' "$id" >"$stamp.new"
	return 1
}

# kit_done NAME: step NAME succeeded.
kit_done() {
	mv "$KIT_STAMPS/$1.new" "$KIT_STAMPS/$1"
}

# The chain of build steps: each step (a script of scripts/) and the steps
# it needs first. Every step does nothing when nothing changed. A kernel
# build needs setup for its architecture even when its tree, shared by the
# architectures, is prepared already.
declare -A KIT_NEEDS=(
	[setup]=''
	[prepare-linux]=setup
	[build-kernel]='setup prepare-linux'
	[gen-initramfs]=build-kernel
	[build-external]=build-kernel
	[build-checkpoints]=build-kernel
	[build-tests]=gen-initramfs
	[build-docs]=build-kernel
	[gen-rust-project]=build-kernel
	[build-slides]=''
)
KIT_STEPS_DONE=()

# kit_build STEP...: run each STEP of the target, after the steps it needs,
# each once per call of a script (setup once an architecture, prepare-linux
# once a kernel).
# It stops at the first step that fails, and fails too. (Its "|| return"s
# are needed: set -e is off in a function whose status its caller tests.)
kit_build() {
	local step key need
	for step in "$@"; do
		[ -n "${KIT_NEEDS[$step]+set}" ] || die "kit_build: no step '$step'"
		case "$step" in
		# setup once per architecture: a guest of another one needs its
		# cross tools and busybox.
		setup) key=$step@$KIT_ARCH ;;
		build-slides) key=$step ;;
		prepare-linux) key=$step@$KIT_KERNEL ;;
		*) key=$step@$KIT_TARGET ;;
		esac
		[[ " ${KIT_STEPS_DONE[*]} " != *" $key "* ]] || continue
		for need in ${KIT_NEEDS[$step]}; do
			kit_build "$need" || return
		done
		"$KIT_ROOT/scripts/$step" || return
		KIT_STEPS_DONE+=("$key")
	done
}

# kit_with [KIT_KERNEL=K] [KIT_ARCH=A] [KIT_FLAVOUR=F] COMMAND...: run
# COMMAND (a function or a program) for another target: the one named, with
# the current target's kernel, architecture or flavour where none is named.
kit_with() {
	local saved=("$KIT_KERNEL" "$KIT_ARCH" "$KIT_FLAVOUR") rc=0
	while :; do
		case "${1:-}" in
		KIT_KERNEL=* | KIT_ARCH=* | KIT_FLAVOUR=*) printf -v "${1%%=*}" '%s' "${1#*=}" ;;
		*) break ;;
		esac
		shift
	done
	kit_target
	"$@" || rc=$?
	KIT_KERNEL=${saved[0]} KIT_ARCH=${saved[1]} KIT_FLAVOUR=${saved[2]}
	kit_target
	return "$rc"
}

# kit_each_target COMMAND...: run COMMAND for every target of the current
# kernel, each architecture and flavour.
kit_each_target() {
	local arch flavour
	for arch in "${KIT_ARCHS[@]}"; do
		for flavour in "${KIT_FLAVOURS[@]}"; do
			kit_with KIT_ARCH="$arch" KIT_FLAVOUR="$flavour" "$@"
		done
	done
}

# kit_kill_tree PID: end PID and every process it started, however deep
# (a build: make, its sub-makes and compilers; QEMU), so that none is left
# running on its own, and wait (up to 10 s) until they are gone (but PID:
# the caller waits for its own child).
kit_kill_tree() {
	local pids=("$1") all=() _
	# Stopped as they are found, so that none starts a new child meanwhile.
	while [ "${#pids[@]}" -gt 0 ]; do
		kill -STOP "${pids[@]}" 2>/dev/null || true
		all+=("${pids[@]}")
		mapfile -t pids < <(pgrep -P "$(IFS=,; echo "${pids[*]}")" || true)
	done
	kill -TERM "${all[@]}" 2>/dev/null || true
	kill -CONT "${all[@]}" 2>/dev/null || true
	[ "${#all[@]}" -gt 1 ] || return 0
	for _ in $(seq 100); do
		kill -0 "${all[@]:1}" 2>/dev/null || return 0
		sleep 0.1
	done
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
# the external module DIR/vdev.ko against the target's kernel (make M=DIR),
# the way the workshop's checkpoints and an attendee's own file are built.
# DIR gets a copy of FILE, rewritten only when FILE's contents differ (so
# that Kbuild sees every change, and only changes), and a two-line Kbuild.
# The compiler's messages and the module's panics name FILE itself. FILE's
# path may hold any character: only DIR, under the kit, goes to make.
kit_build_vdev() {
	local file dir remap
	file=$(realpath "$1") dir=$(realpath -m "$2")
	shift 2
	kit_require_kernel
	kit_make_safe "$dir" || die "kit_build_vdev: $dir cannot go on make's command line."
	mkdir -p "$dir"
	cmp -s "$file" "$dir/rust_vdev.rs" || cp "$file" "$dir/rust_vdev.rs"
	[ -f "$dir/Kbuild" ] || printf 'obj-m\t:= vdev.o\nvdev-y\t:= rust_vdev.o\n' >"$dir/Kbuild"
	if kit_fresh "vdev-${dir//\//_}" "$file | $* | $(kit_toolchain_id)" "$dir/vdev.ko" \
		"$dir/rust_vdev.rs" "$KIT_KOBJ/rust/kernel.o"; then
		return 0
	fi
	# The kernel hands rustc the source by its absolute path (6.12), or
	# relative to the module's directory (7.3). A path that make can take is
	# given to rustc, so that panics name it too; any path is put in the
	# compiler's messages (kit_name_file). "|| return": callers test this
	# function's status, which turns set -e off in it.
	remap=$dir/rust_vdev.rs
	kit_make_safe "$file" && remap=$file
	kmake -s M="$dir" KRUSTFLAGS="--remap-path-prefix=$dir/rust_vdev.rs=$remap --remap-path-prefix=rust_vdev.rs=$remap" \
		"$@" modules 2>&1 | kit_name_file "$remap" "$file" || return
	kit_done "vdev-${dir//\//_}"
}

# kit_name_file FROM TO: copy stdin to stderr with every FROM replaced by TO,
# literally (neither is a pattern). (The scripts' pipefail keeps the status
# of the command before it in a pipe.)
kit_name_file() {
	FROM=$1 TO=$2 awk 'BEGIN { from = ENVIRON["FROM"]; to = ENVIRON["TO"] }
		{
			out = ""; rest = $0
			while (from != to && (i = index(rest, from)) > 0) {
				out = out substr(rest, 1, i - 1) to
				rest = substr(rest, i + length(from))
			}
			print out rest
		}' >&2
}
