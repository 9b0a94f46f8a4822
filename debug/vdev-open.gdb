# SPDX-License-Identifier: GPL-2.0
#
# Stop in vdev's open, show how it was reached, and go on. With vdev built
# in (the test flavour), its code is in vmlinux:
#
#   terminal 1:  KIT_FLAVOUR=test ./scripts/run-kernel --gdb --append vdev.devices=4
#   terminal 2:  gdb build/6.12-x86_64-test/kernel/vmlinux -x debug/vdev-open.gdb
#   terminal 1, in the guest:  cat /dev/vdev0
#
# run-kernel --gdb makes QEMU wait for gdb on port 1234 and boots with
# nokaslr, so that the kernel is where vmlinux says. The kernel has no
# debug information (it would slow the build a lot): gdb knows its symbols,
# not its source lines or variables.

set pagination off
set confirm off
target remote :1234

# The misc device abstraction's open, for vdev (VDev::open is inlined into
# it): Rust symbol names carry their crate and generics, so match a pattern.
# gdb 13 (Debian 12) shows each crate with its hash, kernel[f60e...], gdb 16
# (Debian 13) without: the pattern takes both.
rbreak ^<kernel\[*[0-9a-f]*\]*::miscdevice::MiscdeviceVTable<rust_vdev\[*[0-9a-f]*\]*::VDev>>::open$
continue

# Stopped in open: how did we get here? Through the VFS and the misc layer.
backtrace 8
continue
