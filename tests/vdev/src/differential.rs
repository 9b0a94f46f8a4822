// SPDX-License-Identifier: GPL-2.0

//! The same random sequence of system calls on several files of a vdev device and of a tmpfs
//! file must give the same results and leave the same bytes. The sequence comes from a seed,
//! printed with each test, so that a failure can be replayed:
//!
//!     vdev-tests --seed 0x1234 --only vdev_differential

use crate::case;
use crate::ktap::{self, Case, Suite, TestResult};
use crate::module;
use crate::sys::{self, Errno, Fd};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// The seed of the sequences (each device gets its own, derived from it), and how many calls
/// each makes; set from the command line.
pub static SEED: AtomicU64 = AtomicU64::new(0);
pub static CALLS: AtomicUsize = AtomicUsize::new(10_000);

/// The devices the suite drives, each with its own sequence.
const DEVICES: u32 = 4;

pub fn suite() -> Suite {
    let cases: Vec<Case> = vec![
        case!(last, "random_calls_on_vdev0_match_tmpfs", || device(0)),
        case!(last, "random_calls_on_vdev1_match_tmpfs", || device(1)),
        case!(last, "random_calls_on_vdev2_match_tmpfs", || device(2)),
        case!(last, "random_calls_on_vdev3_match_tmpfs", || device(3)),
    ];
    Suite {
        name: "vdev_differential".to_string(),
        cases,
    }
}

/// SplitMix64: small, fast, and the same sequence everywhere for a seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..high`.
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % (high - low) as u64) as i64
    }
}

/// The ways a file is (re)opened in the sequence.
const OPEN_FLAGS: [i32; 6] = [
    libc::O_RDWR,
    libc::O_RDWR | libc::O_APPEND,
    libc::O_RDONLY,
    libc::O_WRONLY,
    libc::O_RDWR | libc::O_TRUNC,
    libc::O_WRONLY | libc::O_APPEND,
];

/// Files per side.
const FILES: usize = 3;

/// Positions and offsets stay well below the device's capacity (1 MiB): near it a device and
/// a tmpfs file differ on purpose (ENOSPC), which other tests check.
const FAR: i64 = 300_000;
const LARGEST_SIZE: u64 = 512 * 1024;
const LARGEST_WRITE: i64 = 4096;

/// What one call gave: its result, and the bytes it read.
#[derive(Debug, PartialEq)]
struct Outcome {
    result: Result<i64, Errno>,
    data: Vec<u8>,
}

/// One call of the sequence.
#[derive(Debug, Clone)]
enum Call {
    Write {
        file: usize,
        len: usize,
    },
    Read {
        file: usize,
        len: usize,
    },
    Pwrite {
        file: usize,
        offset: i64,
        len: usize,
    },
    Pread {
        file: usize,
        offset: i64,
        len: usize,
    },
    Lseek {
        file: usize,
        offset: i64,
        whence: i32,
    },
    Reopen {
        file: usize,
        flags: i32,
    },
    /// A write (at the position, or at an offset) from a pointer to no memory: EFAULT, and
    /// nothing changes.
    WriteFromBadPointer {
        file: usize,
        offset: Option<i64>,
        len: usize,
    },
    /// A read (at the position, or at an offset) into a pointer to no memory.
    ReadToBadPointer {
        file: usize,
        offset: Option<i64>,
        len: usize,
    },
    /// A write of `len` bytes whose buffer ends after `good` of them: a short write.
    WriteAcrossAGuardPage {
        file: usize,
        offset: Option<i64>,
        good: usize,
        len: usize,
    },
}

fn random_call(rng: &mut Rng) -> Call {
    let file = rng.range(0, FILES as i64) as usize;
    // One call in twenty is of length zero.
    let len = if rng.range(0, 20) == 0 {
        0
    } else {
        rng.range(1, LARGEST_WRITE + 1) as usize
    };
    match rng.range(0, 100) {
        0..=24 => Call::Write { file, len },
        25..=44 => Call::Read { file, len },
        45..=59 => Call::Pwrite {
            file,
            offset: rng.range(0, FAR),
            len,
        },
        60..=74 => Call::Pread {
            file,
            offset: rng.range(-2, FAR),
            len,
        },
        93..=94 => {
            let offset = match rng.range(0, 2) {
                0 => None,
                _ => Some(rng.range(0, FAR)),
            };
            match rng.range(0, 3) {
                0 => Call::WriteFromBadPointer { file, offset, len },
                1 => Call::ReadToBadPointer { file, offset, len },
                _ => {
                    let good = rng.range(1, LARGEST_WRITE + 1) as usize;
                    Call::WriteAcrossAGuardPage {
                        file,
                        offset,
                        good,
                        len: good + rng.range(1, LARGEST_WRITE + 1) as usize,
                    }
                }
            }
        }
        75..=92 => {
            let (whence, offset) = match rng.range(0, 3) {
                0 => (libc::SEEK_SET, rng.range(-10, FAR)),
                1 => (libc::SEEK_CUR, rng.range(-5000, 5000)),
                _ => (libc::SEEK_END, rng.range(-5000, FAR)),
            };
            Call::Lseek {
                file,
                offset,
                whence,
            }
        }
        _ => Call::Reopen {
            file,
            flags: OPEN_FLAGS[rng.range(0, OPEN_FLAGS.len() as i64) as usize],
        },
    }
}

