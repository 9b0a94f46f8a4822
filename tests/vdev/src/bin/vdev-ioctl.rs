// SPDX-License-Identifier: GPL-2.0

//! vdev-ioctl: calls vdev's ioctls (the workshop's bonus step) from the guest's shell.
//!
//! Usage: vdev-ioctl DEVICE size    prints how many bytes DEVICE holds (VDEV_IOC_SIZE)
//!        vdev-ioctl DEVICE clear   empties DEVICE (VDEV_IOC_CLEAR)
//!
//! ```text
//! # echo hello > /dev/vdev0
//! # vdev-ioctl /dev/vdev0 size
//! 6
//! # vdev-ioctl /dev/vdev0 clear
//! # vdev-ioctl /dev/vdev0 size
//! 0
//! ```
//!
//! A failing call prints what C's `perror` would, and exits with 1; a wrong command line with 2.

#![deny(clippy::undocumented_unsafe_blocks)]

#[path = "../sys.rs"]
#[allow(dead_code)]
mod sys;
#[path = "../vdev_ioctl.rs"]
mod vdev_ioctl;

use vdev_ioctl::{VDEV_IOC_CLEAR, VDEV_IOC_SIZE};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (device, command) = match args.as_slice() {
        [device, command] if command == "size" || command == "clear" => (device, command),
        _ => {
            eprintln!("usage: vdev-ioctl DEVICE size|clear");
            std::process::exit(2);
        }
    };
    let fd = sys::open(device, libc::O_RDONLY).unwrap_or_else(|errno| {
        eprintln!("vdev-ioctl: {device}: {errno:?}");
        std::process::exit(1)
    });
    let done = if command == "size" {
        let mut size: u64 = 0;
        let done = fd.ioctl(VDEV_IOC_SIZE, &mut size as *mut u64 as usize);
        done.map(|_| println!("{size}"))
    } else {
        fd.ioctl(VDEV_IOC_CLEAR, 0).map(|_| ())
    };
    if let Err(errno) = done {
        eprintln!("vdev-ioctl: ioctl on {device}: {errno:?}");
        std::process::exit(1);
    }
}
