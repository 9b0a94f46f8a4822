// SPDX-License-Identifier: GPL-2.0

//! The module's parameters and life: how many devices, how big, refused values, unload and
//! reload, and no unload while a device is open.

use crate::case;
use crate::ktap::{Case, Suite, TestResult};
use crate::module::{self, Kmsg};
use crate::sys::Errno;
use crate::{ensure, ensure_eq};

pub fn suite() -> Suite {
    let cases: Vec<Case> = vec![
        case!(boot, boot_parameter_sets_the_number_of_devices),
        case!(last, default_is_one_device_of_one_mib),
        case!(last, parameters_are_shown_read_only_in_sysfs),
        case!(last, out_of_range_parameters_are_refused_with_one_log_line),
        case!(last, malformed_parameter_is_refused),
        case!(last, load_and_unload_are_logged_once_each),
        case!(last, unload_message_comes_after_the_devices_are_removed),
        case!(last, twenty_unload_reload_cycles_keep_working),
        case!(3, contents_are_gone_after_unload),
        case!(last, unload_is_refused_while_a_device_is_open),
        case!(last, open_files_hold_a_module_reference),
        case!(last, debug_messages_are_off_by_default),
        case!(last, dyndbg_parameter_turns_debug_messages_on),
        case!(last, dynamic_debug_control_turns_them_on_and_off),
    ];
    Suite {
        name: "vdev_lifecycle".to_string(),
        cases,
    }
}

/// The `vdev.devices=N` of the kernel command line, if there is one.
fn devices_on_command_line() -> Option<u32> {
    let cmdline = std::fs::read_to_string("/proc/cmdline").ok()?;
    cmdline
        .split_whitespace()
        .find_map(|word| word.strip_prefix("vdev.devices="))
        .and_then(|value| value.parse().ok())
}

/// Runs first, on the module as init loaded it at boot.
fn boot_parameter_sets_the_number_of_devices() -> TestResult {
    let expected = devices_on_command_line().unwrap_or(1);
    ensure_eq!(
        module::param("devices")?,
        expected.to_string(),
        "devices in sysfs"
    );
    module::ensure_nodes(expected, &format!("booted with vdev.devices={expected}"))?;
    Ok(())
}

fn default_is_one_device_of_one_mib() -> TestResult {
    module::reload("")?;
    ensure_eq!(module::param("devices")?, "1", "default devices");
    ensure_eq!(module::param("capacity")?, "1048576", "default capacity");
    module::ensure_nodes(1, "loaded without parameters")?;
    Ok(())
}

fn parameters_are_shown_read_only_in_sysfs() -> TestResult {
    module::reload("devices=3 capacity=5000")?;
    ensure_eq!(module::param("devices")?, "3", "devices");
    ensure_eq!(module::param("capacity")?, "5000", "capacity");
    module::ensure_nodes(3, "loaded with devices=3")?;
    for name in ["devices", "capacity"] {
        let path = format!("/sys/module/vdev/parameters/{name}");
        let mode = std::fs::metadata(&path).map_err(|err| format!("{path}: {err}"))?;
        use std::os::unix::fs::PermissionsExt;
        ensure_eq!(mode.permissions().mode() & 0o777, 0o444, "mode of {path}");
    }
    Ok(())
}

fn out_of_range_parameters_are_refused_with_one_log_line() -> TestResult {
    let cases = [
        ("devices", "0", "1 to 64"),
        ("devices", "65", "1 to 64"),
        ("capacity", "0", "1 to 16777216"),
        ("capacity", "16777217", "1 to 16777216"),
    ];
    for (name, value, range) in cases {
        module::ensure_unloaded()?;
        let mut kmsg = Kmsg::from_now()?;
        let result = module::load(&format!("{name}={value}"));
        ensure_eq!(
            result,
            Err(Errno(libc::EINVAL)),
            "loading with {name}={value}"
        );
        ensure!(!module::is_loaded(), "vdev is loaded with {name}={value}");
        let lines: Vec<String> = kmsg
            .new_lines()
            .into_iter()
            .filter(|line| line.starts_with("vdev:"))
            .collect();
        ensure_eq!(
            lines.len(),
            1,
            "log lines of vdev for {name}={value}: {lines:?}"
        );
        ensure!(
            lines[0].contains(&format!("{name}={value}")) && lines[0].contains(range),
            "the log line names neither the value {name}={value} nor the range {range}: {}",
            lines[0]
        );
    }
    Ok(())
}

