// SPDX-License-Identifier: GPL-2.0

//! The calls a test makes on a file, written down as the man pages write them, with what each
//! returned: a test that fails shows an attendee the first call that went wrong, what it gave,
//! what it should have given, what the driver must do, and the slide that shows how.
//!
//! ```text
//! lseek(fd, 0, SEEK_SET) = -1 ESPIPE; a regular file gives 0
//!   before it: write(fd, "hello, world", 12) = 12
//!   vdev must move the position as a regular file does: llseek. Slide "Step 4: like a
//!   regular file".
//! ```
//!
//! Bytes are shown as short text (`"hello"`), runs of one byte by their length (`98 zeros`),
//! other bytes in hex, and long ones cut short with their length.

use crate::sys::{Fd, SysResult};
use std::cell::RefCell;

/// The slides that teach what the tests check, by their titles in `slides/workshop.md` (the
/// fast tier checks that each one is there).
pub mod slide {
    /// Step 1: loading and unloading.
    pub const INIT_EXIT: &str = "Init and exit";
    /// Step 2: the module owns the registration.
    pub const LIFETIME: &str = "The lifetime of the module";
    /// Step 2: the file operations, their owner.
    pub const FILE_OPERATIONS: &str = "The file operations";
    /// Step 2: registering the misc device.
    pub const REGISTER: &str = "Registering the device";
    /// Step 3: the device's state, shared by its files.
    pub const SHARED: &str = "Shared state: `Arc<Device>` and a `Mutex`";
    /// Step 3: reading.
    pub const READ: &str = "read_iter: copy out, advance the position";
    /// Step 3: where a write goes, the capacity.
    pub const WRITE_WHERE: &str = "write_iter: what fits, where";
    /// Step 3: growing, copying in, `EFAULT`.
    pub const WRITE_COPY: &str = "write_iter: make room, copy in, give back the rest";
    /// Step 4: `llseek`, `O_TRUNC`, `O_APPEND`.
    pub const REGULAR_FILE: &str = "Step 4: like a regular file";
    /// Step 5: the parameters.
    pub const PARAMETERS: &str = "Module parameters";
    /// Step 5: checking them.
    pub const CHECKING: &str = "Checking the parameters";
    /// Step 5: several devices.
    pub const DEVICES: &str = "N devices, and a clean failure";
    /// The bonus step: ioctl.
    pub const IOCTL: &str = "Bonus step 6: ioctl";
    /// Debugging: `pr_debug!` and dynamic debug.
    pub const GDB: &str = "gdb on the running kernel";
}

/// How many columns a line of a message may take: `check-step` indents it by six, and an
/// attendee's terminal is 100 wide.
const WIDTH: usize = 92;

/// At most this many characters of bytes in a call.
const BYTES_SHOWN: usize = 24;

/// `data` as a reader would want it: `"hello\n"`, `98 zeros`, `"ab", 98 zeros, "cd"`, `0x01, 0x02`;
/// cut after about [`BYTES_SHOWN`] characters, with the length in all.
pub fn bytes(data: &[u8]) -> String {
    if data.is_empty() {
        return "\"\"".to_string();
    }
    let printable = |byte: u8| (0x20..0x7f).contains(&byte) || byte == b'\n' || byte == b'\t';
    let mut parts: Vec<String> = Vec::new();
    let mut shown = 0;
    let mut at = 0;
    while at < data.len() && shown < BYTES_SHOWN {
        let byte = data[at];
        let run = data[at..]
            .iter()
            .take_while(|&&other| other == byte)
            .count();
        let part = if run >= 4 {
            at += run;
            match byte {
                0 => format!("{run} zeros"),
                byte if (0x20..0x7f).contains(&byte) => format!("{run} × {}", quoted(&[byte])),
                byte => format!("{run} × 0x{byte:02x}"),
            }
        } else if printable(byte) {
            let text: Vec<u8> = data[at..]
                .iter()
                .copied()
                .enumerate()
                .take_while(|&(index, other)| {
                    printable(other)
                        && index < BYTES_SHOWN
                        && data[at + index..]
                            .iter()
                            .take_while(|&&b| b == other)
                            .count()
                            < 4
                })
                .map(|(_, other)| other)
                .collect();
            at += text.len();
            quoted(&text)
        } else {
            at += 1;
            format!("0x{byte:02x}")
        };
        shown += part.len();
        parts.push(part);
    }
    let mut text = parts.join(", ");
    if at < data.len() {
        text.push_str(&format!(", ... ({} bytes)", data.len()));
    }
    text
}

