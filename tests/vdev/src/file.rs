// SPDX-License-Identifier: GPL-2.0

//! A vdev device behaves like a regular file of bounded size: each test does what a user
//! would, and, where the contract says "as a regular file", does the same on a tmpfs file and
//! expects the same results.

use crate::case;
use crate::ktap::{Case, Suite, TestResult};
use crate::module;
use crate::sys::{self, Errno, Fd};
use crate::{ensure, ensure_eq};

pub fn suite() -> Suite {
    let cases: Vec<Case> = vec![
        case!(3, echo_then_cat_shows_the_text),
        case!(4, read_returns_what_was_written_and_advances),
        case!(3, read_at_or_past_the_end_returns_zero),
        case!(4, pread_and_pwrite_leave_the_position_alone),
        case!(4, write_past_the_end_fills_the_hole_with_zeros),
        case!(4, lseek_set_cur_and_end_move_the_position),
        case!(4, lseek_to_a_negative_position_fails_with_einval),
        case!(4, lseek_past_the_end_is_allowed),
        case!(4, o_trunc_empties_the_device),
        case!(4, o_append_writes_go_to_the_end),
        case!(last, write_across_the_capacity_is_short),
        case!(last, write_at_or_past_the_capacity_fails_with_enospc),
        case!(4, zero_length_calls_return_zero_anywhere),
        case!(4, offsets_near_2_pow_63_fail_cleanly),
        case!(4, bad_user_pointers_fail_with_efault_and_change_nothing),
        case!(3, faulting_writes_before_at_and_past_the_end_change_nothing),
        case!(
            3,
            write_from_a_buffer_that_runs_into_an_unmapped_page_is_short
        ),
        case!(3, pwritev_with_a_bad_middle_segment_writes_the_first_only),
        case!(last, largest_capacity_fills_and_reads_back),
        case!(last, contents_survive_close_and_reopen),
        case!(last, each_open_file_has_its_own_position),
        case!(last, devices_are_independent),
    ];
    Suite {
        name: "vdev_file".to_string(),
        cases,
    }
}

/// The capacity most tests use: small, so that its edges are easy to reach.
const CAPACITY: i64 = 4096;

/// Loads vdev afresh with four empty devices of `CAPACITY` bytes.
fn fresh() -> TestResult {
    Ok(module::reload(&format!("devices=4 capacity={CAPACITY}"))?)
}

/// A new, empty tmpfs file, to compare with.
fn tmpfs_file(flags: i32) -> Result<Fd, String> {
    sys::open_file("/tmp/vdev-file-test", flags | libc::O_CREAT | libc::O_TRUNC)
}

/// Runs `steps` on /dev/vdev0 and on an empty tmpfs file, both open with `flags`, and expects
/// the same results and the same contents.
fn same_as_tmpfs<T: PartialEq + std::fmt::Debug>(
    flags: i32,
    steps: impl Fn(&Fd) -> T,
) -> Result<T, String> {
    fresh()?;
    let device = module::open(0, flags)?;
    let file = tmpfs_file(flags)?;
    let (on_device, on_file) = (steps(&device), steps(&file));
    ensure_eq!(
        on_device,
        on_file,
        "results on vdev (left) and on tmpfs (right)"
    );
    ensure_eq!(
        device.contents(),
        file.contents(),
        "contents of vdev (left) and tmpfs (right)"
    );
    Ok(on_device)
}

fn echo_then_cat_shows_the_text() -> TestResult {
    module::reload("")?;
    // What the shell does for `echo "wow it works" > /dev/vdev0` and `cat /dev/vdev0`.
    let echo = module::open(0, libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC)?;
    ensure_eq!(echo.write(b"wow it works\n"), Ok(13), "echo's write");
    drop(echo);
    let cat = module::open(0, libc::O_RDONLY)?;
    let mut buf = [0; 4096];
    ensure_eq!(cat.read(&mut buf), Ok(13), "cat's first read");
    ensure_eq!(&buf[..13], b"wow it works\n", "what cat shows");
    ensure_eq!(cat.read(&mut buf), Ok(0), "cat's second read (the end)");
    Ok(())
}

