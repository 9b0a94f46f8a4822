// SPDX-License-Identifier: GPL-2.0

//! Threads on both CPUs: each read and write happens as a whole, and devices do not affect each
//! other.

use crate::case;
use crate::differential::Rng;
use crate::ktap::{Case, Suite, TestResult};
use crate::module;
use crate::sys;
use crate::{ensure, ensure_eq};

pub fn suite() -> Suite {
    let cases: Vec<Case> = vec![
        case!(last, concurrent_reads_never_see_a_torn_write),
        case!(last, concurrent_appends_are_all_kept_whole),
        case!(last, devices_used_in_parallel_stay_independent),
    ];
    Suite {
        name: "vdev_concurrency".to_string(),
        cases,
    }
}

fn concurrent_reads_never_see_a_torn_write() -> TestResult {
    const BLOCK: usize = 64 * 1024;
    module::reload("devices=1")?;
    let path = module::dev(0);
    // Filled with a third byte, so that a read that mixes the fill with either writer's block
    // is torn as well as one that mixes the two writers'.
    sys::open_device(&path, libc::O_WRONLY)?
        .write(&[b'c'; BLOCK])
        .map_err(|errno| format!("{errno:?}"))?;
    let torn = std::thread::scope(|scope| -> Result<usize, String> {
        let writers: Vec<_> = [b'a', b'b']
            .into_iter()
            .map(|byte| {
                let path = path.clone();
                scope.spawn(move || -> Result<(), String> {
                    let fd = sys::open_device(&path, libc::O_WRONLY)?;
                    let block = [byte; BLOCK];
                    for _ in 0..200 {
                        ensure_eq!(fd.pwrite(&block, 0), Ok(BLOCK), "write of a block");
                    }
                    Ok(())
                })
            })
            .collect();
        let fd = sys::open_device(&path, libc::O_RDONLY)?;
        let mut buf = vec![0; BLOCK];
        let mut torn = 0;
        for _ in 0..400 {
            ensure_eq!(fd.pread(&mut buf, 0), Ok(BLOCK), "read of a block");
            if buf.iter().any(|byte| *byte != buf[0]) {
                torn += 1;
            }
        }
        for writer in writers {
            writer
                .join()
                .map_err(|_| "a writer panicked".to_string())??;
        }
        Ok(torn)
    })?;
    ensure_eq!(torn, 0, "reads that saw parts of two writes");
    Ok(())
}

fn concurrent_appends_are_all_kept_whole() -> TestResult {
    const RECORD: usize = 64;
    const PER_THREAD: usize = 500;
    module::reload("devices=1")?;
    let path = module::dev(0);
    std::thread::scope(|scope| -> TestResult {
        let threads: Vec<_> = (0..2)
            .map(|thread| {
                let path = path.clone();
                scope.spawn(move || -> TestResult {
                    let fd = sys::open_device(&path, libc::O_WRONLY | libc::O_APPEND)?;
                    for number in 0..PER_THREAD {
                        let record = format!("{thread}:{number:05}:{}\n", "x".repeat(RECORD - 9));
                        ensure_eq!(fd.write(record.as_bytes()), Ok(RECORD), "append");
                    }
                    Ok(())
                })
            })
            .collect();
        for thread in threads {
            thread
                .join()
                .map_err(|_| "an appender panicked".to_string())??;
        }
        Ok(())
    })?;
    let contents = sys::open_device(&path, libc::O_RDONLY)?
        .contents()
        .map_err(|errno| format!("{errno:?}"))?;
    ensure_eq!(
        contents.len(),
        2 * PER_THREAD * RECORD,
        "size after all appends"
    );
    let mut next = [0usize; 2];
    for record in contents.chunks(RECORD) {
        let text = String::from_utf8_lossy(record);
        let thread: usize = text[..1]
            .parse()
            .map_err(|_| format!("mangled record {text:?}"))?;
        let number: usize = text[2..7]
            .parse()
            .map_err(|_| format!("mangled record {text:?}"))?;
        ensure!(
            thread < 2 && number == next[thread],
            "record {text:?} out of order or mangled"
        );
        next[thread] += 1;
    }
    Ok(())
}

fn devices_used_in_parallel_stay_independent() -> TestResult {
    const SPAN: i64 = 64 * 1024;
    module::reload("devices=4")?;
    std::thread::scope(|scope| -> TestResult {
        let threads: Vec<_> = (0..4u32)
            .map(|index| {
                scope.spawn(move || -> TestResult {
                    let fd = module::open(index, libc::O_RDWR)?;
                    let block = [index as u8 + 1; 4096];
                    let mut rng = Rng::new(u64::from(index));
                    for _ in 0..300 {
                        let offset = rng.range(0, SPAN - 4096);
                        ensure_eq!(
                            fd.pwrite(&block, offset),
                            Ok(4096),
                            "write to /dev/vdev{index}"
                        );
                    }
                    Ok(())
                })
            })
            .collect();
        for thread in threads {
            thread
                .join()
                .map_err(|_| "a thread panicked".to_string())??;
        }
        Ok(())
    })?;
    for index in 0..4u32 {
        let contents = module::open(index, libc::O_RDONLY)?
            .contents()
            .map_err(|errno| format!("{errno:?}"))?;
        let own = index as u8 + 1;
        ensure!(
            contents.iter().all(|byte| *byte == 0 || *byte == own),
            "/dev/vdev{index} holds bytes written to another device"
        );
    }
    Ok(())
}
