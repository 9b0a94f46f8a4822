// SPDX-License-Identifier: GPL-2.0

//! The benchmark of vdev, run in the guest by `scripts/bench`: vdev against its C twin
//! (vdev_c), a tmpfs file and the ceiling (`/dev/zero` read, `/dev/null` written), in one boot.
//!
//! Usage: vdev-bench [--reps N] [--mib N]
//!
//! - `--reps N`: repetitions of every measurement (5), after one more that warms up QEMU's
//!   code cache and is not reported; the targets take turns within each repetition, so that a
//!   slow moment of the host hits all of them alike.
//! - `--mib N`: how big the files are, in MiB (8); each sequential sample moves 32 MiB.
//!
//! It prints one line per sample, for the host to turn into medians, spreads and ratios:
//!
//! ```text
//! BENCH <group> <target> <parameter> <repetition> <value> <unit>
//! ```
//!
//! Groups: `read` and `write` (sequential, MB/s, by block size), `pread` (single-byte pread,
//! ns per call), `parallel-read` and `parallel-write` (two devices, one thread pinned on each
//! CPU, MB/s in all, 64 KiB blocks), `size` (fill an empty device with 64 KiB writes and read
//! it back, MB/s, by device size) and, by number of devices, `load` (ms to load the module),
//! `unload` (ms) and `open` (open, pread a byte, close, ns, round robin over all devices).

// Every unsafe block says why it is sound, as in the kernel (which turns the same lint on).
#![deny(clippy::undocumented_unsafe_blocks)]

#[allow(dead_code)]
#[path = "../sys.rs"]
mod sys;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use sys::Fd;

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
/// The capacity the devices are loaded with: the largest the modules take.
const CAPACITY: usize = 16 * MIB;
/// How much each sequential sample reads or writes: enough for tens of milliseconds.
const SAMPLE: usize = 32 * MIB;

/// What is measured: a device of one of the modules, a tmpfs file, or the ceiling.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Vdev,
    VdevC,
    Tmpfs,
    Ceiling,
}

impl Target {
    const ALL: [Target; 4] = [Target::Vdev, Target::VdevC, Target::Tmpfs, Target::Ceiling];
    const MODULES: [Target; 2] = [Target::Vdev, Target::VdevC];

    fn name(self) -> &'static str {
        match self {
            Target::Vdev => "vdev",
            Target::VdevC => "vdev_c",
            Target::Tmpfs => "tmpfs",
            Target::Ceiling => "zero-null",
        }
    }

    /// The file that reads (or writes, with `write`) go to, number `index` of its kind.
    fn path(self, index: usize, write: bool) -> String {
        match self {
            Target::Vdev => format!("/dev/vdev{index}"),
            Target::VdevC => format!("/dev/vdevc{index}"),
            Target::Tmpfs => format!("/tmp/bench{index}"),
            Target::Ceiling if write => "/dev/null".to_string(),
            Target::Ceiling => "/dev/zero".to_string(),
        }
    }

    /// Loads the target's module afresh with `devices` devices, returning how long loading
    /// took.
    fn load(self, devices: usize) -> f64 {
        let name = self.name();
        let _ = sys::delete_module(name);
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let ko = format!(
            "/lib/modules/{}/kernel/samples/rust/{name}.ko",
            release.trim()
        );
        let params = format!("devices={devices} capacity={CAPACITY}");
        let start = Instant::now();
        sys::finit_module(&ko, &params)
            .unwrap_or_else(|errno| fail(&format!("loading {ko} with {params}: {errno:?}")));
        start.elapsed().as_secs_f64()
    }
}

/// The targets of one kind in the order repetition `rep` measures them: each takes its turn at
/// going first, so that warming up (or the host getting busy) does not always favour the same.
fn turns<T: Copy>(targets: &[T], rep: usize) -> Vec<T> {
    let mut order = targets.to_vec();
    order.rotate_left(rep % targets.len());
    order
}

fn fail(why: &str) -> ! {
    eprintln!("vdev-bench: {why}");
    std::process::exit(1)
}

fn open(path: &str, flags: i32) -> Fd {
    sys::open(path, flags).unwrap_or_else(|errno| fail(&format!("opening {path}: {errno:?}")))
}

/// Whether this is the warm-up repetition, whose samples are not printed.
static WARMING_UP: AtomicBool = AtomicBool::new(false);

fn sample(group: &str, target: Target, parameter: usize, rep: usize, value: f64, unit: &str) {
    if WARMING_UP.load(Ordering::Relaxed) {
        return;
    }
    println!(
        "BENCH {group} {} {parameter} {rep} {value:.3} {unit}",
        target.name()
    );
}