fn read_returns_what_was_written_and_advances() -> TestResult {
    let _compared = same_as_tmpfs(libc::O_RDWR, |fd| {
        let written = fd.write(b"hello, world");
        let rewound = fd.lseek(0, libc::SEEK_SET);
        let mut first = [0; 5];
        let mut second = [0; 64];
        let reads = (fd.read(&mut first), fd.read(&mut second));
        (
            written,
            rewound,
            reads,
            first,
            second,
            fd.lseek(0, libc::SEEK_CUR),
        )
    })?;
    Ok(())
}

fn read_at_or_past_the_end_returns_zero() -> TestResult {
    let _compared = same_as_tmpfs(libc::O_RDWR, |fd| {
        let mut buf = [0; 16];
        (
            fd.write(b"abc"),
            fd.read(&mut buf),
            fd.pread(&mut buf, 3),
            fd.pread(&mut buf, 1000),
        )
    })?;
    Ok(())
}

fn pread_and_pwrite_leave_the_position_alone() -> TestResult {
    let _compared = same_as_tmpfs(libc::O_RDWR, |fd| {
        let mut buf = [0; 4];
        (
            fd.write(b"0123456789"),
            fd.lseek(2, libc::SEEK_SET),
            fd.pwrite(b"XY", 6),
            fd.pread(&mut buf, 5),
            buf,
            fd.lseek(0, libc::SEEK_CUR),
        )
    })?;
    Ok(())
}

fn write_past_the_end_fills_the_hole_with_zeros() -> TestResult {
    let contents = same_as_tmpfs(libc::O_RDWR, |fd| {
        (
            fd.write(b"ab"),
            fd.lseek(100, libc::SEEK_SET),
            fd.write(b"cd"),
            fd.pwrite(b"ef", 200),
            fd.contents(),
        )
    })?;
    let expected: Vec<u8> = [&b"ab"[..], &[0; 98], b"cd", &[0; 98], b"ef"].concat();
    ensure_eq!(contents.4, Ok(expected), "contents with two holes");
    Ok(())
}

fn lseek_set_cur_and_end_move_the_position() -> TestResult {
    let _compared = same_as_tmpfs(libc::O_RDWR, |fd| {
        (
            fd.write(&[7; 50]),
            fd.lseek(10, libc::SEEK_SET),
            fd.lseek(5, libc::SEEK_CUR),
            fd.lseek(-3, libc::SEEK_CUR),
            fd.lseek(-20, libc::SEEK_END),
            fd.lseek(0, libc::SEEK_END),
        )
    })?;
    Ok(())
}

fn lseek_to_a_negative_position_fails_with_einval() -> TestResult {
    let results = same_as_tmpfs(libc::O_RDWR, |fd| {
        (
            fd.write(&[1; 10]),
            fd.lseek(4, libc::SEEK_SET),
            fd.lseek(-1, libc::SEEK_SET),
            fd.lseek(-5, libc::SEEK_CUR),
            fd.lseek(-11, libc::SEEK_END),
            fd.lseek(i64::MIN, libc::SEEK_END),
            fd.lseek(0, libc::SEEK_CUR),
        )
    })?;
    ensure_eq!(results.2, Err(Errno(libc::EINVAL)), "SEEK_SET to -1");
    ensure_eq!(results.6, Ok(4), "the position after the failed seeks");
    Ok(())
}

fn lseek_past_the_end_is_allowed() -> TestResult {
    let _compared = same_as_tmpfs(libc::O_RDWR, |fd| {
        let mut buf = [0; 8];
        (
            fd.write(b"xyz"),
            fd.lseek(50, libc::SEEK_END),
            fd.read(&mut buf),
            fd.lseek(0, libc::SEEK_CUR),
        )
    })?;
    Ok(())
}

