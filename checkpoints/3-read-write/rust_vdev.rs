// SPDX-License-Identifier: GPL-2.0

//! Checkpoint 3: `/dev/vdev0` keeps what is written to it, and gives it back when read.
//!
//! The device holds its bytes in a vector behind a mutex, shared by every open file: the
//! registration owns a reference to it, and so does each open file. Reads and writes work at
//! the file position, which the VFS keeps for each open file and passes in as `pos`; `pread`
//! and `pwrite` pass their offset the same way. Writing past the end grows the device (up to
//! [`CAPACITY`]) and fills the hole with zeros.

use kernel::{
    c_str,
    fs::File,
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    new_mutex,
    prelude::*,
    sync::{Arc, ArcBorrow, Mutex},
    uaccess::{UserSliceReader, UserSliceWriter},
};

module! {
    type: VDevModule,
    name: "vdev",
    author: "Rust for Linux workshop",
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
    const OWNER: &'static ThisModule = &THIS_MODULE;

    /// The registration owns a reference to the [`Device`]...
    type RegistrationData = Arc<Device>;

    /// ...and so does each open file.
    type Ptr = Arc<Device>;

    fn open(_file: &File, misc: &MiscDeviceRegistration<Self>) -> Result<Arc<Device>> {
        Ok(misc.data().clone())
    }

    fn read(
        device: ArcBorrow<'_, Device>,
        _file: &File,
        buf: &mut UserSliceWriter,
        pos: &mut i64,
    ) -> Result<usize> {
        let contents = device.contents.lock();
        // The VFS never passes a negative position.
        let start = usize::try_from(*pos)?;
        // Past the end there is nothing to read.
        if start >= contents.len() {
            return Ok(0);
        }
        let count = buf.len().min(contents.len() - start);
        buf.write_slice(&contents[start..start + count])?;
        *pos = i64::try_from(start + count)?;
        Ok(count)
    }

    fn write(
        device: ArcBorrow<'_, Device>,
        _file: &File,
        buf: &mut UserSliceReader,
        pos: &mut i64,
    ) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut contents = device.contents.lock();
        let start = usize::try_from(*pos)?;
        if start >= CAPACITY {
            return Err(ENOSPC);
        }
        // Write what fits.
        let count = buf.len().min(CAPACITY - start);
        let end = start + count;

        // Copy the bytes from user space first, and only then change the device: if the copy
        // fails (EFAULT) or memory runs out (ENOMEM), the device is left as it was.
        let mut data = KVVec::new();
        buf.read_vec(&mut data, count, GFP_KERNEL)?;
        // Writing past the end grows the device; the hole up to `start` reads as zeros.
        if end > contents.len() {
            let grow = end - contents.len();
            contents.extend_with(grow, 0, GFP_KERNEL)?;
        }
        contents[start..end].copy_from_slice(&data);

        *pos = i64::try_from(end)?;
        Ok(count)
    }
}

/// The module: it owns the registration, so unloading it removes the device.
struct VDevModule {
    _device: Pin<KBox<MiscDeviceRegistration<VDev>>>,
}

impl kernel::Module for VDevModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let device = Arc::pin_init(
            pin_init!(Device {
                contents <- new_mutex!(KVVec::new()),
            }),
            GFP_KERNEL,
        )?;
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