/// Reads (or writes) `total` bytes from offset 0 of `fd` in blocks of `block`; returns the
/// seconds it took.
fn pass(fd: &Fd, block: usize, total: usize, write: bool) -> f64 {
    let mut buf = vec![0x5au8; block];
    let start = Instant::now();
    fd.lseek(0, libc::SEEK_SET)
        .unwrap_or_else(|errno| fail(&format!("lseek: {errno:?}")));
    let mut done = 0;
    while done < total {
        let want = block.min(total - done);
        let result = if write {
            fd.write(&buf[..want])
        } else {
            fd.read(&mut buf[..want])
        };
        match result {
            Ok(0) => fail(&format!("end of file after {done} of {total} bytes")),
            Ok(count) => done += count,
            Err(errno) => fail(&format!(
                "{} at {done}: {errno:?}",
                if write { "write" } else { "read" }
            )),
        }
    }
    start.elapsed().as_secs_f64()
}

/// Reads (or writes) at least [`SAMPLE`] bytes, as passes over the first `total` bytes of `fd`;
/// returns the bytes moved and the seconds it took.
fn passes(fd: &Fd, block: usize, total: usize, write: bool) -> (usize, f64) {
    let count = (SAMPLE / total).max(1);
    let seconds = (0..count).map(|_| pass(fd, block, total, write)).sum();
    (count * total, seconds)
}

/// Fills file `index` of `target` with `size` bytes, so that reads have something to read.
fn fill(target: Target, index: usize, size: usize) {
    if target != Target::Ceiling {
        let fd = open(
            &target.path(index, true),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
        );
        pass(&fd, MIB, size, true);
    }
}

fn mb_per_s(bytes: usize, seconds: f64) -> f64 {
    bytes as f64 / seconds / 1e6
}

/// Sequential reads and writes of `total` bytes, by block size.
fn sequential(rep: usize, total: usize) {
    for block in [4 * KIB, 64 * KIB, MIB] {
        for target in turns(&Target::ALL, rep) {
            let fd = open(&target.path(0, false), libc::O_RDONLY);
            let (moved, seconds) = passes(&fd, block, total, false);
            sample("read", target, block, rep, mb_per_s(moved, seconds), "MB/s");
        }
        for target in turns(&Target::ALL, rep) {
            // Overwriting what is there: the steady state, without growing.
            let fd = open(&target.path(0, true), libc::O_WRONLY);
            let (moved, seconds) = passes(&fd, block, total, true);
            sample(
                "write",
                target,
                block,
                rep,
                mb_per_s(moved, seconds),
                "MB/s",
            );
        }
    }
}

/// Single-byte preads at offsets spread over the first MiB, in ns per call. The targets take
/// turns in slices of 10,000 calls, so that a slow stretch of the host hits them all alike.
fn pread_latency(rep: usize) {
    const SLICES: usize = 10;
    const CALLS: usize = 10_000;
    let fds: Vec<(Target, Fd)> = turns(&Target::ALL, rep)
        .into_iter()
        .map(|target| (target, open(&target.path(0, false), libc::O_RDONLY)))
        .collect();
    let mut seconds = vec![0.0; fds.len()];
    let mut byte = [0u8; 1];
    for _ in 0..SLICES {
        for ((target, fd), total) in fds.iter().zip(seconds.iter_mut()) {
            let start = Instant::now();
            for call in 0..CALLS {
                let offset = (call * 4099 % MIB) as i64;
                if fd.pread(&mut byte, offset) != Ok(1) {
                    fail(&format!(
                        "pread of one byte at {offset} on {}",
                        target.name()
                    ));
                }
            }
            *total += start.elapsed().as_secs_f64();
        }
    }
    for ((target, _), total) in fds.iter().zip(seconds) {
        let ns = total * 1e9 / (SLICES * CALLS) as f64;
        sample("pread", *target, 1, rep, ns, "ns");
    }
}

/// Pins the calling thread on `cpu`.
fn pin(cpu: usize) {
    // SAFETY: An all-zero cpu_set_t is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid cpu_set_t and `cpu` is below its size.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: `set` is valid for the call; 0 is the calling thread.
    let ret = unsafe { libc::sched_setaffinity(0, std::mem::size_of_val(&set), &set) };
    if ret != 0 {
        fail(&format!("pinning a thread on CPU {cpu}"));
    }
}

