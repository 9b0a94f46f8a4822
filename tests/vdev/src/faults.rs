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
    let fd = module::open(0, libc::O_RDWR)?;
    ensure_eq!(fd.write(b"kept as it was"), Ok(14), "first write");
    // The device and the file are open: from here on a write needs memory only to grow the
    // device, and a driver that has room already (it reserved some up front) needs none at all.
    // Either way the contract holds: a write succeeds whole, or fails with ENOMEM and changes
    // nothing. Overwriting what the device holds needs no memory, as on tmpfs.
    let (proof, grow, append, overwrite) = {
        let _failing = FailAllocations::start()?;
        (
            // The injection itself must work, or the test proves nothing: creating a tmpfs
            // file allocates an inode.
            sys::open("/tmp/vdev-faults-probe", libc::O_RDWR | libc::O_CREAT).map(|_| ()),
            fd.pwrite(&[7; 3000], 100),
            fd.write(&[8; 64]),
            fd.pwrite(b"KEPT", 0),
        )
    };
    let _ = std::fs::remove_file("/tmp/vdev-faults-probe");
    ensure_eq!(
        proof,
        Err(Errno(libc::ENOMEM)),
        "creating a tmpfs file while allocations fail (the injection does not work)"
    );
    let mut expected = b"kept as it was".to_vec();
    let mut position = 14;
    match grow {
        Err(Errno(libc::ENOMEM)) => {}
        Ok(3000) => {
            expected.resize(100, 0);
            expected.extend_from_slice(&[7; 3000]);
        }
        other => return Err(format!("growing without memory gave {other:?}: expected ENOMEM, or 3000 where the driver had room").into()),
    }
    match append {
        Err(Errno(libc::ENOMEM)) => {}
        Ok(64) => {
            expected.splice(14..(14 + 64).min(expected.len()), [8; 64]);
            position += 64;
        }
        other => return Err(format!("writing past the end without memory gave {other:?}: expected ENOMEM, or 64 where the driver had room").into()),
    }
    ensure_eq!(overwrite, Ok(4), "overwriting without memory");
    expected[..4].copy_from_slice(b"KEPT");
    ensure_eq!(
        fd.lseek(0, libc::SEEK_CUR),
        Ok(position),
        "position after the writes without memory"
    );
    ensure_eq!(
        fd.contents(),
        Ok(expected),
        "contents after the writes without memory (a failed one must change nothing)"
    );
    // And with memory again, growing works.
    ensure_eq!(
        fd.pwrite(&[7; 3000], 5000),
        Ok(3000),
        "growing after the failures"
    );
    ensure_eq!(
        fd.contents().map(|c| c.len()),
        Ok(8000),
        "the size after growing"
    );
    Ok(())
}
