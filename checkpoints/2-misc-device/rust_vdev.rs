// SPDX-License-Identifier: GPL-2.0

//! Checkpoint 2: one misc device, `/dev/vdev0`, that can be opened and closed.
//!
//! A misc device is the simplest character device: the misc layer picks its minor number and
//! makes its node. The module owns the registration, so the device exists exactly as long as
//! the module is loaded. Reading and writing are not implemented yet: the VFS answers them with
//! `EINVAL`.

use kernel::{
    c_str,
    fs::File,
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    prelude::*,
};

module! {
    type: VDevModule,
    name: "vdev",
    authors: ["Rust for Linux workshop"],
    description: "Workshop checkpoint 2: one misc device",
    license: "GPL",
}

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

/// The module: it owns the registration, so unloading it removes the device.
struct VDevModule {
    _device: Pin<KBox<MiscDeviceRegistration<VDev>>>,
}

impl kernel::Module for VDevModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let options = MiscDeviceOptions {
            name: c_str!("vdev0"),
        };
        let device = KBox::pin_init(MiscDeviceRegistration::register(options, ()), GFP_KERNEL)?;
        pr_info!("1 device: /dev/vdev0\n");
        Ok(VDevModule { _device: device })
    }
}

impl Drop for VDevModule {
    fn drop(&mut self) {
        pr_info!("unloaded: 1 device removed\n");
    }
}
