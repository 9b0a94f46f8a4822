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
//!
//! Checkpoint 6, the bonus step: two ioctls, as a program calls them with
//! `#define VDEV_IOC_SIZE _IOR('v', 0x40, __u64)` and `#define VDEV_IOC_CLEAR _IO('v', 0x41)`:
//! how many bytes a device holds, written to the `__u64` the argument points to, and emptying
//! it. Any other command fails with `ENOTTY`.

// step 6.1: Import also `_IO`, `_IOC_SIZE` and `_IOR` from `kernel::ioctl`, and `UserPtr` and
//   `UserSlice` from `kernel::uaccess`.
// was: use kernel::{
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
// was:     str::CString,
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
    ioctl::{
        _IO,
        _IOC_SIZE,
        _IOR, //
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
    uaccess::{
        UserPtr,
        UserSlice, //
    },
};
// end of step 6.1

module! {
    type: VDevModule,
    name: "vdev",
    authors: ["Rust for Linux workshop"],
    description: "Workshop checkpoint 6: ioctl",
    license: "GPL",
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
}

/// The most devices the module registers.
const MAX_DEVICES: u32 = 64;

/// The largest capacity of a device: 16 MiB.
const MAX_CAPACITY: usize = 16 << 20;

/// One device: its contents, shared by every file that has it open.
#[pin_data]
struct Device {
    /// The device is `/dev/vdev<index>`.
    index: u32,
    /// How many bytes the device can hold.
    capacity: usize,
    /// What the device holds. The lock makes each read and write happen as a whole.
    #[pin]
    contents: Mutex<KVVec<u8>>,
}

// step 6.2: The two commands: `VDEV_IOC_SIZE`, `_IOR::<u64>` of type `b'v'` and number 0x40,
//   and `VDEV_IOC_CLEAR`, `_IO` of `b'v'` and 0x41.
/// `VDEV_IOC_SIZE`: how many bytes the device holds, written to the `u64` the argument points to.
const VDEV_IOC_SIZE: u32 = _IOR::<u64>(b'v' as u32, 0x40);

/// `VDEV_IOC_CLEAR`: empties the device.
const VDEV_IOC_CLEAR: u32 = _IO(b'v' as u32, 0x41);
// end of step 6.2

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
        pr_debug!("vdev{}: opened\n", device.index);
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
        pr_debug!("vdev{}: read {count} bytes at {start}\n", device.index);
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
        let count = buf.copy_from_iter(&mut contents[start..start + fits]);
        // Not a byte could be copied (EFAULT): the device is put back as it was, hole and all.
        if count == 0 {
            contents.truncate(len);
            return Err(EFAULT);
        }
        // Give back the room that was not written to.
        contents.truncate(len.max(start + count));
        *kiocb.ki_pos_mut() = i64::try_from(start + count)?;
        pr_debug!("vdev{}: wrote {count} bytes at {start}\n", device.index);
        Ok(count)
    }

    fn llseek(device: ArcBorrow<'_, Device>, pos: i64, seek: SeekFrom) -> Result<i64> {
        // Only `SEEK_END` needs the size, and only it takes the lock.
        let size = match seek {
            SeekFrom::End(_) => i64::try_from(device.contents.lock().len())?,
            SeekFrom::Start(_) | SeekFrom::Current(_) => 0,
        };
        let new = seek.position(pos, size)?;
        pr_debug!("vdev{}: position {new}\n", device.index);
        Ok(new)
    }

    // step 6.3: `ioctl`: for `VDEV_IOC_SIZE`, write the size as a `u64` to the user's memory at
    //   `arg` (`UserSlice::new(UserPtr::from_addr(arg), _IOC_SIZE(cmd)).writer().write(..)`);
    //   for `VDEV_IOC_CLEAR`, empty the contents; anything else fails with `ENOTTY`.
    fn ioctl(device: ArcBorrow<'_, Device>, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            VDEV_IOC_SIZE => {
                let size = u64::try_from(device.contents.lock().len())?;
                // The user's memory is checked as it is written to: a bad `arg` is EFAULT.
                let mut writer = UserSlice::new(UserPtr::from_addr(arg), _IOC_SIZE(cmd)).writer();
                writer.write(&size)?;
            }
            VDEV_IOC_CLEAR => *device.contents.lock() = KVVec::new(),
            _ => return Err(ENOTTY),
        }
        pr_debug!("vdev{}: ioctl {cmd:#x}\n", device.index);
        Ok(0)
    }
    // end of step 6.3
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

/// The module: it owns the registrations, so unloading it removes the devices.
struct VDevModule {
    devices: KVec<Pin<KBox<MiscDeviceRegistration<VDev>>>>,
}

impl kernel::Module for VDevModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
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
    }
}

impl Drop for VDevModule {
    fn drop(&mut self) {
        // Deregister first, so that the message comes when the devices are gone.
        let devices = core::mem::take(&mut self.devices);
        let count = devices.len();
        drop(devices);
        match count {
            1 => pr_info!("unloaded: 1 device removed\n"),
            _ => pr_info!("unloaded: {count} devices removed\n"),
        }
    }
}
