// SPDX-License-Identifier: GPL-2.0

//! Checkpoint 1: a module that says hello when it is loaded and goodbye when it is unloaded.
//!
//! Everything a Rust module needs: the `module!` macro, which tells the kernel the module's name
//! and licence and which type to make when the module is loaded, and that type, whose `init`
//! runs at load time and whose `drop` runs at unload time.

use kernel::prelude::*;

module! {
    type: VDevModule,
    name: "vdev",
    authors: ["Rust for Linux workshop"],
    description: "Workshop checkpoint 1: hello",
    license: "GPL",
}

/// The module. It holds nothing yet.
struct VDevModule;

impl kernel::Module for VDevModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // step 1.1: Say hello in the kernel log, one line (`pr_info!`), when the module is loaded.
        pr_info!("hello from Rust\n");
        // end of step 1.1
        Ok(VDevModule)
    }
}

impl Drop for VDevModule {
    fn drop(&mut self) {
        // step 1.2: Say goodbye in the kernel log, one line, when the module is unloaded.
        pr_info!("goodbye from Rust\n");
        // end of step 1.2
    }
}
