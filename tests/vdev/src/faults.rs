// SPDX-License-Identifier: GPL-2.0

//! Allocation failures: a write whose memory cannot be had fails with ENOMEM and leaves the
//! device as it was. The failures are injected with failslab, in the debug flavour's kernel
//! (`KIT_FLAVOUR=debug`); elsewhere the test is skipped, and says why.

use crate::case;
use crate::ensure_eq;
use crate::ktap::{self, Case, Suite, TestResult};
use crate::module;
use crate::sys::{self, Errno, Fd};

pub fn suite() -> Suite {
    let cases: Vec<Case> = vec![case!(
        last,
        failed_allocation_gives_enomem_and_changes_nothing
    )];
    Suite {
        name: "vdev_faults".to_string(),
        cases,
    }
}

const DEBUGFS: &str = "/sys/kernel/debug";
const FAILSLAB: &str = "/sys/kernel/debug/failslab";

/// Whether this kernel can inject slab allocation failures.
pub fn available() -> bool {
    if !std::path::Path::new(FAILSLAB).exists() {
        // debugfs may just not be mounted yet.
        let _ = std::process::Command::new("mount")
            .args(["-t", "debugfs", "debugfs", DEBUGFS])
            .status();
    }
    std::path::Path::new(FAILSLAB).exists()
}

fn set(path: &str, value: &str) -> Result<(), String> {
    std::fs::write(path, value).map_err(|err| format!("writing {value} to {path}: {err}"))
}

/// Makes every slab allocation of this task fail until the guard is dropped.
///
/// The task's `make-it-fail` file is opened before the failures start: opening a file
/// allocates, so it could not be opened again to stop them.
struct FailAllocations(Fd);

impl FailAllocations {
    fn start() -> Result<FailAllocations, String> {
        set(&format!("{FAILSLAB}/task-filter"), "Y")?;
        set(&format!("{FAILSLAB}/ignore-gfp-wait"), "N")?;
        set(&format!("{FAILSLAB}/probability"), "100")?;
        set(&format!("{FAILSLAB}/interval"), "1")?;
        set(&format!("{FAILSLAB}/times"), "-1")?;
        set(&format!("{FAILSLAB}/verbose"), "0")?;
        let switch = sys::open_file("/proc/thread-self/make-it-fail", libc::O_WRONLY)?;
        switch
            .write(b"1")
            .map_err(|errno| format!("turning make-it-fail on: {errno:?}"))?;
        Ok(FailAllocations(switch))
    }
}

impl Drop for FailAllocations {
    fn drop(&mut self) {
        // Writing to an open proc file allocates nothing.
        let _ = self.0.pwrite(b"0", 0);
    }
}

fn failed_allocation_gives_enomem_and_changes_nothing() -> TestResult {
    if !available() {
        return ktap::skip("this kernel cannot inject allocation failures (the debug flavour can)");
    }
    module::reload("devices=1")?;
    let fd = sys::open_file(&module::dev(0), libc::O_RDWR)?;
    ensure_eq!(fd.write(b"kept as it was"), Ok(14), "first write");
    // The device and the file are open: from here on a write needs memory only to grow the
    // device. Overwriting what it holds needs none, as on tmpfs.
    let (grow, append, overwrite) = {
        let _failing = FailAllocations::start()?;
        (
            fd.pwrite(&[7; 3000], 100),
            fd.write(&[8; 64]),
            fd.pwrite(b"KEPT", 0),
        )
    };
    ensure_eq!(grow, Err(Errno(libc::ENOMEM)), "growing without memory");
    ensure_eq!(
        append,
        Err(Errno(libc::ENOMEM)),
        "writing past the end without memory"
    );
    ensure_eq!(overwrite, Ok(4), "overwriting without memory");
    ensure_eq!(
        fd.lseek(0, libc::SEEK_CUR),
        Ok(14),
        "position after the failed writes"
    );
    ensure_eq!(
        fd.contents(),
        Ok(b"KEPT as it was".to_vec()),
        "contents after the failed writes and the overwrite"
    );
    // And with memory again, growing works.
    ensure_eq!(
        fd.pwrite(&[7; 3000], 100),
        Ok(3000),
        "growing after the failures"
    );
    ensure_eq!(
        fd.contents().map(|c| c.len()),
        Ok(3100),
        "the size after growing"
    );
    Ok(())
}