/// One side of the comparison: a path and its open files.
struct Side {
    path: String,
    files: Vec<Option<Fd>>,
    /// The tmpfs side: where tmpfs breaks vdev's contract (a write that fails with EFAULT past
    /// the end grows a tmpfs file on some kernels, 7.2 among them), it is put back as the
    /// contract says, and counted.
    model: bool,
    contract_breaks: usize,
}

impl Side {
    fn open(path: String, model: bool) -> Result<Side, String> {
        let mut files = Vec::new();
        for flags in [libc::O_RDWR, libc::O_RDWR | libc::O_APPEND, libc::O_RDONLY] {
            files.push(Some(
                sys::open(&path, flags).map_err(|errno| format!("{path}: {errno:?}"))?,
            ));
        }
        Ok(Side {
            path,
            files,
            model,
            contract_breaks: 0,
        })
    }

    fn position(&self, file: usize) -> Option<i64> {
        self.files[file]
            .as_ref()
            .and_then(|fd| fd.lseek(0, libc::SEEK_CUR).ok())
    }

    /// Runs a write that may fault: on the model, a failed write that changed the size is
    /// undone, as the contract has it ("a failed call leaves the contents and the length as
    /// they were"), and counted.
    fn faulting_write(
        &mut self,
        file: usize,
        write: impl Fn(&Fd) -> sys::SysResult<usize>,
    ) -> Outcome {
        let fd = self.files[file]
            .as_ref()
            .expect("files are reopened before use");
        let size = fd.size();
        let result = write(fd);
        if self.model && result.is_err() {
            if let Ok(size) = size {
                if fd.size() != Ok(size) {
                    let _ = fd.set_size(size);
                    self.contract_breaks += 1;
                }
            }
        }
        Outcome {
            result: result.map(|count| count as i64),
            data: Vec::new(),
        }
    }

    fn run(&mut self, call: &Call, data: &[u8]) -> Outcome {
        let count = |result: sys::SysResult<usize>| result.map(|count| count as i64);
        let no_data = |result| Outcome {
            result,
            data: Vec::new(),
        };
        match *call {
            Call::Reopen { file, flags } => {
                self.files[file] = None;
                match sys::open(&self.path, flags) {
                    Ok(fd) => {
                        self.files[file] = Some(fd);
                        no_data(Ok(0))
                    }
                    Err(errno) => no_data(Err(errno)),
                }
            }
            Call::Write { file, len } => {
                let fd = self.files[file]
                    .as_ref()
                    .expect("files are reopened before use");
                no_data(count(fd.write(&data[..len])))
            }
            Call::Pwrite { file, offset, len } => {
                let fd = self.files[file]
                    .as_ref()
                    .expect("files are reopened before use");
                no_data(count(fd.pwrite(&data[..len], offset)))
            }
            Call::Read { file, len } => {
                let fd = self.files[file]
                    .as_ref()
                    .expect("files are reopened before use");
                let mut buf = vec![0; len];
                let result = fd.read(&mut buf);
                buf.truncate(*result.as_ref().unwrap_or(&0));
                Outcome {
                    result: count(result),
                    data: buf,
                }
            }
            Call::Pread { file, offset, len } => {
                let fd = self.files[file]
                    .as_ref()
                    .expect("files are reopened before use");
                let mut buf = vec![0; len];
                let result = fd.pread(&mut buf, offset);
                buf.truncate(*result.as_ref().unwrap_or(&0));
                Outcome {
                    result: count(result),
                    data: buf,
                }
            }
            Call::Lseek {
                file,
                offset,
                whence,
            } => {
                let fd = self.files[file]
                    .as_ref()
                    .expect("files are reopened before use");
                no_data(fd.lseek(offset, whence))
            }
            Call::WriteFromBadPointer { file, offset, len } => self.faulting_write(file, |fd| {
                fd.write_from_address(sys::BAD_POINTER, len, offset)
            }),
            Call::ReadToBadPointer { file, offset, len } => {
                let fd = self.files[file]
                    .as_ref()
                    .expect("files are reopened before use");
                no_data(count(fd.read_to_address(sys::BAD_POINTER, len, offset)))
            }
            Call::WriteAcrossAGuardPage {
                file,
                offset,
                good,
                len,
            } => {
                let buffer = sys::EdgeBuffer::new(&data[..good]);
                self.faulting_write(file, |fd| {
                    fd.write_from_address(buffer.ptr() as usize, len, offset)
                })
            }
        }
    }
}

