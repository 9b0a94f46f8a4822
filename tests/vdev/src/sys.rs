// SPDX-License-Identifier: GPL-2.0

//! The system calls the tests make, each returning the kernel's result as it is: a value, or the
//! errno. Nothing here retries or hides a short count.

use std::ffi::CString;
use std::fmt;

/// An errno, shown by its name.
#[derive(Copy, Clone, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    fn last() -> Errno {
        Errno(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            libc::EPERM => "EPERM",
            libc::ENOENT => "ENOENT",
            libc::EBADF => "EBADF",
            libc::EAGAIN => "EAGAIN",
            libc::ENOMEM => "ENOMEM",
            libc::EFAULT => "EFAULT",
            libc::EBUSY => "EBUSY",
            libc::EEXIST => "EEXIST",
            libc::EINVAL => "EINVAL",
            libc::EFBIG => "EFBIG",
            libc::ENOSPC => "ENOSPC",
            libc::ESPIPE => "ESPIPE",
            libc::ENOTTY => "ENOTTY",
            libc::EOVERFLOW => "EOVERFLOW",
            other => return write!(f, "errno {other}"),
        };
        f.write_str(name)
    }
}

/// The result of a system call.
pub type SysResult<T> = Result<T, Errno>;

fn check(ret: isize) -> SysResult<usize> {
    if ret < 0 {
        Err(Errno::last())
    } else {
        Ok(ret as usize)
    }
}

fn cstring(text: &str) -> CString {
    CString::new(text).expect("no NUL in paths and parameters")
}

/// An open file descriptor, closed when dropped.
#[derive(Debug)]
pub struct Fd(i32);

/// Opens `path` with the `O_*` flags in `flags`, creating it with mode 0644 if asked to.
pub fn open(path: &str, flags: i32) -> SysResult<Fd> {
    let path = cstring(path);
    // SAFETY: `path` is a valid C string; open does not keep the pointer.
    let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC, 0o644) };
    check(fd as isize).map(|_| Fd(fd))
}

/// Opens `path` as [`open`] does, for a test: the error says which path failed, and how.
pub fn open_file(path: &str, flags: i32) -> Result<Fd, String> {
    open(path, flags).map_err(|errno| format!("opening {path}: {errno:?}"))
}

/// The major number of misc devices (`MISC_MAJOR` in include/linux/major.h).
const MISC_MAJOR: u32 = 10;

/// Opens `path`, which must be a misc character device, with `flags` (never creating it).
///
/// A test of a device must not pass on something else: a missing node is an error, and so is a
/// regular file of that name (an earlier `O_CREAT` would have made one in devtmpfs).
pub fn open_device(path: &str, flags: i32) -> Result<Fd, String> {
    let fd = open(path, flags & !libc::O_CREAT).map_err(|errno| match errno {
        Errno(libc::ENOENT) => format!("{path} does not exist: the driver did not register it"),
        errno => format!("opening {path}: {errno:?}"),
    })?;
    // SAFETY: `stat` is plain data, for which all zeros is a valid value.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: The descriptor is open and `stat` is valid for writes.
    if unsafe { libc::fstat(fd.raw(), &mut stat) } < 0 {
        return Err(format!("fstat of {path}: {:?}", Errno::last()));
    }
    let kind = stat.st_mode & libc::S_IFMT;
    if kind != libc::S_IFCHR {
        let what = match kind {
            libc::S_IFREG => "a regular file",
            libc::S_IFDIR => "a directory",
            _ => "not a character device",
        };
        return Err(format!(
            "{path} is {what}, not the driver's character device (was it created by a test or a \
             command while the driver was not loaded?)"
        ));
    }
    let major = libc::major(stat.st_rdev);
    if major != MISC_MAJOR {
        return Err(format!(
            "{path} is the character device {major}:{}, not a misc device ({MISC_MAJOR}:N)",
            libc::minor(stat.st_rdev)
        ));
    }
    Ok(fd)
}

/// A buffer of `len` bytes that ends where the accessible memory ends: the page after it is a
/// guard page (`PROT_NONE`), so a copy that runs past `len` faults there. The guard page stays
/// mapped, so that no other thread's mapping (a new thread's stack, say) can take its place,
/// and is unmapped with the buffer when it is dropped.
pub struct EdgeBuffer {
    map: *mut libc::c_void,
    map_len: usize,
    len: usize,
}