fn o_trunc_empties_the_device() -> TestResult {
    fresh()?;
    let path = module::dev(0);
    let fd = sys::open_device(&path, libc::O_WRONLY)?;
    ensure_eq!(fd.write(b"old contents"), Ok(12), "first write");
    drop(fd);
    // Opening without O_TRUNC keeps the contents; with it, empties the device.
    let kept = sys::open_device(&path, libc::O_RDWR)?;
    ensure_eq!(
        kept.contents(),
        Ok(b"old contents".to_vec()),
        "after an open without O_TRUNC"
    );
    let emptied = sys::open_device(&path, libc::O_WRONLY | libc::O_TRUNC)?;
    ensure_eq!(
        kept.contents(),
        Ok(Vec::new()),
        "after an open with O_TRUNC"
    );
    ensure_eq!(emptied.write(b"new"), Ok(3), "write after truncating");
    ensure_eq!(
        kept.contents(),
        Ok(b"new".to_vec()),
        "contents after truncating and writing"
    );
    Ok(())
}

fn o_append_writes_go_to_the_end() -> TestResult {
    fresh()?;
    let path = module::dev(0);
    let plain = sys::open_device(&path, libc::O_RDWR)?;
    ensure_eq!(plain.write(b"first."), Ok(6), "plain write");
    // What `echo more >> /dev/vdev0` does.
    let append = sys::open_device(&path, libc::O_WRONLY | libc::O_APPEND)?;
    ensure_eq!(append.lseek(0, libc::SEEK_SET), Ok(0), "seek to the start");
    ensure_eq!(append.write(b"second."), Ok(7), "append");
    ensure_eq!(
        append.lseek(0, libc::SEEK_CUR),
        Ok(13),
        "position after appending"
    );
    // Like a regular file on Linux, pwrite on an O_APPEND file appends too.
    ensure_eq!(append.pwrite(b"third.", 0), Ok(6), "pwrite with O_APPEND");
    ensure_eq!(
        plain.contents(),
        Ok(b"first.second.third.".to_vec()),
        "contents"
    );
    drop((plain, append));
    let _compared = same_as_tmpfs(libc::O_RDWR | libc::O_APPEND, |fd| {
        (
            fd.write(b"ab"),
            fd.lseek(0, libc::SEEK_SET),
            fd.write(b"cd"),
            fd.pwrite(b"ef", 0),
            fd.lseek(0, libc::SEEK_CUR),
        )
    })?;
    Ok(())
}

fn write_across_the_capacity_is_short() -> TestResult {
    fresh()?;
    let fd = module::open(0, libc::O_RDWR)?;
    ensure_eq!(
        fd.pwrite(&[9; 100], CAPACITY - 40),
        Ok(40),
        "write of 100 bytes 40 before the capacity"
    );
    ensure_eq!(
        fd.lseek(CAPACITY - 10, libc::SEEK_SET),
        Ok(CAPACITY - 10),
        "seek"
    );
    ensure_eq!(
        fd.write(&[8; 100]),
        Ok(10),
        "write of 100 bytes 10 before the capacity"
    );
    ensure_eq!(
        fd.lseek(0, libc::SEEK_CUR),
        Ok(CAPACITY),
        "position after the short write"
    );
    let contents = fd
        .contents()
        .map_err(|errno| format!("contents: {errno:?}"))?;
    ensure_eq!(contents.len() as i64, CAPACITY, "size");
    ensure!(
        contents[..(CAPACITY - 40) as usize]
            .iter()
            .all(|byte| *byte == 0),
        "the hole is not zeros"
    );
    ensure_eq!(
        contents[(CAPACITY - 40) as usize..(CAPACITY - 10) as usize],
        [9; 30],
        "first write"
    );
    ensure_eq!(
        contents[(CAPACITY - 10) as usize..],
        [8; 10],
        "second write"
    );
    Ok(())
}

fn write_at_or_past_the_capacity_fails_with_enospc() -> TestResult {
    fresh()?;
    let fd = module::open(0, libc::O_RDWR)?;
    ensure_eq!(fd.write(b"kept"), Ok(4), "first write");
    for offset in [CAPACITY, CAPACITY + 1, 1 << 40] {
        ensure_eq!(
            fd.pwrite(b"x", offset),
            Err(Errno(libc::ENOSPC)),
            "pwrite at {offset}"
        );
    }
    ensure_eq!(
        fd.lseek(CAPACITY, libc::SEEK_SET),
        Ok(CAPACITY),
        "seek to the capacity"
    );
    ensure_eq!(
        fd.write(b"x"),
        Err(Errno(libc::ENOSPC)),
        "write at the capacity"
    );
    ensure_eq!(
        fd.lseek(0, libc::SEEK_CUR),
        Ok(CAPACITY),
        "position after the failed write"
    );
    ensure_eq!(
        fd.contents(),
        Ok(b"kept".to_vec()),
        "contents after the failed writes"
    );
    // Appending to a full device fails the same way.
    ensure_eq!(
        fd.pwrite(&vec![1; CAPACITY as usize - 4], 4),
        Ok(CAPACITY as usize - 4),
        "fill"
    );
    let append = module::open(0, libc::O_WRONLY | libc::O_APPEND)?;
    ensure_eq!(
        append.write(b"y"),
        Err(Errno(libc::ENOSPC)),
        "append to a full device"
    );
    Ok(())
}

