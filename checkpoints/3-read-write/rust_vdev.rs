// SPDX-License-Identifier: GPL-2.0

//! Checkpoint 3: `/dev/vdev0` keeps what is written to it, and gives it back when read.
//!
//! The device holds its bytes in a vector behind a mutex, shared by every open file: the
//! registration owns a reference to it, and so does each open file. Reads and writes work at
//! the position that the VFS hands in with each call, in the `Kiocb`: the file position, kept
//! for each open file, or the offset of `pread` and `pwrite`. Writing past the end grows the
//! device (up to [`CAPACITY`]) and fills the hole with zeros.

// step 3.1: Import what reads and writes need: `Kiocb` from `kernel::fs`, `IovIterDest` and
//   `IovIterSource` from `kernel::iov`, `new_mutex`, and `Arc` and `Mutex` from
//   `kernel::sync`.
// was: use kernel::{
// was:     c_str,
// was:     fs::File,
// was:     miscdevice::{
// was:         MiscDevice,
// was:         MiscDeviceOptions,
// was:         MiscDeviceRegistration, //
// was:     },
// was:     prelude::*,
// was: };
use kernel::{
    c_str,
    fs::{
        File,
        Kiocb, //
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
        Mutex, //
    },
};
// end of step 3.1

module! {
    type: VDevModule,
    name: "vdev",
    authors: ["Rust for Linux workshop"],
    description: "Workshop checkpoint 3: read and write",
    license: "GPL",
}

// step 3.2: The device: a `CAPACITY` of 1 MiB, and a `#[pin_data] struct Device` whose contents
//   are a `KVVec<u8>` behind a `Mutex` (a `#[pin]` field).
/// How many bytes the device can hold: 1 MiB.
const CAPACITY: usize = 1 << 20;

/// The device: its contents, shared by every file that has it open.
#[pin_data]
struct Device {
    /// What the device holds. The lock makes each read and write happen as a whole.
    #[pin]
    contents: Mutex<KVVec<u8>>,
}
// end of step 3.2

/// The file operations of the device.
struct VDev;

#[vtable]
impl MiscDevice for VDev {
    // step 3.3: The registration and each open file hold an `Arc<Device>`: `open` returns a
    //   clone of the registration's (`misc.data()`).
    // was: /// The registration holds no data yet...
    // was: type RegistrationData = ();
    // was:
    // was: /// ...and neither does an open file.
    // was: type Ptr = ();
    // was:
    // was: fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result {
    // was:     pr_debug!("vdev0: opened\n");
    // was:     Ok(())
    // was: }
    /// The registration owns a reference to the [`Device`]...
    type RegistrationData = Arc<Device>;

    /// ...and so does each open file.
    type Ptr = Arc<Device>;

    fn open(_file: &File, misc: &MiscDeviceRegistration<Self>) -> Result<Arc<Device>> {
        Ok(misc.data().clone())
    }
    // end of step 3.3

    // step 3.4: `read_iter`: from the position (`kiocb.ki_pos()`) on, copy what fits into `buf`
    //   (`copy_to_iter`) and move the position past it; nothing past the end (0); `EFAULT`
    //   when not a byte could be copied.
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
    // end of step 3.4

    // step 3.5: `write_iter`: at the position, copy `buf` in (`copy_from_iter`), growing the device
    //   with zeros up to the position (`grow`); at most `CAPACITY` bytes (`ENOSPC` at it, a
    //   short write before it); `EFAULT`, and the device as it was, when not a byte came.
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
    // end of step 3.5
}

// step 3.6: `grow`: make `contents` `end` bytes long, the new ones zeros, allocating at most
//   `capacity` bytes (or fail with `ENOMEM`, `contents` as it was).
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
// end of step 3.6

/// The module: it owns the registration, so unloading it removes the device.
struct VDevModule {
    _device: Pin<KBox<MiscDeviceRegistration<VDev>>>,
}

impl kernel::Module for VDevModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // step 3.7: Make the `Device` (`Arc::pin_init` of `pin_init!`, its mutex with
        //   `new_mutex!`), give it to the registration, and say
        //   "1 device of 1048576 bytes: /dev/vdev0".
        // was: let options = MiscDeviceOptions {
        // was:     name: c_str!("vdev0"),
        // was: };
        // was: let device = KBox::pin_init(MiscDeviceRegistration::register(options, ()), GFP_KERNEL)?;
        // was: pr_info!("1 device: /dev/vdev0\n");
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
        // end of step 3.7
        Ok(VDevModule { _device: device })
    }
}

impl Drop for VDevModule {
    fn drop(&mut self) {
        pr_info!("unloaded: 1 device removed\n");
    }
}
