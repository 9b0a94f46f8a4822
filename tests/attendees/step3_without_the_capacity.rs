// SPDX-License-Identifier: GPL-2.0

// An attendee's driver at step 3, with the mistakes people make there: no capacity, no case for
// a read or write of 0 bytes, the position cast with `as`, and EFAULT not handled (a write that
// copies nothing keeps the bytes it added). It builds and reads back what it is given, and
// check-step 3 must still fail it, with messages an attendee can read
// (tests/host/suites/50-workshop.sh).

//! My vdev at step 3: `/dev/vdev0` keeps what is written to it, and gives it back when read.
//!
//! The device holds its bytes in a vector behind a mutex, shared by every open file: the
//! registration owns a reference to it, and so does each open file. Reads and writes work at
//! the position that the VFS hands in with each call, in the `Kiocb`: the file position, kept
//! for each open file, or the offset of `pread` and `pwrite`. Writing past the end grows the
//! device and fills the hole with zeros.

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
        let start = kiocb.ki_pos() as usize;
        if start >= contents.len() {
            return Ok(0);
        }
        let count = buf.copy_to_iter(&contents[start..]);
        *kiocb.ki_pos_mut() = (start + count) as i64;
        Ok(count)
    }

    fn write_iter(mut kiocb: Kiocb<'_, Arc<Device>>, buf: &mut IovIterSource<'_>) -> Result<usize> {
        let device = kiocb.file();
        let mut contents = device.contents.lock();
        let start = kiocb.ki_pos() as usize;
        let end = start + buf.len();
        if end > contents.len() {
            let more = end - contents.len();
            contents.extend_with(more, 0, GFP_KERNEL)?;
        }
        let count = buf.copy_from_iter(&mut contents[start..end]);
        *kiocb.ki_pos_mut() = (start + count) as i64;
        Ok(count)
    }
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