impl EdgeBuffer {
    /// A buffer that holds `bytes` (at most a page) right before a guard page.
    pub fn new(bytes: &[u8]) -> EdgeBuffer {
        let len = bytes.len();
        // SAFETY: sysconf takes no pointers.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
        assert!(len <= page, "an edge buffer is at most a page");
        let map_len = 2 * page;
        // SAFETY: A new anonymous private mapping, at an address the kernel chooses.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert!(
            map != libc::MAP_FAILED,
            "mmap of two pages: {:?}",
            Errno::last()
        );
        // SAFETY: The second page is part of the mapping just made, which nothing else uses
        // yet; after this, only the first can be read or written.
        let guarded =
            unsafe { libc::mprotect(map.cast::<u8>().add(page).cast(), page, libc::PROT_NONE) };
        assert_eq!(
            guarded,
            0,
            "mprotect of the second page: {:?}",
            Errno::last()
        );
        let buffer = EdgeBuffer { map, map_len, len };
        // SAFETY: The buffer's `len` bytes lie in the first page, which is mapped and
        // writable, and `bytes` is another allocation.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer.ptr(), len) };
        buffer
    }

    /// The first byte of the buffer: `len` bytes before the guard page.
    pub fn ptr(&self) -> *mut u8 {
        // SAFETY: `len` is at most a page, so the result is inside the first page or at its
        // end.
        unsafe { self.map.cast::<u8>().add(self.map_len / 2 - self.len) }
    }

    /// The bytes of the buffer.
    pub fn bytes(&self) -> Vec<u8> {
        // SAFETY: The `len` bytes from `ptr()` are mapped, readable and initialised.
        unsafe { std::slice::from_raw_parts(self.ptr(), self.len) }.to_vec()
    }
}

impl Drop for EdgeBuffer {
    fn drop(&mut self) {
        // SAFETY: The range is the mapping made in `new`, both pages still mapped (the second
        // as the guard page): it is this buffer's alone, and nothing points into it after the
        // drop.
        unsafe { libc::munmap(self.map, self.map_len) };
    }
}

/// A user pointer that points at no memory: the first page is never mapped.
pub const BAD_POINTER: usize = 8;

impl Fd {
    /// Returns the raw descriptor.
    pub fn raw(&self) -> i32 {
        self.0
    }

    pub fn read(&self, buf: &mut [u8]) -> SysResult<usize> {
        // SAFETY: `buf` is valid for writes of its length.
        check(unsafe { libc::read(self.0, buf.as_mut_ptr().cast(), buf.len()) })
    }

    pub fn write(&self, buf: &[u8]) -> SysResult<usize> {
        // SAFETY: `buf` is valid for reads of its length.
        check(unsafe { libc::write(self.0, buf.as_ptr().cast(), buf.len()) })
    }

    pub fn pread(&self, buf: &mut [u8], offset: i64) -> SysResult<usize> {
        // SAFETY: `buf` is valid for writes of its length.
        check(unsafe { libc::pread64(self.0, buf.as_mut_ptr().cast(), buf.len(), offset) })
    }

    pub fn pwrite(&self, buf: &[u8], offset: i64) -> SysResult<usize> {
        // SAFETY: `buf` is valid for reads of its length.
        check(unsafe { libc::pwrite64(self.0, buf.as_ptr().cast(), buf.len(), offset) })
    }

    pub fn lseek(&self, offset: i64, whence: i32) -> SysResult<i64> {
        // SAFETY: lseek takes no pointers.
        let ret = unsafe { libc::lseek64(self.0, offset, whence) };
        if ret < 0 {
            Err(Errno::last())
        } else {
            Ok(ret)
        }
    }

    /// Reads with a user pointer that points at no memory, to check the EFAULT path.
    pub fn read_to_bad_pointer(&self, count: usize) -> SysResult<usize> {
        self.read_to_address(BAD_POINTER, count, None)
    }

    /// Writes from a user pointer that points at no memory, to check the EFAULT path.
    pub fn write_from_bad_pointer(&self, count: usize) -> SysResult<usize> {
        self.write_from_address(BAD_POINTER, count, None)
    }

    /// Writes `count` bytes from the user address `address` at `offset` (`pwrite`), or at the
    /// file position (`write`) when `offset` is `None`; the address need not be mapped.
    pub fn write_from_address(
        &self,
        address: usize,
        count: usize,
        offset: Option<i64>,
    ) -> SysResult<usize> {
        let buf = address as *const libc::c_void;
        // SAFETY: The kernel checks user pointers: an unmapped address gives EFAULT, and
        // nothing in this process is read but what `address` names.
        check(unsafe {
            match offset {
                Some(offset) => libc::pwrite64(self.0, buf, count, offset),
                None => libc::write(self.0, buf, count),
            }
        })
    }

