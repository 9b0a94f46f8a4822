// SPDX-License-Identifier: GPL-2.0

//! Printing results in KTAP, the kernel's test format: one document whose tests are the suites,
//! each suite a nested document of its test cases. As in KUnit, a test's diagnostic lines come
//! before its result line.

use std::io::Write;

/// Why a test case did not pass.
#[derive(Debug)]
pub enum Failure {
    /// It failed; the text says how, in one line or several.
    Failed(String),
    /// It could not run here; the text says why.
    Skipped(String),
}

impl From<String> for Failure {
    fn from(why: String) -> Failure {
        Failure::Failed(why)
    }
}

impl From<Failure> for String {
    fn from(failure: Failure) -> String {
        match failure {
            Failure::Failed(why) => why,
            Failure::Skipped(why) => format!("skipped: {why}"),
        }
    }
}

/// What a test case returns.
pub type TestResult = Result<(), Failure>;

/// Ends a test case as skipped, for a reason.
pub fn skip(reason: &str) -> TestResult {
    Err(Failure::Skipped(reason.to_string()))
}

/// A test case: its name, which says the behaviour it checks, the workshop step from which it
/// applies, and its function. Made with [`case!`](crate::case).
pub struct Case {
    /// The test's name, printed in its result line.
    pub name: &'static str,
    /// The first workshop step whose driver must pass it (see [`crate::checkpoint`]); `None`
    /// for a test of the module as init loaded it at boot, which no checkpoint has.
    pub step: Option<u32>,
    /// The test itself.
    pub run: fn() -> TestResult,
}

/// Registers a test case together with the workshop step from which it applies, so that the
/// two cannot disagree:
///
/// - `case!(4, function)`: the test `function`, from step 4 on (1 to 5);
/// - `case!(last, function)`: only the finished driver passes it;
/// - `case!(boot, function)`: it checks the module init loaded at boot, at no step;
/// - `case!(4, "name", closure)`: a test whose function has another name.
#[macro_export]
macro_rules! case {
    (boot, $function:ident) => {
        $crate::ktap::Case {
            name: stringify!($function),
            step: None,
            run: $function,
        }
    };
    (last, $($rest:tt)+) => {
        $crate::case!($crate::checkpoint::LAST, $($rest)+)
    };
    ($step:expr, $function:ident) => {
        $crate::case!($step, stringify!($function), $function)
    };
    ($step:expr, $name:expr, $run:expr) => {
        $crate::ktap::Case {
            name: $name,
            step: Some($step),
            run: $run,
        }
    };
}

/// A suite: its name and its cases, run in order.
pub struct Suite {
    pub name: String,
    pub cases: Vec<Case>,
}

/// Prints a line at once, so that a crash in the kernel leaves every earlier result on the
/// console.
fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// Prints a diagnostic line of a test case: it belongs to the result that follows it.
pub fn diag(text: &str) {
    for part in text.lines() {
        line(&format!("    # {part}"));
    }
}

/// Runs the suites and prints their results; returns whether all passed.
pub fn run(suites: &[Suite]) -> bool {
    line("KTAP version 1");
    line(&format!("1..{}", suites.len()));
    let mut all_passed = true;
    for (number, suite) in suites.iter().enumerate() {
        line("    KTAP version 1");
        line(&format!("    # Subtest: {}", suite.name));
        line(&format!("    1..{}", suite.cases.len()));
        let mut passed = true;
        for (case_number, case) in suite.cases.iter().enumerate() {
            let name = case.name;
            // Said first, so that a test during which the kernel crashes has a name.
            line(&format!("    # running {name}"));
            match (case.run)() {
                Ok(()) => line(&format!("    ok {} {name}", case_number + 1)),
                Err(Failure::Skipped(why)) => {
                    line(&format!("    ok {} {name} # SKIP {why}", case_number + 1))
                }
                Err(Failure::Failed(why)) => {
                    diag(&crate::trace::wrap_message(&why));
                    // What to do about it, unless the test said so already.
                    if !why.contains("Slide \"") {
                        if let Some(advice) = crate::advice::for_test(name) {
                            diag(&advice.lines().join("\n"));
                        }
                    }
                    line(&format!("    not ok {} {name}", case_number + 1));
                    passed = false;
                }
            }
        }
        let verdict = if passed { "ok" } else { "not ok" };
        line(&format!("{verdict} {} {}", number + 1, suite.name));
        all_passed &= passed;
    }
    all_passed
}

/// Fails the test with a message unless `condition` holds.
#[macro_export]
macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+).into());
        }
    };
}

/// A value in a message, shown for a reader: bytes as text or an excerpt
/// ([`trace::bytes`](crate::trace::bytes)), a system call's result as the man pages give it
/// (`12`, `-1 ENOSPC`), anything else as `{:?}` shows it. Which one is chosen by the type:
/// `(&Shown(value)).shown()` takes [`AsBytes`] where the type has it, else [`AsDebug`].
pub struct Shown<'a, T: ?Sized>(pub &'a T);

/// How values that are bytes or results of calls are shown.
pub trait AsBytes {
    fn shown(&self) -> String;
}

/// How every other value is shown.
pub trait AsDebug {
    fn shown(&self) -> String;
}

impl<T: std::fmt::Debug + ?Sized> AsDebug for &Shown<'_, T> {
    fn shown(&self) -> String {
        format!("{:?}", self.0)
    }
}

impl AsBytes for Shown<'_, Vec<u8>> {
    fn shown(&self) -> String {
        crate::trace::bytes(self.0)
    }
}

impl AsBytes for Shown<'_, [u8]> {
    fn shown(&self) -> String {
        crate::trace::bytes(self.0)
    }
}

impl AsBytes for Shown<'_, &[u8]> {
    fn shown(&self) -> String {
        crate::trace::bytes(self.0)
    }
}

impl<const N: usize> AsBytes for Shown<'_, [u8; N]> {
    fn shown(&self) -> String {
        crate::trace::bytes(self.0)
    }
}

impl<const N: usize> AsBytes for Shown<'_, &[u8; N]> {
    fn shown(&self) -> String {
        crate::trace::bytes(*self.0)
    }
}

impl AsBytes for Shown<'_, crate::sys::SysResult<Vec<u8>>> {
    fn shown(&self) -> String {
        match self.0 {
            Ok(bytes) => crate::trace::bytes(bytes),
            Err(errno) => crate::trace::result::<usize>(&Err(*errno)),
        }
    }
}

impl AsBytes for Shown<'_, crate::sys::SysResult<usize>> {
    fn shown(&self) -> String {
        crate::trace::result(self.0)
    }
}

impl AsBytes for Shown<'_, crate::sys::SysResult<i64>> {
    fn shown(&self) -> String {
        crate::trace::result(self.0)
    }
}

impl AsBytes for Shown<'_, crate::sys::SysResult<()>> {
    fn shown(&self) -> String {
        crate::trace::result(&self.0.map(|()| 0))
    }
}

/// Fails the test unless the two values are equal, showing both for a reader ([`Shown`]).
#[macro_export]
macro_rules! ensure_eq {
    ($left:expr, $right:expr, $($message:tt)+) => {{
        #[allow(unused_imports)]
        use $crate::ktap::{AsBytes as _, AsDebug as _};
        let (left, right) = (&$left, &$right);
        if left != right {
            return Err(format!(
                "{}: got {}, expected {}",
                format!($($message)+),
                (&$crate::ktap::Shown(left)).shown(),
                (&$crate::ktap::Shown(right)).shown()
            )
            .into());
        }
    }};
}
