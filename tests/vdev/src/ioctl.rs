// SPDX-License-Identifier: GPL-2.0

//! The bonus step (checkpoint 6): vdev's ioctls, `VDEV_IOC_SIZE` and `VDEV_IOC_CLEAR`, and the
//! small program that calls them from the guest's shell (`vdev-ioctl`).

use crate::case;
use crate::ktap::{Case, Suite, TestResult};
use crate::module;
use crate::sys::{self, Fd};
use crate::trace::{slide, Advice, Traced};
use crate::vdev_ioctl::{VDEV_IOC_CLEAR, VDEV_IOC_SIZE};

/// The step that brings the ioctls.
const STEP: u32 = 6;

pub fn suite() -> Suite {
    let cases: Vec<Case> = vec![
        case!(STEP, ioctl_size_gives_how_many_bytes_the_device_holds),
        case!(STEP, ioctl_clear_empties_the_device_and_keeps_the_position),
        case!(STEP, ioctl_size_into_a_bad_pointer_fails_with_efault),
        case!(STEP, an_unknown_ioctl_fails_with_enotty),
        case!(STEP, vdev_ioctl_prints_the_size_and_clears),
    ];
    Suite {
        name: "vdev_ioctl".to_string(),
        cases,
    }
}

/// What the ioctls must do.
const IOCTL: Advice = Advice {
    must: "ioctl must write the size as a u64 to arg for VDEV_IOC_SIZE (EFAULT where it cannot), \
           empty the device for VDEV_IOC_CLEAR, and fail with ENOTTY otherwise.",
    slide: slide::IOCTL,
};

/// `ioctl(fd, cmd, arg)` on `raw`, written down in `fd`'s calls as `call` shows it.
fn ioctl(fd: &Traced<'_>, raw: &Fd, call: &str, cmd: u32, arg: usize) -> sys::SysResult<i32> {
    let done = raw.ioctl(cmd, arg);
    fd.happened(call, &crate::trace::result(&done));
    done
}

/// `ioctl(fd, VDEV_IOC_SIZE, &size)`, written down in `fd`'s calls with the size it gave.
fn size(fd: &Traced<'_>, raw: &Fd) -> sys::SysResult<i32> {
    let mut size: u64 = u64::MAX;
    let done = raw.ioctl(VDEV_IOC_SIZE, &mut size as *mut u64 as usize);
    let result = match done {
        Ok(value) => format!("{value}, size = {size}"),
        Err(_) => crate::trace::result(&done),
    };
    fd.happened("ioctl(fd, VDEV_IOC_SIZE, &size)", &result);
    done
}

fn ioctl_size_gives_how_many_bytes_the_device_holds() -> TestResult {
    module::reload("devices=1 capacity=4096")?;
    let raw = module::open(0, libc::O_RDWR)?;
    let fd = Traced::new(&raw);
    fd.expect(size(&fd, &raw), "0, size = 0", IOCTL)?;
    fd.expect(fd.write(b"hello, world"), "12", IOCTL)?;
    fd.expect(size(&fd, &raw), "0, size = 12", IOCTL)?;
    fd.expect(fd.pwrite(b"!", 99), "1", IOCTL)?;
    fd.expect(size(&fd, &raw), "0, size = 100", IOCTL)?;
    Ok(())
}

fn ioctl_clear_empties_the_device_and_keeps_the_position() -> TestResult {
    module::reload("devices=1 capacity=4096")?;
    let raw = module::open(0, libc::O_RDWR)?;
    let fd = Traced::new(&raw);
    fd.expect(fd.write(b"hello"), "5", IOCTL)?;
    let done = ioctl(&fd, &raw, "ioctl(fd, VDEV_IOC_CLEAR, 0)", VDEV_IOC_CLEAR, 0);
    fd.expect(done, "0", IOCTL)?;
    fd.expect(fd.contents(), "nothing", IOCTL)?;
    // Like ftruncate(fd, 0): the position stays where it was, and a write there leaves a hole.
    fd.expect(fd.write(b"x"), "1", IOCTL)?;
    fd.expect(fd.contents(), "6 bytes: 5 zeros, \"x\"", IOCTL)?;
    Ok(())
}

fn ioctl_size_into_a_bad_pointer_fails_with_efault() -> TestResult {
    module::reload("devices=1 capacity=4096")?;
    let raw = module::open(0, libc::O_RDWR)?;
    let fd = Traced::new(&raw);
    let call = "ioctl(fd, VDEV_IOC_SIZE, (void *)8)";
    let done = ioctl(&fd, &raw, call, VDEV_IOC_SIZE, sys::BAD_POINTER);
    fd.expect(done, "-1 EFAULT", IOCTL)?;
    Ok(())
}

fn an_unknown_ioctl_fails_with_enotty() -> TestResult {
    module::reload("devices=1 capacity=4096")?;
    let raw = module::open(0, libc::O_RDWR)?;
    let fd = Traced::new(&raw);
    // _IO('v', 0x4f), and TCGETS, which a shell's isatty() sends.
    for (cmd, name) in [(0x764f, "_IO('v', 0x4f)"), (0x5401, "TCGETS")] {
        let done = ioctl(&fd, &raw, &format!("ioctl(fd, {name}, 0)"), cmd, 0);
        fd.expect(done, "-1 ENOTTY", IOCTL)?;
    }
    Ok(())
}

fn vdev_ioctl_prints_the_size_and_clears() -> TestResult {
    module::reload("devices=1 capacity=4096")?;
    let program = std::env::current_exe()
        .map_err(|err| format!("where am I: {err}"))?
        .with_file_name("vdev-ioctl");
    let run = |command: &str| -> Result<String, String> {
        let out = std::process::Command::new(&program)
            .args([module::dev(0).as_str(), command])
            .output()
            .map_err(|err| format!("{}: {err}", program.display()))?;
        if !out.status.success() {
            return Err(format!(
                "vdev-ioctl /dev/vdev0 {command} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let fd = module::open(0, libc::O_WRONLY)?;
    crate::ensure_eq!(fd.write(b"hello\n"), Ok(6), "echo hello > /dev/vdev0");
    crate::ensure_eq!(run("size")?, "6", "vdev-ioctl /dev/vdev0 size");
    crate::ensure_eq!(run("clear")?, "", "vdev-ioctl /dev/vdev0 clear");
    crate::ensure_eq!(run("size")?, "0", "vdev-ioctl /dev/vdev0 size after clear");
    Ok(())
}
