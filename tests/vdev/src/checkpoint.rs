// SPDX-License-Identifier: GPL-2.0

//! The workshop's checkpoints (checkpoints/ in the kit): which test belongs to which step, and
//! the tests of the first steps, which every later step, and the finished vdev, pass as well.
//!
//! 1. hello: the module logs a line when loaded and one when unloaded;
//! 2. one misc device, `/dev/vdev0`, that opens and closes;
//! 3. read and write at the file position;
//! 4. lseek, `O_TRUNC` and `O_APPEND`;
//! 5. the parameters and several devices: the finished driver;
//! 6. the bonus: two ioctls, which only checkpoint 6 has.
//!
//! Every test is registered with the step from which it applies ([`case!`](crate::case)). With
//! `--step N`, vdev-tests runs the tests of steps 1 to N only, on the module given with
//! `--module`. Before step 5 the module takes no parameters, so [`module::reload`] loads it
//! without any.

use crate::case;
use crate::ktap::{Case, Suite, TestResult};
use crate::module::{self, Kmsg};
use crate::sys::Errno;
use crate::{ensure, ensure_eq};

/// The last step: the finished driver, which every test applies to.
pub const LAST: u32 = 5;

/// The bonus step: ioctl, which only its checkpoint has (the finished driver is step 5's).
pub const BONUS: u32 = 6;

/// What each step brings, as its tests' suite is named (`step1_hello`, ...).
pub const STEPS: [&str; BONUS as usize] = [
    "hello",
    "a_misc_device",
    "read_and_write",
    "like_a_regular_file",
    "parameters_and_several_devices",
    "ioctl",
];

/// The names of the tests that a step has, of every suite.
#[cfg(test)]
pub fn names_of_every_step() -> Vec<&'static str> {
    crate::all_suites()
        .into_iter()
        .flat_map(|suite| suite.cases)
        .filter(|case| case.step.is_some())
        .map(|case| case.name)
        .collect()
}

pub fn suite() -> Suite {
    let cases: Vec<Case> = vec![
        case!(1, loading_and_unloading_each_log_one_line),
        case!(2, device_node_exists_only_while_the_module_is_loaded),
        case!(2, device_opens_and_closes_many_times),
        case!(2, module_stays_loaded_while_the_device_is_open),
        case!(3, writes_are_kept_and_holes_read_as_zeros),
    ];
    Suite {
        name: "vdev_checkpoint".to_string(),
        cases,
    }
}

fn loading_and_unloading_each_log_one_line() -> TestResult {
    module::ensure_unloaded()?;
    let mut kmsg = Kmsg::from_now()?;
    module::reload("")?;
    // The kernel says once per boot that a module from outside the tree taints it: that line
    // is not the module's.
    let loaded: Vec<String> = kmsg
        .new_lines()
        .into_iter()
        .filter(|line| !line.ends_with("loading out-of-tree module taints kernel."))
        .collect();
    ensure!(
        loaded.len() == 1 && loaded[0].starts_with("vdev: "),
        "loading logged {loaded:?}: expected one line, from pr_info! (\"vdev: ...\")"
    );
    module::unload().map_err(|errno| format!("unloading: {errno:?}"))?;
    let unloaded = kmsg.new_lines();
    ensure!(
        unloaded.len() == 1 && unloaded[0].starts_with("vdev: "),
        "unloading logged {unloaded:?}: expected one line, from the module's drop()"
    );
    Ok(())
}

fn device_node_exists_only_while_the_module_is_loaded() -> TestResult {
    module::reload("")?;
    ensure!(
        module::is_char_device(&module::dev(0)),
        "with vdev loaded, /dev/vdev0 is not a character device"
    );
    ensure_eq!(module::nodes(4), vec![0], "device nodes with vdev loaded");
    module::unload().map_err(|errno| format!("unloading: {errno:?}"))?;
    ensure_eq!(
        module::nodes(4),
        Vec::<u32>::new(),
        "device nodes after unloading"
    );
    module::reload("")?;
    Ok(())
}

fn device_opens_and_closes_many_times() -> TestResult {
    module::reload("")?;
    for round in 0..100 {
        let reader =
            module::open(0, libc::O_RDONLY).map_err(|err| format!("round {round}: {err}"))?;
        let writer =
            module::open(0, libc::O_WRONLY).map_err(|err| format!("round {round}: {err}"))?;
        drop((reader, writer));
    }
    ensure_eq!(module::refcount()?, 0, "references after closing them all");
    Ok(())
}

fn module_stays_loaded_while_the_device_is_open() -> TestResult {
    module::reload("")?;
    let fd = module::open(0, libc::O_RDONLY)?;
    // The kernel refuses to unload a module in use with EWOULDBLOCK (EAGAIN).
    ensure_eq!(
        module::unload(),
        Err(Errno(libc::EAGAIN)),
        "unloading with /dev/vdev0 open (the file operations must name the module as owner)"
    );
    ensure!(
        module::is_loaded(),
        "vdev was unloaded with /dev/vdev0 open"
    );
    drop(fd);
    ensure_eq!(module::unload(), Ok(()), "unloading after closing");
    module::reload("")?;
    Ok(())
}

fn writes_are_kept_and_holes_read_as_zeros() -> TestResult {
    module::reload("")?;
    let writer = module::open(0, libc::O_WRONLY)?;
    ensure_eq!(writer.write(b"ab"), Ok(2), "write of 'ab'");
    ensure_eq!(writer.pwrite(b"cd", 10), Ok(2), "pwrite of 'cd' at 10");
    drop(writer);
    let reader = module::open(0, libc::O_RDONLY)?;
    let mut buf = [0xffu8; 64];
    ensure_eq!(reader.read(&mut buf), Ok(12), "read from a new file");
    ensure_eq!(
        &buf[..12],
        b"ab\0\0\0\0\0\0\0\0cd",
        "what it reads (the hole must read as zeros)"
    );
    ensure_eq!(reader.read(&mut buf), Ok(0), "read at the end");
    Ok(())
}