fn zero_length_calls_return_zero_anywhere() -> TestResult {
    fresh()?;
    let fd = module::open(0, libc::O_RDWR)?;
    ensure_eq!(fd.write(b"abc"), Ok(3), "first write");
    for offset in [0, 3, 100, CAPACITY, CAPACITY + 1, i64::MAX] {
        ensure_eq!(fd.pwrite(&[], offset), Ok(0), "empty pwrite at {offset}");
        ensure_eq!(fd.pread(&mut [], offset), Ok(0), "empty pread at {offset}");
    }
    ensure_eq!(
        fd.lseek(CAPACITY * 2, libc::SEEK_SET),
        Ok(CAPACITY * 2),
        "seek past the capacity"
    );
    ensure_eq!(fd.write(&[]), Ok(0), "empty write past the capacity");
    ensure_eq!(fd.read(&mut []), Ok(0), "empty read past the capacity");
    ensure_eq!(fd.contents(), Ok(b"abc".to_vec()), "contents");
    Ok(())
}

fn offsets_near_2_pow_63_fail_cleanly() -> TestResult {
    // Like a regular file: positions up to i64::MAX are fine, and anything that would overflow
    // is refused by the VFS with EINVAL before the driver sees it.
    let results = same_as_tmpfs(libc::O_RDWR, |fd| {
        let mut buf = [0; 2];
        (
            fd.write(b"data"),
            fd.lseek(i64::MAX, libc::SEEK_SET),
            fd.lseek(1, libc::SEEK_CUR),
            fd.lseek(i64::MAX, libc::SEEK_END),
            fd.pread(&mut buf[..1], i64::MAX - 1),
            fd.pread(&mut buf, i64::MAX - 1),
            fd.pread(&mut buf, -1),
            fd.pwrite(b"zz", i64::MAX - 1),
            fd.pwrite(b"z", -1),
            fd.lseek(0, libc::SEEK_CUR),
        )
    })?;
    ensure_eq!(
        results.2,
        Err(Errno(libc::EINVAL)),
        "SEEK_CUR past i64::MAX"
    );
    // Where the device and tmpfs must differ: a write past the device's capacity.
    fresh()?;
    let fd = module::open(0, libc::O_RDWR)?;
    ensure_eq!(
        fd.pwrite(b"z", i64::MAX - 1),
        Err(Errno(libc::ENOSPC)),
        "pwrite at i64::MAX - 1"
    );
    ensure_eq!(fd.contents(), Ok(Vec::new()), "contents");
    Ok(())
}

fn bad_user_pointers_fail_with_efault_and_change_nothing() -> TestResult {
    fresh()?;
    let fd = module::open(0, libc::O_RDWR)?;
    ensure_eq!(fd.write(b"precious"), Ok(8), "first write");
    ensure_eq!(fd.lseek(2, libc::SEEK_SET), Ok(2), "seek");
    ensure_eq!(
        fd.write_from_bad_pointer(16),
        Err(Errno(libc::EFAULT)),
        "write from a bad pointer"
    );
    ensure_eq!(
        fd.lseek(0, libc::SEEK_CUR),
        Ok(2),
        "position after the failed write"
    );
    ensure_eq!(
        fd.contents(),
        Ok(b"precious".to_vec()),
        "contents after the failed write"
    );
    ensure_eq!(
        fd.read_to_bad_pointer(4),
        Err(Errno(libc::EFAULT)),
        "read into a bad pointer"
    );
    ensure_eq!(
        fd.lseek(0, libc::SEEK_CUR),
        Ok(2),
        "position after the failed read"
    );
    let append = module::open(0, libc::O_WRONLY | libc::O_APPEND)?;
    ensure_eq!(
        append.write_from_bad_pointer(4096),
        Err(Errno(libc::EFAULT)),
        "append from a bad pointer"
    );
    ensure_eq!(
        fd.contents(),
        Ok(b"precious".to_vec()),
        "contents after the failed append"
    );
    Ok(())
}