/// The call the model makes after the device made `call` and gave `on_device`.
///
/// `copy_from_user` may stop short of a fault: how many of the readable bytes before a guard
/// page a write takes depends on the architecture's copy routine (arm64's stops up to a few
/// dozen bytes early, tmpfs's retry takes them all). A write across a guard page that took
/// `n` of its `good` bytes is therefore the write of those `n` bytes, and one that took none
/// is a write from a bad pointer; returning 0, or more than `good`, is a bug, which the model's
/// own result then shows.
fn as_the_device_took_it(call: &Call, on_device: &Outcome) -> Call {
    match (call, &on_device.result) {
        (
            &Call::WriteAcrossAGuardPage {
                file, offset, good, ..
            },
            &Ok(taken),
        ) if taken > 0 && taken as usize <= good => match offset {
            Some(offset) => Call::Pwrite {
                file,
                offset,
                len: taken as usize,
            },
            None => Call::Write {
                file,
                len: taken as usize,
            },
        },
        (
            &Call::WriteAcrossAGuardPage {
                file, offset, len, ..
            },
            &Err(errno),
        ) if errno == Errno(libc::EFAULT) => Call::WriteFromBadPointer { file, offset, len },
        _ => call.clone(),
    }
}

/// The seed of device `index`'s sequence in a run from `seed`.
pub fn device_seed(seed: u64, index: u32) -> u64 {
    seed ^ u64::from(index).wrapping_mul(0x1000_0000_01b3)
}

fn device(index: u32) -> TestResult {
    let seed = device_seed(SEED.load(Ordering::Relaxed), index);
    let calls = CALLS.load(Ordering::Relaxed);
    if index == 0 {
        module::reload(&format!("devices={DEVICES}"))?;
    }
    // The seed, to replay a failure, once there is a device to fail.
    module::open(index, libc::O_RDONLY)?;
    ktap::diag(&format!(
        "vdev{index}: {calls} calls from seed {seed:#x}; replay all devices with: vdev-tests --seed {:#x} --only vdev_differential",
        SEED.load(Ordering::Relaxed)
    ));
    Ok(run_sequence(index, seed, calls)?)
}