    /// Reads `count` bytes into the user address `address` at `offset` (`pread`), or at the
    /// file position when `offset` is `None`; the address need not be mapped.
    pub fn read_to_address(
        &self,
        address: usize,
        count: usize,
        offset: Option<i64>,
    ) -> SysResult<usize> {
        let buf = address as *mut libc::c_void;
        // SAFETY: The kernel checks user pointers. The callers pass an unmapped address or
        // memory of theirs that nothing else uses meanwhile.
        check(unsafe {
            match offset {
                Some(offset) => libc::pread64(self.0, buf, count, offset),
                None => libc::read(self.0, buf, count),
            }
        })
    }

    /// Writes the segments `(address, length)` at `offset` with one `pwritev`; the addresses
    /// need not be mapped.
    pub fn pwritev(&self, segments: &[(usize, usize)], offset: i64) -> SysResult<usize> {
        let iov: Vec<libc::iovec> = segments
            .iter()
            .map(|&(address, len)| libc::iovec {
                iov_base: address as *mut libc::c_void,
                iov_len: len,
            })
            .collect();
        // SAFETY: `iov` is valid for reads of its length; the kernel checks the addresses in it.
        check(unsafe { libc::pwritev64(self.0, iov.as_ptr(), iov.len() as i32, offset) })
    }

    /// The file's size, from fstat.
    pub fn size(&self) -> SysResult<i64> {
        // SAFETY: `stat` is plain data, for which all zeros is a valid value.
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: The descriptor is open and `stat` is valid for writes.
        if unsafe { libc::fstat(self.0, &mut stat) } < 0 {
            return Err(Errno::last());
        }
        Ok(stat.st_size)
    }

    /// Sets the file's size (`ftruncate`).
    pub fn set_size(&self, size: i64) -> SysResult<()> {
        // SAFETY: ftruncate takes no pointers.
        check(unsafe { libc::ftruncate64(self.0, size) } as isize).map(|_| ())
    }

    /// Calls `ioctl` with `cmd` and the argument `arg` (an address or a number), as C's
    /// `ioctl(fd, cmd, arg)` does; the kernel checks any address in it.
    pub fn ioctl(&self, cmd: u32, arg: usize) -> SysResult<i32> {
        // SAFETY: The descriptor is open. A command that reads or writes memory at `arg` is
        // checked by the kernel: an unmapped address gives EFAULT, and the callers pass either
        // such an address or memory of theirs that nothing else uses meanwhile.
        let ret = unsafe { libc::ioctl(self.0, cmd as _, arg) };
        check(ret as isize).map(|value| value as i32)
    }

    /// Reads from offset 0 to the end: the whole contents.
    pub fn contents(&self) -> SysResult<Vec<u8>> {
        let mut all = Vec::new();
        let mut buf = vec![0; 1 << 16];
        loop {
            let done = self.pread(&mut buf, all.len() as i64)?;
            if done == 0 {
                return Ok(all);
            }
            all.extend_from_slice(&buf[..done]);
        }
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: The descriptor is ours, and it is closed once.
        unsafe { libc::close(self.0) };
    }
}

/// Loads the module in the file at `path` with `params` (`finit_module`).
pub fn finit_module(path: &str, params: &str) -> SysResult<()> {
    let file = open(path, libc::O_RDONLY)?;
    let params = cstring(params);
    // SAFETY: The descriptor is open and `params` is a valid C string.
    let ret = unsafe { libc::syscall(libc::SYS_finit_module, file.raw(), params.as_ptr(), 0) };
    check(ret as isize).map(|_| ())
}

/// Unloads the module `name` without waiting (`delete_module` with `O_NONBLOCK`, as rmmod).
pub fn delete_module(name: &str) -> SysResult<()> {
    let name = cstring(name);
    // SAFETY: `name` is a valid C string.
    let ret = unsafe { libc::syscall(libc::SYS_delete_module, name.as_ptr(), libc::O_NONBLOCK) };
    check(ret as isize).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page after an edge buffer stays taken while the buffer lives: another thread's
    /// new mapping there (the fuzzer's threads start while others write) would turn the
    /// buffer's fault into a copy, and the buffer's drop would unmap that thread's memory.
    #[test]
    fn no_other_mapping_takes_the_page_after_an_edge_buffer() {
        let buffer = EdgeBuffer::new(b"0123456789");
        let after = buffer.ptr() as usize + 10;
        // SAFETY: MAP_FIXED_NOREPLACE maps nothing where a mapping already is; where it does
        // map, the new mapping is unmapped at once and nothing points into it.
        let map = unsafe {
            libc::mmap(
                after as *mut libc::c_void,
                1,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE,
                -1,
                0,
            )
        };
        if map != libc::MAP_FAILED {
            // SAFETY: The mapping just made above, of one page.
            unsafe { libc::munmap(map, 1) };
        }
        assert_eq!(
            map,
            libc::MAP_FAILED,
            "a new mapping took the page after the buffer"
        );
        assert_eq!(Errno::last(), Errno(libc::EEXIST));
    }
}