/// Printable bytes in double quotes, with C's escapes.
fn quoted(text: &[u8]) -> String {
    let mut out = String::from("\"");
    for &byte in text {
        match byte {
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            byte => out.push(char::from(byte)),
        }
    }
    out.push('"');
    out
}

/// A result as the man pages give it: the value, or `-1` and the errno.
pub fn result<T: std::fmt::Display>(result: &SysResult<T>) -> String {
    match result {
        Ok(value) => value.to_string(),
        Err(errno) => format!("-1 {errno:?}"),
    }
}

/// The name of an `lseek` whence.
fn whence(whence: i32) -> String {
    match whence {
        libc::SEEK_SET => "SEEK_SET".to_string(),
        libc::SEEK_CUR => "SEEK_CUR".to_string(),
        libc::SEEK_END => "SEEK_END".to_string(),
        other => other.to_string(),
    }
}

/// An offset as a reader knows it: near 2^63, from `i64::MAX`.
fn offset(offset: i64) -> String {
    match offset {
        i64::MAX => "i64::MAX".to_string(),
        offset if offset > i64::MAX - 1000 => format!("i64::MAX - {}", i64::MAX - offset),
        i64::MIN => "i64::MIN".to_string(),
        offset => offset.to_string(),
    }
}

/// One call: how it was made, and what it returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The call, e.g. `pwrite(fd, "ef", 2, 200)`.
    pub call: String,
    /// What it returned, e.g. `2`, `-1 ESPIPE`, or for a read `5 "hello"`.
    pub result: String,
}

impl std::fmt::Display for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} = {}", self.call, self.result)
    }
}

/// What the driver must do, and the slide that shows it: the end of every message.
#[derive(Clone, Copy)]
pub struct Advice {
    /// One sentence: what the driver must do.
    pub must: &'static str,
    /// The title of the slide that shows it (one of [`slide`]).
    pub slide: &'static str,
}

impl Advice {
    /// The advice, wrapped to the width of a message.
    pub fn lines(&self) -> Vec<String> {
        wrap(&format!("{} Slide \"{}\".", self.must, self.slide))
    }
}

