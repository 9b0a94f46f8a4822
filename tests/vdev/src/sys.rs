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
        // SAFETY: The kernel checks user pointers; this address is never mapped (the first page).
        check(unsafe { libc::read(self.0, 8 as *mut libc::c_void, count) })
    }

    /// Writes from a user pointer that points at no memory, to check the EFAULT path.
    pub fn write_from_bad_pointer(&self, count: usize) -> SysResult<usize> {
        // SAFETY: As above.
        check(unsafe { libc::write(self.0, 8 as *const libc::c_void, count) })
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
