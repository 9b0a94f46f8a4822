// SPDX-License-Identifier: GPL-2.0

//! The workshop's first module: it greets when it is loaded and says goodbye
//! when it is unloaded.
//!
//! Load and unload it in the guest and watch the kernel log:
//!
//! ```text
//! # modprobe rust_hello
//! rust_hello: Hello from Rust! (built-in: false)
//! # rmmod rust_hello
//! rust_hello: Goodbye from Rust, after 2 greetings.
//! ```

use kernel::prelude::*;

module! {
    type: RustHello,
    name: "rust_hello",
    authors: ["Rust for Linux workshop"],
    description: "The workshop's hello module",
    license: "GPL",
}

/// The module's state: it lives from `init` until the module is unloaded.
struct RustHello {
    /// What `init` said, kept to show that the module owns its data.
    greetings: KVec<&'static str>,
}

impl kernel::Module for RustHello {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("Hello from Rust! (built-in: {})\n", !cfg!(MODULE));

        // Allocation can fail in the kernel: `push` returns a `Result`, and
        // `?` hands the error back to the loader, which then refuses the module.
        let mut greetings = KVec::new();
        greetings.push("Hello", GFP_KERNEL)?;
        greetings.push("from Rust", GFP_KERNEL)?;

        Ok(RustHello { greetings })
    }
}

impl Drop for RustHello {
    fn drop(&mut self) {
        pr_info!(
            "Goodbye from Rust, after {} greetings.\n",
            self.greetings.len()
        );
    }
}
