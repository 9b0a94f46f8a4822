// SPDX-License-Identifier: GPL-2.0

//! vdev's ioctl commands (the bonus step, checkpoint 6), encoded as C's `_IO` and `_IOR` encode
//! them on x86_64 and arm64 (`include/uapi/asm-generic/ioctl.h`): the direction in bits 30-31,
//! the argument's size in 16-29, the type in 8-15 and the number in 0-7.

/// `_IOC_READ`: the kernel writes to the argument.
const READ: u32 = 2;

/// C's `_IOC(dir, type, nr, size)`.
const fn ioc(dir: u32, kind: u8, nr: u8, size: usize) -> u32 {
    (dir << 30) | ((size as u32) << 16) | ((kind as u32) << 8) | nr as u32
}

/// `VDEV_IOC_SIZE`, `_IOR('v', 0x40, __u64)`: how many bytes the device holds.
pub const VDEV_IOC_SIZE: u32 = ioc(READ, b'v', 0x40, std::mem::size_of::<u64>());

/// `VDEV_IOC_CLEAR`, `_IO('v', 0x41)`: empties the device.
pub const VDEV_IOC_CLEAR: u32 = ioc(0, b'v', 0x41, 0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commands_are_encoded_as_cs_macros_encode_them() {
        // What C's _IOR('v', 0x40, __u64) and _IO('v', 0x41) give on x86_64 and arm64.
        assert_eq!(VDEV_IOC_SIZE, 0x8008_7640);
        assert_eq!(VDEV_IOC_CLEAR, 0x0000_7641);
    }
}
