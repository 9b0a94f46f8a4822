// SPDX-License-Identifier: GPL-2.0

//! A vdev device behaves like a regular file of bounded size: each test does what a user
//! would, and, where the contract says "as a regular file", does the same on a tmpfs file and
//! expects the same results.

use crate::case;
use crate::ktap::{Case, Suite, TestResult};
use crate::module;
use crate::sys::{self, Errno, Fd};
use crate::trace::{self, slide, Advice, Traced};
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
        case!(3, write_across_the_capacity_is_short),
        case!(3, write_at_or_past_the_capacity_fails_with_enospc),
        case!(3, zero_length_calls_return_zero_anywhere),
        case!(4, offsets_near_2_pow_63_fail_cleanly),
        case!(3, bad_user_pointers_fail_with_efault_and_change_nothing),
        case!(3, faulting_writes_before_at_and_past_the_end_change_nothing),
        case!(3, write_from_a_buffer_that_runs_into_a_guard_page_is_short),
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

/// The capacity most tests ask for: small, so that its edges are easy to reach.
const CAPACITY: i64 = 4096;

/// Loads vdev afresh with four empty devices of `CAPACITY` bytes (before step 5, which brings
/// the parameters, one device of the fixed capacity: see [`module::capacity`]).
fn fresh() -> TestResult {
    Ok(module::reload(&format!("devices=4 capacity={CAPACITY}"))?)
}

/// The capacity of the devices that [`fresh`] made.
fn capacity() -> i64 {
    module::capacity(CAPACITY)
}

/// A new, empty tmpfs file, to compare with.
fn tmpfs_file(flags: i32) -> Result<Fd, String> {
    sys::open_file("/tmp/vdev-file-test", flags | libc::O_CREAT | libc::O_TRUNC)
}

