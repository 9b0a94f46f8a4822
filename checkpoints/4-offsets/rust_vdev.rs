// SPDX-License-Identifier: GPL-2.0

//! Checkpoint 4: `/dev/vdev0` behaves like a regular file: lseek, `O_TRUNC` and `O_APPEND`.
//!
//! Checkpoint 3 already reads and writes at the file position. Here the position can be moved
//! with lseek (from the start, the current position or the end), opening with `O_TRUNC` empties
//! the device, so that `echo hi > /dev/vdev0` replaces what it held, and with `O_APPEND` every
//! write goes to the end, so that `echo more >> /dev/vdev0` appends.

// step 4.1: Import also `file::flags` and `SeekFrom` from `kernel::fs`, and `ArcBorrow` from
//   `kernel::sync`.
// was: use kernel::{
// was:     c_str,
// was:     fs::{
// was:         File,
// was:         Kiocb, //
// was:     },
// was:     iov::{
// was:         IovIterDest,
// was:         IovIterSource, //
// was:     },
// was:     miscdevice::{
// was:         MiscDevice,
// was:         MiscDeviceOptions,
// was:         MiscDeviceRegistration, //
// was:     },
// was:     new_mutex,
// was:     prelude::*,
// was:     sync::{
// was:         Arc,
// was:         Mutex, //
// was:     },
// was: };
use kernel::{
    c_str,
    fs::{
        file::flags,
        File,
        Kiocb,
        SeekFrom, //
    },
    iov::{
        IovIterDest,
        IovIterSource, //
    },
    miscdevice::{
        MiscDevice,
        MiscDeviceOptions,
        MiscDeviceRegistration, //
    },
    new_mutex,
    prelude::*,
    sync::{
        Arc,
        ArcBorrow,
        Mutex, //
    },
};
// end of step 4.1

module! {
    type: VDevModule,
    name: "vdev",
    authors: ["Rust for Linux workshop"],
    description: "Workshop checkpoint 4: offsets, O_TRUNC and O_APPEND",
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

    // step 4.2: `open`: opened with `O_TRUNC` (`file.flags() & flags::O_TRUNC`), the device is
    //   emptied, as a regular file is.
    // was: fn open(_file: &File, misc: &MiscDeviceRegistration<Self>) -> Result<Arc<Device>> {
    // was:     Ok(misc.data().clone())
    // was: }
    fn open(file: &File, misc: &MiscDeviceRegistration<Self>) -> Result<Arc<Device>> {
        let device = misc.data().clone();
        // Like a regular file, the device is emptied when it is opened with O_TRUNC. (The VFS
        // has already checked that the opener may write.)
        if file.flags() & flags::O_TRUNC != 0 {
            *device.contents.lock() = KVVec::new();
        }
        Ok(device)
    }
    // end of step 4.2

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
        // step 4.3: With `O_APPEND` (`kiocb.is_append()`), a write starts at the end, wherever the
        //   position is.
        // was: let start = usize::try_from(kiocb.ki_pos())?;
        // With O_APPEND every write goes to the end, wherever the position is.
        let start = if kiocb.is_append() {
            contents.len()
        } else {
            usize::try_from(kiocb.ki_pos())?
        };
        // end of step 4.3
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

    // step 4.4: `llseek`: the new position, from the start, the current position or the end
    //   (`seek.position(pos, size)`, which refuses a negative one with `EINVAL`).
    fn llseek(device: ArcBorrow<'_, Device>, pos: i64, seek: SeekFrom) -> Result<i64> {
        let size = i64::try_from(device.contents.lock().len())?;
        // SeekFrom::position refuses a negative result with EINVAL, as lseek(2) does.
        seek.position(pos, size)
    }
    // end of step 4.4
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
