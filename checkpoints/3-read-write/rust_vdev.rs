// SPDX-License-Identifier: GPL-2.0

//! Checkpoint 3: `/dev/vdev0` keeps what is written to it, and gives it back when read.
//!
//! The device holds its bytes in a vector behind a mutex, shared by every open file: the
//! registration owns a reference to it, and so does each open file. Reads and writes work at
//! the position that the VFS hands in with each call, in the `Kiocb`: the file position, kept
//! for each open file, or the offset of `pread` and `pwrite`. Writing past the end grows the
//! device (up to [`CAPACITY`]) and fills the hole with zeros.

use kernel::{
    c_str,
    fs::{File, Kiocb},
    iov::{IovIterDest, IovIterSource},
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
};

module! {
    type: VDevModule,
    name: "vdev",
    authors: ["Rust for Linux workshop"],
    description: "Workshop checkpoint 3: read and write",
    license: "GPL",
}

/// How many bytes the device can hold: 1 MiB.
const CAPACITY: usize = 1 << 20;

/// The device: its contents, shared by every file that has it open.
#[pin_data]
struct Device {
    /// What the device holds. The lock makes each read and write happen as a whole.
    #[pin]
    contents: Mutex<KVVec<u8>>,
}

/// The file operations of the device.
struct VDev;

#[vtable]
impl MiscDevice for VDev {
    /// The registration owns a reference to the [`Device`]...
    type RegistrationData = Arc<Device>;

    /// ...and so does each open file.
    type Ptr = Arc<Device>;

    fn open(_file: &File, misc: &MiscDeviceRegistration<Self>) -> Result<Arc<Device>> {
        Ok(misc.data().clone())
    }

    fn read_iter(mut kiocb: Kiocb<'_, Arc<Device>>, buf: &mut IovIterDest<'_>) -> Result<usize> {
        let device = kiocb.file();
        let contents = device.contents.lock();
        // The VFS never passes a negative position.
        let start = usize::try_from(kiocb.ki_pos())?;
        // Past the end there is nothing to read.
        if start >= contents.len() || buf.is_empty() {
            return Ok(0);
        }
        // Copy what fits in the buffer, from `start` on.
        let count = buf.copy_to_iter(&contents[start..]);
        // Not a byte could be copied: the buffer is not the caller's to write.
        if count == 0 {
            return Err(EFAULT);
        }
        *kiocb.ki_pos_mut() = i64::try_from(start + count)?;
        Ok(count)
    }

    fn write_iter(mut kiocb: Kiocb<'_, Arc<Device>>, buf: &mut IovIterSource<'_>) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let device = kiocb.file();
        let mut contents = device.contents.lock();
        let start = usize::try_from(kiocb.ki_pos())?;
        if start >= CAPACITY {
            return Err(ENOSPC);
        }
        // Make room for what fits: writing past the end grows the device, and the hole up to
        // `start` reads as zeros. If memory runs out (ENOMEM), nothing has changed yet.
        let len = contents.len();
        let fits = buf.len().min(CAPACITY - start);
        if start + fits > len {
            grow(&mut contents, start + fits, CAPACITY)?;
        }
        let count = buf.copy_from_iter(&mut contents[start..start + fits]);
        // Not a byte could be copied (EFAULT): the device is put back as it was, hole and all.
        if count == 0 {
            contents.truncate(len);
            return Err(EFAULT);
        }
        // Give back the room that was not written to.
        contents.truncate(len.max(start + count));
        *kiocb.ki_pos_mut() = i64::try_from(start + count)?;
        Ok(count)
    }
}

/// Grows `contents` to `end` bytes, the new ones zeros, allocating room for at most `capacity`.
///
/// As the vector's own growth does, it doubles the allocation, so that a device filled by small
/// writes is copied only a few times; but where doubling would allocate more than the device can
/// hold, it allocates exactly `capacity`, once. If memory runs out it fails with `ENOMEM`, and
/// `contents` is as it was.
fn grow(contents: &mut KVVec<u8>, end: usize, capacity: usize) -> Result {
    if end > contents.capacity() && contents.capacity() > capacity / 2 {
        let mut exact = KVVec::with_capacity(capacity, GFP_KERNEL)?;
        exact.extend_from_slice(contents, GFP_KERNEL)?;
        *contents = exact;
    }
    contents.extend_with(end - contents.len(), 0, GFP_KERNEL)?;
    Ok(())
}

/// The module: it owns the registration, so unloading it removes the device.
struct VDevModule {
    _device: Pin<KBox<MiscDeviceRegistration<VDev>>>,
}

impl kernel::Module for VDevModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // The registration's data: a new `Device`, or the error that the registration fails with.
        let device = Arc::pin_init(
            pin_init!(Device {
                contents <- new_mutex!(KVVec::new()),
            }),
            GFP_KERNEL,
        );
        let options = MiscDeviceOptions {
            name: c_str!("vdev0"),
        };
        let registration = MiscDeviceRegistration::register(options, device);
        let device = KBox::pin_init(registration, GFP_KERNEL)?;
        pr_info!("1 device of {CAPACITY} bytes: /dev/vdev0\n");
        Ok(VDevModule { _device: device })
    }
}

impl Drop for VDevModule {
    fn drop(&mut self) {
        pr_info!("unloaded: 1 device removed\n");
    }
}