fn malformed_parameter_is_refused() -> TestResult {
    module::ensure_unloaded()?;
    for params in ["devices=four", "devices=-1", "capacity=1M"] {
        ensure_eq!(
            module::load(params),
            Err(Errno(libc::EINVAL)),
            "loading with {params}"
        );
        ensure!(!module::is_loaded(), "vdev is loaded with {params}");
    }
    Ok(())
}

/// Whether `line` says `number` of something, as a word of its own.
fn names_number(line: &str, number: usize) -> bool {
    line.split(|c: char| !c.is_ascii_digit())
        .any(|word| word == number.to_string())
}

fn load_and_unload_are_logged_once_each() -> TestResult {
    // One line each, from the module ("vdev: "), that says how many devices and how big; in
    // words an attendee reads as English: "1 device", never "1 devices".
    for (devices, capacity) in [(2, 4096), (1, 8192)] {
        module::ensure_unloaded()?;
        let mut kmsg = Kmsg::from_now()?;
        module::reload(&format!("devices={devices} capacity={capacity}"))?;
        let loaded = kmsg.new_lines();
        ensure!(
            loaded.len() == 1
                && loaded[0].starts_with("vdev: ")
                && names_number(&loaded[0], devices)
                && names_number(&loaded[0], capacity),
            "loading with devices={devices} capacity={capacity} logged {loaded:?}: expected one line from vdev that names {devices} and {capacity}"
        );
        module::unload().map_err(|errno| format!("unload: {errno:?}"))?;
        let unloaded = kmsg.new_lines();
        ensure!(
            unloaded.len() == 1 && unloaded[0].starts_with("vdev: "),
            "unloading logged {unloaded:?}: expected one line from vdev"
        );
        for line in loaded.iter().chain(&unloaded) {
            ensure!(
                !line.contains(" 1 devices"),
                "\"{line}\": one device is \"1 device\""
            );
        }
    }
    module::reload("")?;
    Ok(())
}

/// Writes `query` to dynamic debug's control file (`+p` turns the matching `pr_debug` lines on,
/// `-p` off).
fn dynamic_debug(query: &str) -> Result<(), String> {
    std::fs::write("/proc/dynamic_debug/control", query)
        .map_err(|err| format!("writing '{query}' to /proc/dynamic_debug/control: {err}"))
}

fn unload_message_comes_after_the_devices_are_removed() -> TestResult {
    // The kernel's own debug line for each device's "remove" event (lib/kobject_uevent.c)
    // shows when the device goes; the module's message must say "removed" after that.
    module::reload("devices=2")?;
    dynamic_debug("file kobject_uevent.c func kobject_uevent_env +p")?;
    let mut kmsg = Kmsg::from_now()?;
    let unloaded = module::unload();
    let lines = kmsg.new_lines();
    dynamic_debug("file kobject_uevent.c func kobject_uevent_env -p")?;
    unloaded.map_err(|errno| format!("unload: {errno:?}"))?;
    let removed = |name: &str| {
        lines
            .iter()
            .position(|line| line.starts_with(&format!("kobject: '{name}' ")))
    };
    let message = lines.iter().position(|line| line.starts_with("vdev: "));
    let (Some(vdev0), Some(vdev1), Some(message)) = (removed("vdev0"), removed("vdev1"), message)
    else {
        let seen: Vec<&str> = ["vdev0", "vdev1"]
            .into_iter()
            .filter(|name| removed(name).is_some())
            .collect();
        return Err(format!(
            "rmmod vdev (loaded with devices=2) removed {}, and {} vdev: line.\n{}",
            if seen.is_empty() {
                "no device".to_string()
            } else {
                seen.join(" and ")
            },
            if message.is_some() {
                "logged a"
            } else {
                "logged no"
            },
            module::registering().lines().join("\n")
        )
        .into());
    };
    ensure!(
        message > vdev0 && message > vdev1,
        "vdev's unload message came before its devices were removed: {lines:?}"
    );
    module::reload("")?;
    Ok(())
}