/// Two files of a target, one thread pinned on each CPU, reading or writing `total` bytes each
/// in 64 KiB blocks; MB/s in all, from the first start to the last end.
fn parallel(rep: usize, total: usize) {
    for write in [false, true] {
        for target in turns(&Target::ALL, rep) {
            let start = Instant::now();
            let moved: usize = std::thread::scope(|scope| {
                let threads: Vec<_> = (0..2)
                    .map(|index| {
                        scope.spawn(move || {
                            pin(index);
                            let flags = if write {
                                libc::O_WRONLY
                            } else {
                                libc::O_RDONLY
                            };
                            let fd = open(&target.path(index, write), flags);
                            passes(&fd, 64 * KIB, total, write).0
                        })
                    })
                    .collect();
                threads
                    .into_iter()
                    .map(|thread| thread.join().unwrap_or(0))
                    .sum()
            });
            let group = if write {
                "parallel-write"
            } else {
                "parallel-read"
            };
            let rate = mb_per_s(moved, start.elapsed().as_secs_f64());
            sample(group, target, 2, rep, rate, "MB/s");
        }
    }
}

/// Filling an empty device (with O_TRUNC, then 64 KiB writes) and reading it back, by size.
fn by_size(rep: usize) {
    for size in [KIB, 16 * KIB, 256 * KIB, 4 * MIB, 16 * MIB] {
        // Small devices are filled again and again, for at least 4 MiB in all.
        let rounds = (4 * MIB / size).clamp(1, 1000);
        for target in turns(&[Target::Vdev, Target::VdevC, Target::Tmpfs], rep) {
            let path = target.path(0, true);
            let start = Instant::now();
            for _ in 0..rounds {
                let fd = open(&path, libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC);
                pass(&fd, 64 * KIB, size, true);
                pass(&fd, 64 * KIB, size, false);
            }
            let rate = mb_per_s(2 * size * rounds, start.elapsed().as_secs_f64());
            sample("size", target, size, rep, rate, "MB/s");
        }
    }
}

/// Loading and unloading each module with 1 to 64 devices, and opening them round robin.
fn by_devices(rep: usize) {
    const OPENS: usize = 5_000;
    for devices in [1, 4, 16, 64] {
        for target in turns(&Target::MODULES, rep) {
            let seconds = target.load(devices);
            sample("load", target, devices, rep, seconds * 1e3, "ms");
            let paths: Vec<String> = (0..devices).map(|i| target.path(i, false)).collect();
            let mut byte = [0u8; 1];
            let start = Instant::now();
            for open_number in 0..OPENS {
                let fd = open(&paths[open_number % devices], libc::O_RDONLY);
                // The devices are empty: the read finds the end.
                if fd.pread(&mut byte, 0) != Ok(0) {
                    fail(&format!("pread of an empty {}", target.name()));
                }
            }
            let ns = start.elapsed().as_secs_f64() * 1e9 / OPENS as f64;
            sample("open", target, devices, rep, ns, "ns");
            let start = Instant::now();
            sys::delete_module(target.name())
                .unwrap_or_else(|errno| fail(&format!("unloading {}: {errno:?}", target.name())));
            sample(
                "unload",
                target,
                devices,
                rep,
                start.elapsed().as_secs_f64() * 1e3,
                "ms",
            );
        }
    }
}

fn number(text: Option<String>, what: &str) -> usize {
    text.and_then(|text| text.parse().ok())
        .unwrap_or_else(|| fail(&format!("{what} takes a number")))
}

fn main() {
    let mut reps = 5;
    let mut mib = 8;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reps" => reps = number(args.next(), "--reps").max(1),
            "--mib" => mib = number(args.next(), "--mib").clamp(1, CAPACITY / MIB),
            other => fail(&format!(
                "unknown argument '{other}'\nusage: vdev-bench [--reps N] [--mib N]"
            )),
        }
    }
    let total = mib * MIB;
    // Single-threaded measurements run on CPU 0, where the scheduler cannot move them.
    pin(0);
    println!("# vdev-bench: {reps} repetitions after a warm-up, files of {mib} MiB");
    for rep in 0..=reps {
        // Repetition 0 warms up, unreported.
        WARMING_UP.store(rep == 0, Ordering::Relaxed);
        for target in Target::MODULES {
            target.load(2);
        }
        for target in Target::ALL {
            fill(target, 0, total);
            fill(target, 1, total);
        }
        sequential(rep, total);
        pread_latency(rep);
        parallel(rep, total);
        by_size(rep);
        by_devices(rep);
        println!("# vdev-bench: repetition {rep} of {reps} done");
    }
    let _ = std::fs::remove_file("/tmp/bench0");
    let _ = std::fs::remove_file("/tmp/bench1");
}