/// Breaks `text` into lines of at most [`WIDTH`] columns, at spaces.
pub fn wrap(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WIDTH {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// `text` with each of its lines wrapped to the width of a message, keeping its indentation.
pub fn wrap_message(text: &str) -> String {
    text.lines()
        .flat_map(|line| {
            let body = line.trim_start();
            let indent = &line[..line.len() - body.len()];
            wrap(body)
                .into_iter()
                .map(move |part| format!("{indent}{part}"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The message for `call`, which gave what it gave where `wanted` says what it should have,
/// after the call `before` (if any): at most three lines where it can be (with `check-step`'s
/// line naming the test, four), so the call that came before is left out where it would make
/// a fourth.
pub fn message(call: &Call, wanted: &str, before: Option<&Call>, advice: Advice) -> String {
    let advice: Vec<String> = advice
        .lines()
        .iter()
        .map(|line| format!("  {line}"))
        .collect();
    let what = wrap(&format!("{call}; {wanted}"));
    if let Some(before) = before {
        let with_before = wrap(&format!("after {before}: {call}; {wanted}"));
        if with_before.len() + advice.len() <= 3 {
            return [with_before, advice].concat().join("\n");
        }
    }
    [what, advice].concat().join("\n")
}

/// A file whose calls are written down as they are made.
pub struct Traced<'a> {
    fd: &'a Fd,
    calls: RefCell<Vec<Call>>,
}

impl<'a> Traced<'a> {
    pub fn new(fd: &'a Fd) -> Traced<'a> {
        Traced {
            fd,
            calls: RefCell::new(Vec::new()),
        }
    }

    /// The calls made so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.borrow().clone()
    }

    /// Writes down a call made elsewhere that matters to this file's next ones, such as the
    /// `open` of another file of the same device.
    pub fn happened(&self, call: &str, result: &str) {
        self.record(call.to_string(), result.to_string());
    }

    fn record(&self, call: String, result: String) {
        self.calls.borrow_mut().push(Call { call, result });
    }

    /// What a read gave: the count and what it read.
    fn read_result(buf: &[u8], done: &SysResult<usize>) -> String {
        match done {
            Ok(count) => format!("{count} {}", bytes(&buf[..*count])),
            Err(_) => result(done),
        }
    }

    pub fn read(&self, buf: &mut [u8]) -> SysResult<usize> {
        let done = self.fd.read(buf);
        let call = format!("read(fd, buf, {})", buf.len());
        self.record(call, Self::read_result(buf, &done));
        done
    }

    pub fn pread(&self, buf: &mut [u8], at: i64) -> SysResult<usize> {
        let done = self.fd.pread(buf, at);
        let call = format!("pread(fd, buf, {}, {})", buf.len(), offset(at));
        self.record(call, Self::read_result(buf, &done));
        done
    }

    pub fn write(&self, buf: &[u8]) -> SysResult<usize> {
        let done = self.fd.write(buf);
        self.record(
            format!("write(fd, {}, {})", bytes(buf), buf.len()),
            result(&done),
        );
        done
    }

    pub fn pwrite(&self, buf: &[u8], at: i64) -> SysResult<usize> {
        let done = self.fd.pwrite(buf, at);
        let call = format!("pwrite(fd, {}, {}, {})", bytes(buf), buf.len(), offset(at));
        self.record(call, result(&done));
        done
    }

    /// Writes `count` bytes at `at` from the user address `address`, which need not be
    /// mapped; `what` shows the buffer in the call, e.g. `(void *)8`.
    pub fn pwrite_from(
        &self,
        what: &str,
        address: usize,
        count: usize,
        at: i64,
    ) -> SysResult<usize> {
        let done = self.fd.write_from_address(address, count, Some(at));
        let call = format!("pwrite(fd, {what}, {count}, {})", offset(at));
        self.record(call, result(&done));
        done
    }

    /// Writes the segments `(address, length)` at `at` with one `pwritev`; `what` shows them.
    pub fn pwritev(&self, what: &str, segments: &[(usize, usize)], at: i64) -> SysResult<usize> {
        let done = self.fd.pwritev(segments, at);
        let call = format!("pwritev(fd, {what}, {}, {})", segments.len(), offset(at));
        self.record(call, result(&done));
        done
    }

    /// Writes `count` bytes from an address where no memory is mapped.
    pub fn write_from_bad_pointer(&self, count: usize) -> SysResult<usize> {
        let done = self.fd.write_from_bad_pointer(count);
        self.record(format!("write(fd, (void *)8, {count})"), result(&done));
        done
    }

    /// Reads `count` bytes to an address where no memory is mapped.
    pub fn read_to_bad_pointer(&self, count: usize) -> SysResult<usize> {
        let done = self.fd.read_to_bad_pointer(count);
        self.record(format!("read(fd, (void *)8, {count})"), result(&done));
        done
    }

    pub fn lseek(&self, to: i64, from: i32) -> SysResult<i64> {
        let done = self.fd.lseek(to, from);
        self.record(
            format!("lseek(fd, {}, {})", offset(to), whence(from)),
            result(&done),
        );
        done
    }

    /// Everything the file holds, read from offset 0 to the end.
    pub fn contents(&self) -> SysResult<Vec<u8>> {
        let all = self.fd.contents();
        let shown = match &all {
            Ok(data) if data.is_empty() => "nothing".to_string(),
            Ok(data) => format!("{} bytes: {}", data.len(), bytes(data)),
            Err(errno) => result::<usize>(&Err(*errno)),
        };
        self.record("what it holds".to_string(), shown);
        all
    }

    /// Fails, with the message an attendee reads, unless the call whose result is `_done` (the
    /// last one made) gave `wanted`, as the man pages write it: `40`, `-1 ENOSPC`, `5 "hello"`,
    /// `nothing`.
    pub fn expect<T>(
        &self,
        _done: SysResult<T>,
        wanted: &str,
        advice: Advice,
    ) -> Result<(), String> {
        let calls = self.calls.borrow();
        let Some((last, earlier)) = calls.split_last() else {
            return Err("the test made no call".to_string());
        };
        if last.result == wanted {
            return Ok(());
        }
        let wanted = format!("it must give {wanted}");
        Err(message(last, &wanted, earlier.last(), advice))
    }
}

/// Where the calls made on vdev and on a regular file first differ: the message an attendee
/// reads, or `None` when they are the same.
pub fn first_difference(on_device: &[Call], on_file: &[Call], advice: Advice) -> Option<String> {
    let index = on_device
        .iter()
        .zip(on_file)
        .position(|(device, file)| device != file)?;
    let (device, file) = (&on_device[index], &on_file[index]);
    let wanted = if device.call == file.call {
        format!("a regular file gives {}", file.result)
    } else {
        format!("a regular file: {file}")
    };
    let before = index.checked_sub(1).map(|earlier| &on_device[earlier]);
    Some(message(device, &wanted, before, advice))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADVICE: Advice = Advice {
        must: "vdev must move the position as a regular file does: llseek.",
        slide: slide::REGULAR_FILE,
    };

    #[test]
    fn bytes_are_short_text_runs_or_hex() {
        assert_eq!(bytes(b""), "\"\"");
        assert_eq!(bytes(b"hello\n"), "\"hello\\n\"");
        let holes: Vec<u8> = [&b"ab"[..], &[0; 98], b"cd"].concat();
        assert_eq!(bytes(&holes), "\"ab\", 98 zeros, \"cd\"");
        assert_eq!(bytes(&[7; 50]), "50 × 0x07");
        assert_eq!(bytes(&[1, 2]), "0x01, 0x02");
        let text = b"the quick brown fox jumps over the lazy dog".to_vec();
        assert_eq!(bytes(&text), "\"the quick brown fox jump\", ... (43 bytes)");
    }

    #[test]
    fn the_first_differing_call_is_shown_with_what_a_regular_file_gives_and_the_advice() {
        let write = Call {
            call: "write(fd, \"hello, world\", 12)".to_string(),
            result: "12".to_string(),
        };
        let seek = |result: &str| Call {
            call: "lseek(fd, 0, SEEK_SET)".to_string(),
            result: result.to_string(),
        };
        let device = [write.clone(), seek("-1 ESPIPE")];
        let file = [write, seek("0")];
        let text = first_difference(&device, &file, ADVICE).unwrap();
        // With the write before it, it would take four lines: the write is left out.
        assert_eq!(
            text,
            "lseek(fd, 0, SEEK_SET) = -1 ESPIPE; a regular file gives 0\n  \
             vdev must move the position as a regular file does: llseek. Slide \"Step 4: like a \
             regular\n  file\"."
        );
        assert!(text.lines().all(|line| line.chars().count() <= WIDTH + 2));
        assert_eq!(first_difference(&file, &file, ADVICE), None);
    }

    #[test]
    fn the_call_before_is_left_out_where_it_would_make_a_fourth_line() {
        let call = |text: &str| Call {
            call: format!("pwrite(fd, {text}, 100, 1048536)"),
            result: "100".to_string(),
        };
        let before = call("\"a long buffer of some twenty-four\", ... (400 bytes)");
        let text = message(
            &call("100 × 0x09"),
            "it must give 40",
            Some(&before),
            ADVICE,
        );
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.starts_with("pwrite(fd, 100 × 0x09, 100, 1048536) = 100; it must give 40\n"));
    }

    #[test]
    fn offsets_near_the_top_are_counted_from_i64_max() {
        assert_eq!(offset(i64::MAX - 1), "i64::MAX - 1");
        assert_eq!(offset(4096), "4096");
    }
}