fn twenty_unload_reload_cycles_keep_working() -> TestResult {
    for cycle in 0..20 {
        module::reload("devices=2 capacity=4096").map_err(|err| format!("cycle {cycle}: {err}"))?;
        module::ensure_nodes(2, &format!("loaded with devices=2, cycle {cycle}"))?;
        let text = format!("cycle {cycle}");
        let fd = module::open(1, libc::O_RDWR)?;
        ensure_eq!(
            fd.write(text.as_bytes()),
            Ok(text.len()),
            "write in cycle {cycle}"
        );
        ensure_eq!(
            fd.contents(),
            Ok(text.into_bytes()),
            "contents in cycle {cycle}"
        );
    }
    Ok(())
}

fn contents_are_gone_after_unload() -> TestResult {
    module::reload("")?;
    let fd = module::open(0, libc::O_WRONLY)?;
    ensure_eq!(fd.write(b"gone soon"), Ok(9), "write");
    drop(fd);
    module::reload("")?;
    let fd = module::open(0, libc::O_RDONLY)?;
    ensure_eq!(fd.contents(), Ok(Vec::new()), "contents after reload");
    Ok(())
}

fn unload_is_refused_while_a_device_is_open() -> TestResult {
    module::reload("devices=2")?;
    let fd = module::open(1, libc::O_RDWR)?;
    // The kernel refuses to unload a module in use with EWOULDBLOCK (EAGAIN): delete_module
    // cannot stop it while its reference count is not zero.
    ensure_eq!(
        module::unload(),
        Err(Errno(libc::EAGAIN)),
        "unloading with /dev/vdev1 open"
    );
    ensure!(
        module::is_loaded(),
        "vdev was unloaded with /dev/vdev1 open"
    );
    ensure_eq!(
        fd.write(b"still here"),
        Ok(10),
        "write after the refused unload"
    );
    ensure_eq!(
        fd.contents(),
        Ok(b"still here".to_vec()),
        "contents after the refused unload"
    );
    drop(fd);
    ensure_eq!(module::unload(), Ok(()), "unloading after closing");
    module::reload("")?;
    Ok(())
}

fn open_files_hold_a_module_reference() -> TestResult {
    module::reload("devices=2")?;
    ensure_eq!(module::refcount()?, 0, "references with no file open");
    let first = module::open(0, libc::O_RDONLY)?;
    let second = module::open(1, libc::O_RDONLY)?;
    ensure_eq!(module::refcount()?, 2, "references with two files open");
    drop(first);
    drop(second);
    ensure_eq!(module::refcount()?, 0, "references after closing both");
    Ok(())
}

/// Opens /dev/vdev0, writes five bytes to it and returns what vdev logged meanwhile: its
/// debug lines, in whatever words the driver chose (the contract asks for some, with the
/// module's `vdev: ` prefix, not for the reference driver's wording).
fn debug_lines_of_a_write() -> Result<Vec<String>, String> {
    let mut kmsg = Kmsg::from_now()?;
    let fd = module::open(0, libc::O_WRONLY)?;
    ensure_eq!(fd.write(b"debug"), Ok(5), "write");
    Ok(kmsg
        .new_lines()
        .into_iter()
        .filter(|line| line.starts_with("vdev: "))
        .collect())
}

fn debug_messages_are_off_by_default() -> TestResult {
    module::reload("")?;
    ensure_eq!(
        debug_lines_of_a_write()?,
        Vec::<String>::new(),
        "debug messages"
    );
    Ok(())
}

fn dyndbg_parameter_turns_debug_messages_on() -> TestResult {
    module::reload("dyndbg=+p")?;
    let lines = debug_lines_of_a_write()?;
    ensure!(
        !lines.is_empty(),
        "opening /dev/vdev0 and writing to it with dyndbg=+p logged no line from vdev: \
         expected its pr_debug! lines (one for the open, one for the write)"
    );
    module::reload("")?;
    Ok(())
}

fn dynamic_debug_control_turns_them_on_and_off() -> TestResult {
    module::reload("")?;
    dynamic_debug("module vdev +p")?;
    let lines = debug_lines_of_a_write()?;
    ensure!(
        !lines.is_empty(),
        "after 'module vdev +p', opening and writing logged no pr_debug! line from vdev"
    );
    dynamic_debug("module vdev -p")?;
    ensure_eq!(
        debug_lines_of_a_write()?.len(),
        0,
        "debug messages after -p"
    );
    Ok(())
}