/// The size and contents of `fd` after `write`, and what `write` returned, on a device or a file
/// that starts with ten bytes.
fn after_a_write_on_ten_bytes(
    fd: &Fd,
    write: impl Fn(&Fd) -> sys::SysResult<usize>,
) -> (sys::SysResult<usize>, sys::SysResult<Vec<u8>>) {
    let _ = fd.pwrite(b"0123456789", 0);
    let result = write(fd);
    (result, fd.contents())
}

fn faulting_writes_before_at_and_past_the_end_change_nothing() -> TestResult {
    // Not a byte can be copied, wherever the write starts: the call fails with EFAULT and the
    // device keeps its ten bytes. Past the end, that means no hole either.
    for offset in [0, 4, 10, 11, 100, 4000] {
        fresh()?;
        let device = module::open(0, libc::O_RDWR)?;
        let file = tmpfs_file(libc::O_RDWR)?;
        let write = |fd: &Fd| fd.write_from_address(sys::BAD_POINTER, 16, Some(offset));
        let on_device = after_a_write_on_ten_bytes(&device, write);
        ensure_eq!(
            on_device,
            (Err(Errno(libc::EFAULT)), Ok(b"0123456789".to_vec())),
            "pwrite(fd, (void *)8, 16, {offset}) on a device of 10 bytes: its result, and what the device holds after it"
        );
        let on_file = after_a_write_on_ten_bytes(&file, write);
        if on_file != on_device {
            // Some kernels' tmpfs (7.2's) grows a file on such a write past its end: there
            // the test holds vdev to the contract, not to tmpfs.
            ensure!(
                offset > 10,
                "at or before the end tmpfs and vdev must agree: tmpfs gave {on_file:?}, vdev {on_device:?}"
            );
            crate::ktap::diag(&format!(
                "at offset {offset}, this kernel's tmpfs breaks the contract: it gives {:?} and holds {} bytes",
                on_file.0,
                on_file.1.as_ref().map(Vec::len).unwrap_or(0)
            ));
        }
    }
    Ok(())
}

fn write_from_a_buffer_that_runs_into_an_unmapped_page_is_short() -> TestResult {
    // A write of 100 bytes whose buffer has only 10 mapped ones writes those 10 and returns
    // 10, as on tmpfs; before the end, at it, and past it (the hole reads as zeros).
    let buffer = sys::EdgeBuffer::new(b"ABCDEFGHIJ");
    for offset in [2, 10, 20] {
        fresh()?;
        let device = module::open(0, libc::O_RDWR)?;
        let file = tmpfs_file(libc::O_RDWR)?;
        let write = |fd: &Fd| fd.write_from_address(buffer.ptr() as usize, 100, Some(offset));
        let on_device = after_a_write_on_ten_bytes(&device, write);
        let on_file = after_a_write_on_ten_bytes(&file, write);
        let start = offset as usize;
        let mut expected = b"0123456789".to_vec();
        expected.resize(expected.len().max(start + 10), 0);
        expected[start..start + 10].copy_from_slice(&buffer.bytes());
        ensure_eq!(
            on_device,
            (Ok(10), Ok(expected)),
            "pwrite of 100 bytes at {offset} from a buffer with 10 mapped bytes: its result, and the device's contents"
        );
        ensure_eq!(
            on_device,
            on_file,
            "the same pwrite on vdev (left) and on tmpfs (right)"
        );
    }
    Ok(())
}

