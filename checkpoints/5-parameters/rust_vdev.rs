// SPDX-License-Identifier: GPL-2.0

//! vdev: virtual devices that behave like files kept in kernel memory.
//!
//! The module registers `devices` misc devices, `/dev/vdev0` to `/dev/vdev<devices - 1>`. Each
//! one holds up to `capacity` bytes and behaves like a regular file of that maximum size: reads
//! and writes at the file position (or at an offset, with pread and pwrite), holes filled with
//! zeros, `O_TRUNC` and `O_APPEND`, and lseek from the start, the current position or the end.
//! The contents survive closing and reopening, and are gone when the module is unloaded.
//!
//! ```text
//! # echo "wow it works" > /dev/vdev0
//! # cat /dev/vdev0
//! wow it works
//! # rmmod vdev
//! # modprobe vdev devices=4 capacity=4096
//! # ls /dev/vdev*
//! /dev/vdev0  /dev/vdev1  /dev/vdev2  /dev/vdev3
//! ```
//!
//! Built in, it takes the same parameters from the kernel command line: `vdev.devices=4`.

// step 5.1: Import also `CString` from `kernel::str`, for the names made at load time; `c_str` is
//   no longer needed.
// was: use kernel::{
// was:     c_str,
// was:     fs::{
// was:         file::flags,
// was:         File,
// was:         Kiocb,
// was:         SeekFrom, //
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
// was:         ArcBorrow,
// was:         Mutex, //
// was:     },
// was: };
use kernel::{
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
    str::CString,
    sync::{
        Arc,
        ArcBorrow,
        Mutex, //
    },
};
// end of step 5.1

module! {
    type: VDevModule,
    name: "vdev",
    authors: ["Rust for Linux workshop"],
    description: "Virtual devices that behave like files in kernel memory",
    license: "GPL",
    // step 5.2: Two parameters in `module!`: `devices: u32` (default 1) and `capacity: usize`
    //   (default 1048576), each `permissions: 0o444` (shown in sysfs), with a description.
    params: {
        devices: u32 {
            default: 1,
            permissions: 0o444,
            description: "Number of devices, /dev/vdev0 and up (1 to 64)",
        },
        capacity: usize {
            default: 1048576,
            permissions: 0o444,
            description: "Bytes each device can hold (1 to 16777216)",
        },
    },
    // end of step 5.2
}

// step 5.3: The limits in place of `CAPACITY`: at most 64 devices (`MAX_DEVICES`), of at most
//   16 MiB each (`MAX_CAPACITY`).
// was: /// How many bytes the device can hold: 1 MiB.
// was: const CAPACITY: usize = 1 << 20;
/// The most devices the module registers.
const MAX_DEVICES: u32 = 64;

/// The largest capacity of a device: 16 MiB.
const MAX_CAPACITY: usize = 16 << 20;
// end of step 5.3

/// One device: its contents, shared by every file that has it open.
#[pin_data]
struct Device {
    // step 5.4: Each `Device` knows its `index` (it is `/dev/vdev<index>`) and its `capacity`.
    /// The device is `/dev/vdev<index>`.
    index: u32,
    /// How many bytes the device can hold.
    capacity: usize,
    // end of step 5.4
    /// What the device holds. The lock makes each read and write happen as a whole.
    #[pin]
    contents: Mutex<KVVec<u8>>,
}

/// The file operations of the devices.
struct VDev;

#[vtable]
impl MiscDevice for VDev {
    /// Each registered device owns a reference to its [`Device`]...
    type RegistrationData = Arc<Device>;

    /// ...and so does each open file of it.
    type Ptr = Arc<Device>;

    fn open(file: &File, misc: &MiscDeviceRegistration<Self>) -> Result<Arc<Device>> {
        let device = misc.data().clone();
        // Like a regular file, the device is emptied when it is opened with O_TRUNC: this is
        // what makes `echo hi > /dev/vdev0` replace the contents. (The VFS has already checked
        // that the opener may write.)
        if file.flags() & flags::O_TRUNC != 0 {
            *device.contents.lock() = KVVec::new();
        }
        // step 5.5: Say with `pr_debug!` that `vdev<index>` was opened.
        pr_debug!("vdev{}: opened\n", device.index);
        // end of step 5.5
        Ok(device)
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
        // step 5.6: Say with `pr_debug!` how many bytes were read, and where.
        pr_debug!("vdev{}: read {count} bytes at {start}\n", device.index);
        // end of step 5.6
        Ok(count)
    }

    fn write_iter(mut kiocb: Kiocb<'_, Arc<Device>>, buf: &mut IovIterSource<'_>) -> Result<usize> {
        // Writing nothing succeeds wherever the position is, as for a regular file.
        if buf.is_empty() {
            return Ok(0);
        }
        let device = kiocb.file();
        let mut contents = device.contents.lock();
        // With O_APPEND every write goes to the end, wherever the position is.
        let start = if kiocb.is_append() {
            contents.len()
        } else {
            usize::try_from(kiocb.ki_pos())?
        };
        // step 5.7: The device's own `capacity` in place of `CAPACITY`.
        // was: if start >= CAPACITY {
        // was:     return Err(ENOSPC);
        // was: }
        // was: // Make room for what fits: writing past the end grows the device, and the hole up to
        // was: // `start` reads as zeros. If memory runs out (ENOMEM), nothing has changed yet.
        // was: let len = contents.len();
        // was: let fits = buf.len().min(CAPACITY - start);
        // was: if start + fits > len {
        // was:     grow(&mut contents, start + fits, CAPACITY)?;
        // was: }
        if start >= device.capacity {
            return Err(ENOSPC);
        }
        // Make room for what fits: writing past the end grows the device, and the hole up to
        // `start` reads as zeros. If memory runs out (ENOMEM), nothing has changed yet.
        let len = contents.len();
        let fits = buf.len().min(device.capacity - start);
        if start + fits > len {
            grow(&mut contents, start + fits, device.capacity)?;
        }
        // end of step 5.7
        let count = buf.copy_from_iter(&mut contents[start..start + fits]);
        // Not a byte could be copied (EFAULT): the device is put back as it was, hole and all.
        if count == 0 {
            contents.truncate(len);
            return Err(EFAULT);
        }
        // Give back the room that was not written to.
        contents.truncate(len.max(start + count));
        *kiocb.ki_pos_mut() = i64::try_from(start + count)?;
        // step 5.8: Say with `pr_debug!` how many bytes were written, and where.
        pr_debug!("vdev{}: wrote {count} bytes at {start}\n", device.index);
        // end of step 5.8
        Ok(count)
    }