/// Runs `calls` random calls from `seed` on /dev/vdev{index} and on a tmpfs file of its own,
/// and fails at the first call whose results differ, or if the bytes differ at the end. Both
/// start empty. vdev must be loaded with more than `index` devices of 1 MiB.
pub fn run_sequence(index: u32, seed: u64, calls: usize) -> Result<(), String> {
    let model_path = format!("/tmp/vdev-differential-{index}");
    sys::open(&model_path, libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC)
        .map_err(|errno| format!("{model_path}: {errno:?}"))?;
    // The device is never created: it must be the driver's, or the test compares tmpfs with
    // tmpfs.
    module::open(index, libc::O_WRONLY | libc::O_TRUNC)?;
    let mut device = Side::open(module::dev(index), false)?;
    let mut model = Side::open(model_path.clone(), true)?;
    let mut rng = Rng::new(seed);
    let mut data = vec![0u8; LARGEST_WRITE as usize];
    let (mut stopped_short, mut most_short) = (0, 0);

    for number in 0..calls {
        let mut call = random_call(&mut rng);
        // Keep every file open, and the sizes and positions far from the capacity.
        match call {
            Call::Write { file, .. }
            | Call::Read { file, .. }
            | Call::Pwrite { file, .. }
            | Call::Pread { file, .. }
            | Call::Lseek { file, .. }
            | Call::WriteFromBadPointer { file, .. }
            | Call::ReadToBadPointer { file, .. }
            | Call::WriteAcrossAGuardPage { file, .. }
                if device.files[file].is_none() =>
            {
                call = Call::Reopen {
                    file,
                    flags: libc::O_RDWR,
                };
            }
            Call::Write { file, .. }
            | Call::Pwrite { file, .. }
            | Call::WriteAcrossAGuardPage { file, .. } => {
                let size = std::fs::metadata(&model_path)
                    .map(|meta| meta.len())
                    .unwrap_or(0);
                if size > LARGEST_SIZE {
                    call = Call::Reopen {
                        file,
                        flags: libc::O_RDWR | libc::O_TRUNC,
                    };
                } else if model.position(file).unwrap_or(0) > 2 * FAR {
                    call = Call::Lseek {
                        file,
                        offset: 0,
                        whence: libc::SEEK_SET,
                    };
                }
            }
            _ => {}
        }
        for byte in data.iter_mut() {
            *byte = rng.next() as u8;
        }
        let on_device = device.run(&call, &data);
        let on_model = model.run(&as_the_device_took_it(&call, &on_device), &data);
        if let Call::WriteAcrossAGuardPage { good, .. } = call {
            if let Ok(taken) = on_device.result {
                if (taken as usize) < good {
                    stopped_short += 1;
                    most_short = most_short.max(good - taken as usize);
                }
            }
        }
        if on_device != on_model {
            let brief = |outcome: &Outcome| {
                format!(
                    "{:?} with {} bytes read",
                    outcome.result,
                    outcome.data.len()
                )
            };
            let bytes = if on_device.result == on_model.result {
                " (the bytes read differ)"
            } else {
                ""
            };
            return Err(format!(
                "call {number} of seed {seed:#x}, {call:?}: vdev{index} gave {}, tmpfs gave {}{bytes}",
                brief(&on_device),
                brief(&on_model)
            ));
        }
    }
    let read_all = |side: &Side| -> Result<Vec<u8>, String> {
        let fd = sys::open(&side.path, libc::O_RDONLY)
            .map_err(|errno| format!("{}: {errno:?}", side.path))?;
        fd.contents()
            .map_err(|errno| format!("{}: {errno:?}", side.path))
    };
    let (on_device, on_model) = (read_all(&device)?, read_all(&model)?);
    if on_device != on_model {
        let first = on_device.iter().zip(&on_model).position(|(a, b)| a != b);
        return Err(format!(
            "after {calls} calls of seed {seed:#x}: vdev{index} holds {} bytes, tmpfs {}; first difference at {first:?}",
            on_device.len(),
            on_model.len()
        ));
    }
    if stopped_short > 0 {
        ktap::diag(&format!(
            "vdev{index}: {stopped_short} writes across a guard page stopped short of it, by up to {most_short} bytes (copy_from_user may; arm64's does); tmpfs was given the same bytes"
        ));
    }
    if model.contract_breaks > 0 {
        ktap::diag(&format!(
            "vdev{index}: tmpfs changed its size in {} writes that failed with EFAULT; vdev is held to the contract (nothing changes), and tmpfs was put back each time",
            model.contract_breaks
        ));
    }
    drop(device);
    let _ = std::fs::remove_file(&model_path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn across(offset: Option<i64>) -> Call {
        Call::WriteAcrossAGuardPage {
            file: 1,
            offset,
            good: 120,
            len: 200,
        }
    }

    fn gave(result: Result<i64, Errno>) -> Outcome {
        Outcome {
            result,
            data: Vec::new(),
        }
    }

    #[test]
    fn a_write_that_stopped_short_of_the_fault_is_the_write_of_what_it_took() {
        let model = as_the_device_took_it(&across(Some(7)), &gave(Ok(72)));
        assert!(matches!(
            model,
            Call::Pwrite {
                file: 1,
                offset: 7,
                len: 72
            }
        ));
        let model = as_the_device_took_it(&across(None), &gave(Ok(120)));
        assert!(matches!(model, Call::Write { file: 1, len: 120 }));
    }

    #[test]
    fn a_write_that_took_nothing_is_a_write_from_a_bad_pointer() {
        let model = as_the_device_took_it(&across(None), &gave(Err(Errno(libc::EFAULT))));
        assert!(matches!(
            model,
            Call::WriteFromBadPointer {
                file: 1,
                offset: None,
                len: 200
            }
        ));
    }

    #[test]
    fn zero_too_many_bytes_or_another_error_leave_the_call_as_it_was() {
        for result in [Ok(0), Ok(121), Err(Errno(libc::ENOSPC))] {
            let model = as_the_device_took_it(&across(Some(3)), &gave(result));
            assert!(
                matches!(model, Call::WriteAcrossAGuardPage { good: 120, .. }),
                "{result:?}"
            );
        }
    }
}