fn pwritev_with_a_bad_middle_segment_writes_the_first_only() -> TestResult {
    let (first, last) = (b"first".to_vec(), b"last".to_vec());
    let segments = [
        (first.as_ptr() as usize, first.len()),
        (sys::BAD_POINTER, 8),
        (last.as_ptr() as usize, last.len()),
    ];
    for offset in [3, 30] {
        fresh()?;
        let device = module::open(0, libc::O_RDWR)?;
        let file = tmpfs_file(libc::O_RDWR)?;
        let write = |fd: &Fd| fd.pwritev(&segments, offset);
        let on_device = after_a_write_on_ten_bytes(&device, write);
        let on_file = after_a_write_on_ten_bytes(&file, write);
        let start = offset as usize;
        let mut expected = b"0123456789".to_vec();
        expected.resize(expected.len().max(start + 5), 0);
        expected[start..start + 5].copy_from_slice(&first);
        ensure_eq!(
            on_device,
            (Ok(5), Ok(expected)),
            "pwritev of \"first\", a bad pointer and \"last\" at {offset}: its result, and the device's contents"
        );
        ensure_eq!(
            on_device,
            on_file,
            "the same pwritev on vdev (left) and on tmpfs (right)"
        );
    }
    Ok(())
}

fn largest_capacity_fills_and_reads_back() -> TestResult {
    const LARGEST: usize = 16 << 20;
    module::reload(&format!("capacity={LARGEST}"))?;
    let fd = module::open(0, libc::O_RDWR)?;
    let block: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
    for chunk in 0..16 {
        ensure_eq!(fd.write(&block), Ok(block.len()), "write of MiB {chunk}");
    }
    ensure_eq!(
        fd.write(b"x"),
        Err(Errno(libc::ENOSPC)),
        "write past 16 MiB"
    );
    let contents = fd
        .contents()
        .map_err(|errno| format!("contents: {errno:?}"))?;
    ensure_eq!(contents.len(), LARGEST, "size");
    ensure!(
        contents.chunks(1 << 20).all(|chunk| chunk == block),
        "the contents differ from what was written"
    );
    drop(fd);
    module::reload("")?;
    Ok(())
}

fn contents_survive_close_and_reopen() -> TestResult {
    fresh()?;
    for round in 0..3 {
        let fd = module::open(2, libc::O_WRONLY | libc::O_APPEND)?;
        ensure_eq!(
            fd.write(format!("{round};").as_bytes()),
            Ok(2),
            "write in round {round}"
        );
    }
    let fd = module::open(2, libc::O_RDONLY)?;
    ensure_eq!(
        fd.contents(),
        Ok(b"0;1;2;".to_vec()),
        "contents after three opens"
    );
    Ok(())
}

fn each_open_file_has_its_own_position() -> TestResult {
    fresh()?;
    let path = module::dev(1);
    let writer = sys::open_device(&path, libc::O_RDWR)?;
    let reader = sys::open_device(&path, libc::O_RDONLY)?;
    ensure_eq!(writer.write(b"abcdef"), Ok(6), "write");
    let mut buf = [0; 2];
    ensure_eq!(reader.read(&mut buf), Ok(2), "read of the second file");
    ensure_eq!(&buf, b"ab", "what the second file reads");
    ensure_eq!(
        writer.lseek(0, libc::SEEK_CUR),
        Ok(6),
        "position of the first file"
    );
    ensure_eq!(
        reader.lseek(0, libc::SEEK_CUR),
        Ok(2),
        "position of the second file"
    );
    Ok(())
}

fn devices_are_independent() -> TestResult {
    fresh()?;
    let fds: Vec<Fd> = (0..4)
        .map(|index| module::open(index, libc::O_RDWR))
        .collect::<Result<_, _>>()?;
    for (index, fd) in fds.iter().enumerate() {
        let text = format!("device {index}").repeat(index + 1);
        ensure_eq!(
            fd.write(text.as_bytes()),
            Ok(text.len()),
            "write to /dev/vdev{index}"
        );
    }
    let trunc = module::open(2, libc::O_WRONLY | libc::O_TRUNC)?;
    drop(trunc);
    for (index, fd) in fds.iter().enumerate() {
        let expected = if index == 2 {
            String::new()
        } else {
            format!("device {index}").repeat(index + 1)
        };
        ensure_eq!(
            fd.contents(),
            Ok(expected.into_bytes()),
            "contents of /dev/vdev{index}"
        );
    }
    Ok(())
}
