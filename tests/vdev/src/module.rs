// SPDX-License-Identifier: GPL-2.0

//! Loading and unloading vdev, its parameters in sysfs, and the kernel log.

use crate::checkpoint;
use crate::sys::{self, Errno, Fd, SysResult};
use crate::trace::{slide, Advice};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// The module's name.
pub const NAME: &str = "vdev";

/// The path of device number `index`.
pub fn dev(index: u32) -> String {
    format!("/dev/vdev{index}")
}

/// Opens device number `index` with `flags`, checking that it is a misc character device (see
/// [`sys::open_device`]): a test must fail, not pass on a regular file, where the device is
/// missing.
pub fn open(index: u32, flags: i32) -> Result<Fd, String> {
    sys::open_device(&dev(index), flags).map_err(|why| {
        if why.contains("does not exist") {
            format!("{why}.\n{}", registering().lines().join("\n"))
        } else {
            why
        }
    })
}

/// What a driver whose devices are missing must do: at step 5, register as many as `devices`
/// says; before it, the one.
pub fn registering() -> Advice {
    if step() < checkpoint::LAST {
        Advice {
            must: "init must register the misc device vdev0 and keep the registration in the \
                   module.",
            slide: slide::REGISTER,
        }
    } else {
        Advice {
            must: "init must register `devices` misc devices, vdev0 to vdev<devices - 1>.",
            slide: slide::DEVICES,
        }
    }
}

/// Fails unless the device nodes are /dev/vdev0 to /dev/vdev{count - 1}, as after loading with
/// `devices={count}` (`when` says when), saying what to do.
pub fn ensure_nodes(count: u32, when: &str) -> Result<(), String> {
    let (found, wanted): (Vec<u32>, Vec<u32>) = (nodes(65), (0..count).collect());
    if found == wanted {
        return Ok(());
    }
    let shown = |nodes: &[u32]| match nodes {
        [] => "none".to_string(),
        [one] => dev(*one),
        [first, .., last] => format!("{} to {}", dev(*first), dev(*last)),
    };
    Err(format!(
        "{when}: found {}, not {}.\n{}",
        shown(&found),
        shown(&wanted),
        registering().lines().join("\n")
    ))
}

/// Whether `path` is a character device.
pub fn is_char_device(path: &str) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path)
        .map(|meta| meta.file_type().is_char_device())
        .unwrap_or(false)
}

/// The module file that `--module` chose, if any.
static MODULE_FILE: OnceLock<String> = OnceLock::new();

/// The checkpoint the module is at (`--step`): the finished driver unless told otherwise.
static STEP: AtomicU32 = AtomicU32::new(checkpoint::LAST);

/// Tests the module in `file` instead of the installed vdev, as a driver at checkpoint `step`.
pub fn use_checkpoint(file: String, step: u32) {
    let _ = MODULE_FILE.set(file);
    STEP.store(step, Ordering::Relaxed);
}

/// The module file: the one `--module` chose, or the installed vdev, where init's modprobe found
/// it.
pub fn ko_path() -> String {
    if let Some(file) = MODULE_FILE.get() {
        return file.clone();
    }
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "/lib/modules/{}/kernel/samples/rust/vdev.ko",
        release.trim()
    )
}

/// Whether vdev is a loaded module (not built in).
pub fn is_loaded() -> bool {
    std::fs::read_to_string("/proc/modules")
        .map(|modules| modules.lines().any(|line| line.starts_with("vdev ")))
        .unwrap_or(false)
}

/// Loads vdev with `params`.
pub fn load(params: &str) -> SysResult<()> {
    sys::finit_module(&ko_path(), params)
}

/// Unloads vdev.
pub fn unload() -> SysResult<()> {
    sys::delete_module(NAME)
}

/// Unloads vdev if it is loaded.
pub fn ensure_unloaded() -> Result<(), String> {
    if is_loaded() {
        unload().map_err(|errno| format!("unloading vdev failed: {errno:?}"))?;
    }
    Ok(())
}

/// Loads vdev afresh with `params`, unloading it first if it is loaded: every device starts
/// empty. A driver at a checkpoint before the last has no parameters yet, and is loaded without.
pub fn reload(params: &str) -> Result<(), String> {
    ensure_unloaded()?;
    let params = if step() < checkpoint::LAST {
        ""
    } else {
        params
    };
    load(params).map_err(|errno| format!("loading vdev with '{params}' failed: {errno:?}"))
}

/// The checkpoint the module is at: 1 to 5.
pub fn step() -> u32 {
    STEP.load(Ordering::Relaxed)
}

/// The capacity of each device after [`reload`] with `capacity={asked}`: what was asked for,
/// from step 5, which brings the parameter; before it, the fixed 1 MiB of the slides'
/// `CAPACITY`.
pub fn capacity(asked: i64) -> i64 {
    if step() < checkpoint::LAST {
        1 << 20
    } else {
        asked
    }
}

/// The value of a parameter, as sysfs shows it.
pub fn param(name: &str) -> Result<String, String> {
    let path = format!("/sys/module/vdev/parameters/{name}");
    std::fs::read_to_string(&path)
        .map(|value| value.trim().to_string())
        .map_err(|err| format!("{path}: {err}"))
}

/// The module's reference count: how many open files hold it.
pub fn refcount() -> Result<u32, String> {
    let text = std::fs::read_to_string("/sys/module/vdev/refcnt").map_err(|err| err.to_string())?;
    text.trim()
        .parse()
        .map_err(|err| format!("refcnt '{text}': {err}"))
}

/// Which device nodes exist as character devices, among /dev/vdev0 to /dev/vdev{limit - 1}.
pub fn nodes(limit: u32) -> Vec<u32> {
    (0..limit)
        .filter(|index| is_char_device(&dev(*index)))
        .collect()
}

/// A reader of what the kernel logs from now on (/dev/kmsg).
pub struct Kmsg(Fd);

impl Kmsg {
    /// Starts reading at the end of the log: only messages logged after this are returned.
    pub fn from_now() -> Result<Kmsg, String> {
        let fd = sys::open("/dev/kmsg", libc::O_RDONLY | libc::O_NONBLOCK)
            .map_err(|errno| format!("/dev/kmsg: {errno:?}"))?;
        fd.lseek(0, libc::SEEK_END)
            .map_err(|errno| format!("seeking /dev/kmsg: {errno:?}"))?;
        Ok(Kmsg(fd))
    }

    /// The messages logged since the last call, without their prefix.
    pub fn new_lines(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        let mut record = vec![0; 8192];
        loop {
            match self.0.read(&mut record) {
                Ok(len) => {
                    let text = String::from_utf8_lossy(&record[..len]);
                    // "priority,sequence,time,flags;message\n" and continuation lines.
                    if let Some((_, message)) = text.split_once(';') {
                        if let Some(first) = message.lines().next() {
                            lines.push(first.to_string());
                        }
                    }
                }
                // EPIPE: records were overwritten; keep reading what is left.
                Err(Errno(libc::EPIPE)) => continue,
                Err(_) => return lines,
            }
        }
    }
}