    fn llseek(device: ArcBorrow<'_, Device>, pos: i64, seek: SeekFrom) -> Result<i64> {
        // step 5.9: Take the lock only for `SEEK_END`, the one seek that needs the size,
        //   and say the new position with `pr_debug!`.
        // was: let size = i64::try_from(device.contents.lock().len())?;
        // was: // SeekFrom::position refuses a negative result with EINVAL, as lseek(2) does.
        // was: seek.position(pos, size)
        // Only `SEEK_END` needs the size, and only it takes the lock.
        let size = match seek {
            SeekFrom::End(_) => i64::try_from(device.contents.lock().len())?,
            SeekFrom::Start(_) | SeekFrom::Current(_) => 0,
        };
        let new = seek.position(pos, size)?;
        pr_debug!("vdev{}: position {new}\n", device.index);
        Ok(new)
        // end of step 5.9
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

// step 5.10: The module owns every registration: a `KVec` of them.
// was: /// The module: it owns the registration, so unloading it removes the device.
// was: struct VDevModule {
// was:     _device: Pin<KBox<MiscDeviceRegistration<VDev>>>,
// was: }
/// The module: it owns the registrations, so unloading it removes the devices.
struct VDevModule {
    devices: KVec<Pin<KBox<MiscDeviceRegistration<VDev>>>>,
}
// end of step 5.10

impl kernel::Module for VDevModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // step 5.11: Read the parameters (`module_parameters::devices.value()`), refuse
        //   values out of range with `EINVAL` and a `pr_err!`, register `vdev0` to
        //   `vdev<devices - 1>` (names made with `CString::try_from_fmt`), and say how
        //   many devices of how many bytes: "1 device of ...", "4 devices of ...".
        // was: // The registration's data: a new `Device`, or the error that the registration fails with.
        // was: let device = Arc::pin_init(
        // was:     pin_init!(Device {
        // was:         contents <- new_mutex!(KVVec::new()),
        // was:     }),
        // was:     GFP_KERNEL,
        // was: );
        // was: let options = MiscDeviceOptions {
        // was:     name: c_str!("vdev0"),
        // was: };
        // was: let registration = MiscDeviceRegistration::register(options, device);
        // was: let device = KBox::pin_init(registration, GFP_KERNEL)?;
        // was: pr_info!("1 device of {CAPACITY} bytes: /dev/vdev0\n");
        // was: Ok(VDevModule { _device: device })
        let count = module_parameters::devices.value();
        let capacity = module_parameters::capacity.value();
        if !(1..=MAX_DEVICES).contains(&count) {
            pr_err!("devices={count} is out of range: it must be from 1 to {MAX_DEVICES}\n");
            return Err(EINVAL);
        }
        if !(1..=MAX_CAPACITY).contains(&capacity) {
            pr_err!("capacity={capacity} is out of range: it must be from 1 to {MAX_CAPACITY}\n");
            return Err(EINVAL);
        }

        let mut devices = KVec::with_capacity(count as usize, GFP_KERNEL)?;
        for index in 0..count {
            // The registration's data: a new `Device`, or the error that the registration fails with.
            let device = Arc::pin_init(
                pin_init!(Device {
                    index,
                    capacity,
                    contents <- new_mutex!(KVVec::new()),
                }),
                GFP_KERNEL,
            );
            let name = CString::try_from_fmt(fmt!("vdev{index}"))?;
            let options = MiscDeviceOptions { name: &name };
            // If this fails, the devices registered so far are removed again when `devices`
            // is dropped.
            devices.push(
                KBox::pin_init(
                    MiscDeviceRegistration::register(options, device),
                    GFP_KERNEL,
                )?,
                GFP_KERNEL,
            )?;
        }
        if count == 1 {
            pr_info!("1 device of {capacity} bytes: /dev/vdev0\n");
        } else {
            pr_info!(
                "{count} devices of {capacity} bytes: /dev/vdev0 to /dev/vdev{}\n",
                count - 1
            );
        }
        Ok(VDevModule { devices })
        // end of step 5.11
    }
}

impl Drop for VDevModule {
    fn drop(&mut self) {
        // step 5.12: Deregister the devices first, then say how many were removed:
        //   "unloaded: 1 device removed", "unloaded: 4 devices removed".
        // was: pr_info!("unloaded: 1 device removed\n");
        // Deregister first, so that the message comes when the devices are gone.
        let devices = core::mem::take(&mut self.devices);
        let count = devices.len();
        drop(devices);
        match count {
            1 => pr_info!("unloaded: 1 device removed\n"),
            _ => pr_info!("unloaded: {count} devices removed\n"),
        }
        // end of step 5.12
    }
}
