// SPDX-License-Identifier: GPL-2.0

//! Checkpoint 2: one misc device, `/dev/vdev0`, that can be opened and closed.
//!
//! A misc device is the simplest character device: the misc layer picks its minor number and
//! makes its node. The module owns the registration, so the device exists exactly as long as
//! the module is loaded. Reading and writing are not implemented yet: the VFS answers them with
//! `EINVAL`.

// step 2.1: Import what a misc device needs: `c_str`, `fs::File`, and `MiscDevice`,
//   `MiscDeviceOptions` and `MiscDeviceRegistration` from `kernel::miscdevice`.
// was: use kernel::prelude::*;
use kernel::{
    c_str,
    fs::File,
    miscdevice::{
        MiscDevice,
        MiscDeviceOptions,
        MiscDeviceRegistration, //
    },
    prelude::*,
};
// end of step 2.1

module! {
    type: VDevModule,
    name: "vdev",
    authors: ["Rust for Linux workshop"],
    description: "Workshop checkpoint 2: one misc device",
    license: "GPL",
}

// step 2.2: The file operations: a type `VDev` and its `#[vtable] impl MiscDevice`, with no
//   data in the registration nor in an open file (`()`), and an `open` that says so with
//   `pr_debug!("vdev0: opened\n")`.
/// The file operations of the device.
struct VDev;

#[vtable]
impl MiscDevice for VDev {
    /// The registration holds no data yet...
    type RegistrationData = ();

    /// ...and neither does an open file.
    type Ptr = ();

    fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result {
        pr_debug!("vdev0: opened\n");
        Ok(())
    }
}
// end of step 2.2

// step 2.3: The module owns the registration, in a field of type
//   `Pin<KBox<MiscDeviceRegistration<VDev>>>`.
// was: /// The module. It holds nothing yet.
// was: struct VDevModule;
/// The module: it owns the registration, so unloading it removes the device.
struct VDevModule {
    _device: Pin<KBox<MiscDeviceRegistration<VDev>>>,
}
// end of step 2.3

impl kernel::Module for VDevModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // step 2.4: Register `/dev/vdev0`: `MiscDeviceOptions` with its name, and
        //   `MiscDeviceRegistration::register(options, ())` pinned in a `KBox`; then say
        //   "1 device: /dev/vdev0", and keep the registration in the module.
        // was: pr_info!("hello from Rust\n");
        // was: Ok(VDevModule)
        let options = MiscDeviceOptions {
            name: c_str!("vdev0"),
        };
        let device = KBox::pin_init(MiscDeviceRegistration::register(options, ()), GFP_KERNEL)?;
        pr_info!("1 device: /dev/vdev0\n");
        Ok(VDevModule { _device: device })
        // end of step 2.4
    }
}

impl Drop for VDevModule {
    fn drop(&mut self) {
        // step 2.5: Say "unloaded: 1 device removed" when the module is unloaded.
        // was: pr_info!("goodbye from Rust\n");
        pr_info!("unloaded: 1 device removed\n");
        // end of step 2.5
    }
}