/// Runs `steps` on /dev/vdev0 and on an empty tmpfs file, both open with `flags`, and expects
/// each call to give the same on both, and the two to hold the same bytes after them. Where
/// they differ, the message shows the first call that differs, as the man pages write it, and
/// `advice`: what the driver must do, and the slide that shows it.
fn same_as_tmpfs<T>(
    flags: i32,
    advice: Advice,
    steps: impl Fn(&Traced<'_>) -> T,
) -> Result<T, String> {
    fresh()?;
    let (device, file) = (module::open(0, flags)?, tmpfs_file(flags)?);
    let (device, file) = (Traced::new(&device), Traced::new(&file));
    let on_device = steps(&device);
    steps(&file);
    let _ = (device.contents(), file.contents());
    match trace::first_difference(&device.calls(), &file.calls(), advice) {
        Some(message) => Err(message),
        None => Ok(on_device),
    }
}

/// What `read_iter` must do.
const READ: Advice = Advice {
    must: "read_iter must copy from the position on, move the position past what it copied, and \
           return 0 at or past the end.",
    slide: slide::READ,
};

/// What `llseek` must do.
const SEEK: Advice = Advice {
    must: "llseek must move the position as on a regular file: from the start, the position or \
           the end; never below 0 (EINVAL, the position unchanged); past the end is allowed.",
    slide: slide::REGULAR_FILE,
};

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
    let _compared = same_as_tmpfs(libc::O_RDWR, READ, |fd| {
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
    let _compared = same_as_tmpfs(libc::O_RDWR, READ, |fd| {
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
    let _compared = same_as_tmpfs(
        libc::O_RDWR,
        Advice {
            must: "read_iter and write_iter must work at the kiocb's position (ki_pos), which is \
                   pread's and pwrite's offset; only read and write move the file's position.",
            slide: slide::READ,
        },
        |fd| {
            let mut buf = [0; 4];
            (
                fd.write(b"0123456789"),
                fd.lseek(2, libc::SEEK_SET),
                fd.pwrite(b"XY", 6),
                fd.pread(&mut buf, 5),
                buf,
                fd.lseek(0, libc::SEEK_CUR),
            )
        },
    )?;
    Ok(())
}

fn write_past_the_end_fills_the_hole_with_zeros() -> TestResult {
    let contents = same_as_tmpfs(
        libc::O_RDWR,
        Advice {
            must: "A write past the end must grow the device first, the hole reading as zeros.",
            slide: slide::WRITE_COPY,
        },
        |fd| {
            (
                fd.write(b"ab"),
                fd.lseek(100, libc::SEEK_SET),
                fd.write(b"cd"),
                fd.pwrite(b"ef", 200),
                fd.contents(),
            )
        },
    )?;
    let expected: Vec<u8> = [&b"ab"[..], &[0; 98], b"cd", &[0; 98], b"ef"].concat();
    ensure_eq!(contents.4, Ok(expected), "contents with two holes");
    Ok(())
}

fn lseek_set_cur_and_end_move_the_position() -> TestResult {
    let _compared = same_as_tmpfs(libc::O_RDWR, SEEK, |fd| {
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
    let results = same_as_tmpfs(libc::O_RDWR, SEEK, |fd| {
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
    let _compared = same_as_tmpfs(libc::O_RDWR, SEEK, |fd| {
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
    const TRUNC: Advice = Advice {
        must: "open must empty the device when the file is opened with O_TRUNC for writing \
               (file.flags()), and keep it otherwise.",
        slide: slide::REGULAR_FILE,
    };
    fresh()?;
    let path = module::dev(0);
    let first = sys::open_device(&path, libc::O_WRONLY)?;
    let first = Traced::new(&first);
    first.expect(first.write(b"old contents"), "12", READ)?;
    // Opening without O_TRUNC keeps the contents; with it, empties the device.
    let kept_fd = sys::open_device(&path, libc::O_RDWR)?;
    let kept = Traced::new(&kept_fd);
    let fd_number = kept_fd.raw().to_string();
    kept.happened(&format!("open(\"{path}\", O_RDWR)"), &fd_number);
    kept.expect(kept.contents(), "12 bytes: \"old contents\"", TRUNC)?;
    let emptied = sys::open_device(&path, libc::O_WRONLY | libc::O_TRUNC)?;
    kept.happened(
        &format!("open(\"{path}\", O_WRONLY | O_TRUNC)"),
        &emptied.raw().to_string(),
    );
    kept.expect(kept.contents(), "nothing", TRUNC)?;
    let emptied = Traced::new(&emptied);
    emptied.expect(emptied.write(b"new"), "3", TRUNC)?;
    kept.expect(kept.contents(), "3 bytes: \"new\"", TRUNC)?;
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
    let _compared = same_as_tmpfs(
        libc::O_RDWR | libc::O_APPEND,
        Advice {
            must: "With O_APPEND (kiocb.is_append()), write_iter must write at the end, whatever \
                   the position or pwrite's offset, and move the position past it.",
            slide: slide::REGULAR_FILE,
        },
        |fd| {
            (
                fd.write(b"ab"),
                fd.lseek(0, libc::SEEK_SET),
                fd.write(b"cd"),
                fd.pwrite(b"ef", 0),
                fd.lseek(0, libc::SEEK_CUR),
            )
        },
    )?;
    Ok(())
}

/// What a write must do at the capacity.
const FITS: Advice = Advice {
    must: "write_iter must write only what fits below the capacity and return that count, and \
           fail with ENOSPC where not a byte fits, changing nothing.",
    slide: slide::WRITE_WHERE,
};

fn write_across_the_capacity_is_short() -> TestResult {
    fresh()?;
    let capacity = capacity();
    let fd = module::open(0, libc::O_RDWR)?;
    let fd = Traced::new(&fd);
    fd.expect(fd.pwrite(&[9; 100], capacity - 40), "40", FITS)?;
    // At step 3 only a write moves the position: to 10 before the capacity.
    fd.expect(
        fd.write(&vec![0; (capacity - 10) as usize]),
        &(capacity - 10).to_string(),
        FITS,
    )?;
    fd.expect(fd.write(&[8; 100]), "10", FITS)?;
    let contents = fd.contents().unwrap_or_default();
    let mut expected = vec![0; (capacity - 10) as usize];
    expected.extend_from_slice(&[8; 10]);
    ensure_eq!(
        contents,
        expected,
        "what the device holds after the short writes"
    );
    Ok(())
}

fn write_at_or_past_the_capacity_fails_with_enospc() -> TestResult {
    fresh()?;
    let capacity = capacity();
    let fd = module::open(0, libc::O_RDWR)?;
    let fd = Traced::new(&fd);
    fd.expect(fd.write(b"kept"), "4", FITS)?;
    for offset in [capacity, capacity + 1, 1 << 40] {
        fd.expect(fd.pwrite(b"x", offset), "-1 ENOSPC", FITS)?;
    }
    fd.expect(fd.contents(), "4 bytes: \"kept\"", FITS)?;
    // Filled to the capacity by writing, the position is at the capacity: a write there fails,
    // and so does an append to a full device (from step 4, which brings O_APPEND).
    fd.expect(
        fd.write(&vec![1; capacity as usize - 4]),
        &(capacity - 4).to_string(),
        FITS,
    )?;
    fd.expect(fd.write(b"x"), "-1 ENOSPC", FITS)?;
    if module::step() >= 4 {
        let append = module::open(0, libc::O_WRONLY | libc::O_APPEND)?;
        let append = Traced::new(&append);
        append.expect(append.write(b"y"), "-1 ENOSPC", FITS)?;
    }
    Ok(())
}

fn zero_length_calls_return_zero_anywhere() -> TestResult {
    const EMPTY: Advice = Advice {
        must: "A read or write of 0 bytes must return 0 wherever it is, before any other check, \
               and change nothing.",
        slide: slide::WRITE_WHERE,
    };
    fresh()?;
    let capacity = capacity();
    let fd = module::open(0, libc::O_RDWR)?;
    let fd = Traced::new(&fd);
    fd.expect(fd.write(b"abc"), "3", READ)?;
    for offset in [0, 3, 100, capacity, capacity + 1, i64::MAX] {
        fd.expect(fd.pwrite(&[], offset), "0", EMPTY)?;
        fd.expect(fd.pread(&mut [], offset), "0 \"\"", EMPTY)?;
    }
    if module::step() >= 4 {
        fd.expect(
            fd.lseek(capacity * 2, libc::SEEK_SET),
            &(capacity * 2).to_string(),
            SEEK,
        )?;
        fd.expect(fd.write(&[]), "0", EMPTY)?;
        fd.expect(fd.read(&mut []), "0 \"\"", EMPTY)?;
    }
    fd.expect(fd.contents(), "3 bytes: \"abc\"", EMPTY)?;
    Ok(())
}

fn offsets_near_2_pow_63_fail_cleanly() -> TestResult {
    // Like a regular file: positions up to i64::MAX are fine, and anything that would overflow
    // is refused by the VFS with EINVAL before the driver sees it.
    let results = same_as_tmpfs(
        libc::O_RDWR,
        Advice {
            must:
                "Positions near i64::MAX must fail as on a regular file, never overflow: convert \
                   with try_from (not `as`) and add with checked_add.",
            slide: slide::READ,
        },
        |fd| {
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
        },
    )?;
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
    const FAULT: Advice = Advice {
        must: "Where no byte can be copied, fail with EFAULT; the device and the position stay \
               as they were.",
        slide: slide::WRITE_COPY,
    };
    fresh()?;
    let fd = module::open(0, libc::O_RDWR)?;
    let fd = Traced::new(&fd);
    fd.expect(fd.write(b"precious"), "8", READ)?;
    fd.expect(fd.write_from_bad_pointer(16), "-1 EFAULT", FAULT)?;
    // The position stayed at 8: the next write goes there.
    fd.expect(fd.write(b"!"), "1", FAULT)?;
    fd.expect(fd.contents(), "9 bytes: \"precious!\"", FAULT)?;
    let reader = module::open(0, libc::O_RDONLY)?;
    let reader = Traced::new(&reader);
    reader.expect(reader.read_to_bad_pointer(4), "-1 EFAULT", FAULT)?;
    // The position stayed at 0: the next read starts there.
    reader.expect(reader.read(&mut [0; 4]), "4 \"prec\"", FAULT)?;
    if module::step() >= 4 {
        let append = module::open(0, libc::O_WRONLY | libc::O_APPEND)?;
        let append = Traced::new(&append);
        append.expect(append.write_from_bad_pointer(4096), "-1 EFAULT", FAULT)?;
        fd.expect(fd.contents(), "9 bytes: \"precious!\"", FAULT)?;
    }
    Ok(())
}

/// What the device must do where a write's buffer is not all there.
const FAULT: Advice = Advice {
    must: "Where no byte can be copied, fail with EFAULT and change nothing (no hole); else \
           write what can be.",
    slide: slide::WRITE_COPY,
};

/// Runs `write` on /dev/vdev0 and on a tmpfs file that both hold "0123456789", and expects the
/// device to give `wanted` and then hold `holds`; and tmpfs to do the same, where `same` says
/// it must (some kernels' tmpfs breaks the contract past the end, as a diagnostic says).
fn on_ten_bytes(
    write: impl Fn(&Traced<'_>) -> sys::SysResult<usize>,
    wanted: &str,
    holds: &[u8],
    same: bool,
) -> TestResult {
    fresh()?;
    let (device, file) = (module::open(0, libc::O_RDWR)?, tmpfs_file(libc::O_RDWR)?);
    let (device, file) = (Traced::new(&device), Traced::new(&file));
    for fd in [&device, &file] {
        fd.expect(fd.pwrite(b"0123456789", 0), "10", FAULT)?;
    }
    device.expect(write(&device), wanted, FAULT)?;
    let holds = format!("{} bytes: {}", holds.len(), trace::bytes(holds));
    device.expect(device.contents(), &holds, FAULT)?;
    // What tmpfs gives is compared call by call below.
    let _ = (write(&file), file.contents());
    if let Some(difference) = trace::first_difference(&device.calls(), &file.calls(), FAULT) {
        ensure!(!same, "{difference}");
        crate::ktap::diag(&format!(
            "this kernel's tmpfs breaks the contract here: {}",
            file.calls()
                .last()
                .map(ToString::to_string)
                .unwrap_or_default()
        ));
    }
    Ok(())
}

fn faulting_writes_before_at_and_past_the_end_change_nothing() -> TestResult {
    // Not a byte can be copied, wherever the write starts: the call fails with EFAULT and the
    // device keeps its ten bytes. Past the end, that means no hole either, which some kernels'
    // tmpfs (7.2's) gets wrong: there the test holds vdev to the contract, not to tmpfs.
    for offset in [0, 4, 10, 11, 100, 4000] {
        let write = |fd: &Traced<'_>| fd.pwrite_from("(void *)8", sys::BAD_POINTER, 16, offset);
        on_ten_bytes(write, "-1 EFAULT", b"0123456789", offset <= 10)?;
    }
    Ok(())
}

fn write_from_a_buffer_that_runs_into_a_guard_page_is_short() -> TestResult {
    // A write of 100 bytes whose buffer has only 10 readable ones writes those 10 and returns
    // 10, as on tmpfs; before the end, at it, and past it (the hole reads as zeros).
    let buffer = sys::EdgeBuffer::new(b"ABCDEFGHIJ");
    for offset in [2, 10, 20] {
        let start = offset as usize;
        let mut holds = b"0123456789".to_vec();
        holds.resize(holds.len().max(start + 10), 0);
        holds[start..start + 10].copy_from_slice(&buffer.bytes());
        let write = |fd: &Traced<'_>| {
            fd.pwrite_from(
                "\"ABCDEFGHIJ\" then no memory",
                buffer.ptr() as usize,
                100,
                offset,
            )
        };
        on_ten_bytes(write, "10", &holds, true)?;
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
        let start = offset as usize;
        let mut holds = b"0123456789".to_vec();
        holds.resize(holds.len().max(start + 5), 0);
        holds[start..start + 5].copy_from_slice(&first);
        let write =
            |fd: &Traced<'_>| fd.pwritev("{\"first\", (void *)8, \"last\"}", &segments, offset);
        on_ten_bytes(write, "5", &holds, true)?;
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
