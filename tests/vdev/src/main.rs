// SPDX-License-Identifier: GPL-2.0

//! The in-guest tests of vdev, one suite for each part of its contract (see the modules), with
//! results printed in KTAP for the host to parse.
//!
//! Usage: vdev-tests [--seed N] [--calls N] [--only SUITE] [--fuzz SECONDS]
//!                   [--step N --module FILE]
//!
//! - `--seed N`: the seed of the differential test (decimal or 0x hex); random by default, and
//!   printed either way.
//! - `--calls N`: calls per device in the differential test (10000).
//! - `--only SUITE`: run one suite, e.g. `vdev_differential`.
//! - `--fuzz SECONDS`: instead of the suites, fuzz for that long: the differential test, round
//!   after round from seeds that follow `--seed`, on four devices in parallel.
//! - `--step N --module FILE`: test the vdev.ko in FILE as a driver at the workshop's checkpoint
//!   N (1 to 5, or 6, the bonus): only the tests that apply to steps 1 to N run, in one suite
//!   for each step, named after it: `step3_read_and_write` (see [`checkpoint`]).
//!
//! The exit status is 0 when every test passed. The tests load and unload vdev themselves; the
//! first one checks the module as init loaded it at boot.

// Every unsafe block says why it is sound, as in the kernel (which turns the same lint on).
#![deny(clippy::undocumented_unsafe_blocks)]

mod advice;
mod checkpoint;
mod concurrency;
mod differential;
mod faults;
mod file;
mod fuzz;
mod ioctl;
mod ktap;
mod lifecycle;
mod module;
mod sys;
mod trace;
mod vdev_ioctl;

use std::sync::atomic::Ordering;

fn usage(error: &str) -> ! {
    eprintln!("vdev-tests: {error}\nusage: vdev-tests [--seed N] [--calls N] [--only SUITE] [--fuzz SECONDS] [--step N --module FILE]");
    std::process::exit(2)
}

fn number(text: Option<String>, what: &str) -> u64 {
    let text = text.unwrap_or_else(|| usage(&format!("{what} needs a value")));
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.unwrap_or_else(|_| usage(&format!("{what} takes a number, not '{text}'")))
}

/// A seed that differs from run to run.
fn random_seed() -> u64 {
    let mut seed = [0u8; 8];
    match std::fs::File::open("/dev/urandom")
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut seed))
    {
        Ok(()) => u64::from_le_bytes(seed),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|time| time.as_nanos() as u64)
            .unwrap_or(1),
    }
}

fn main() {
    let mut seed = None;
    let mut only = None;
    let mut step = None;
    let mut module_file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed" => seed = Some(number(args.next(), "--seed")),
            "--calls" => {
                let calls = number(args.next(), "--calls");
                differential::CALLS.store(calls as usize, Ordering::Relaxed);
            }
            "--fuzz" => {
                let seconds = number(args.next(), "--fuzz");
                fuzz::SECONDS.store(seconds.max(1), Ordering::Relaxed);
                only = Some("vdev_fuzz".to_string());
            }
            "--step" => {
                let number = number(args.next(), "--step");
                if !(1..=checkpoint::BONUS as u64).contains(&number) {
                    usage(&format!("--step takes 1 to {}", checkpoint::BONUS));
                }
                step = Some(number as u32);
            }
            "--module" => {
                module_file = Some(
                    args.next()
                        .unwrap_or_else(|| usage("--module needs a file")),
                )
            }
            "--only" => only = Some(args.next().unwrap_or_else(|| usage("--only needs a suite"))),
            other => usage(&format!("unknown argument '{other}'")),
        }
    }
    differential::SEED.store(seed.unwrap_or_else(random_seed), Ordering::Relaxed);

    if let Some(step) = step {
        let file = module_file.unwrap_or_else(|| usage("--step needs --module FILE"));
        module::use_checkpoint(file, step);
    } else if module_file.is_some() {
        usage("--module goes with --step");
    }

    // The fuzzer runs only when asked for, with --fuzz.
    let all = if only.as_deref() == Some("vdev_fuzz") {
        vec![fuzz::suite()]
    } else {
        all_suites()
    };
    let suites: Vec<ktap::Suite> = match &only {
        Some(name) => {
            let chosen: Vec<_> = all
                .into_iter()
                .filter(|suite| &suite.name == name)
                .collect();
            if chosen.is_empty() {
                usage(&format!("no suite is called '{name}'"));
            }
            chosen
        }
        None => all,
    };
    let suites = match step {
        Some(step) => at_step(suites, step),
        None => without_the_bonus(suites),
    };
    let passed = ktap::run(&suites);
    std::process::exit(if passed { 0 } else { 1 });
}

/// Every suite but the fuzzer's, in the order they run.
fn all_suites() -> Vec<ktap::Suite> {
    vec![
        lifecycle::suite(),
        checkpoint::suite(),
        file::suite(),
        differential::suite(),
        concurrency::suite(),
        faults::suite(),
        ioctl::suite(),
    ]
}

/// The suites without the bonus step's tests, which the finished driver (step 5's) does not
/// pass: what a run without `--step` runs.
fn without_the_bonus(suites: Vec<ktap::Suite>) -> Vec<ktap::Suite> {
    suites
        .into_iter()
        .filter_map(|mut suite| {
            suite
                .cases
                .retain(|case| case.step.is_none_or(|step| step <= checkpoint::LAST));
            (!suite.cases.is_empty()).then_some(suite)
        })
        .collect()
}

/// The tests of `suites` that a driver at workshop step `step` must pass, those of steps 1 to
/// `step`, in one suite for each step, named after it (`step3_read_and_write`), so that an
/// attendee sees what each step brought.
fn at_step(suites: Vec<ktap::Suite>, step: u32) -> Vec<ktap::Suite> {
    let mut steps: Vec<ktap::Suite> = checkpoint::STEPS[..step as usize]
        .iter()
        .enumerate()
        .map(|(index, title)| ktap::Suite {
            name: format!("step{}_{title}", index + 1),
            cases: Vec::new(),
        })
        .collect();
    for case in suites.into_iter().flat_map(|suite| suite.cases) {
        if let Some(from) = case.step.filter(|from| *from <= step) {
            steps[from as usize - 1].cases.push(case);
        }
    }
    steps.retain(|suite| !suite.cases.is_empty());
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_at(step: u32) -> Vec<&'static str> {
        at_step(all_suites(), step)
            .iter()
            .flat_map(|suite| suite.cases.iter().map(|case| case.name))
            .collect()
    }

    #[test]
    fn step_3_checks_what_its_slides_teach_the_capacity_empty_calls_and_efault() {
        for name in [
            "write_across_the_capacity_is_short",
            "write_at_or_past_the_capacity_fails_with_enospc",
            "zero_length_calls_return_zero_anywhere",
            "bad_user_pointers_fail_with_efault_and_change_nothing",
        ] {
            assert!(names_at(3).contains(&name), "{name}");
            assert!(!names_at(2).contains(&name), "{name}");
        }
    }

    #[test]
    fn each_step_adds_tests_and_the_bonus_runs_all_but_the_boot_check() {
        let counts: Vec<usize> = (1..=checkpoint::BONUS)
            .map(|step| names_at(step).len())
            .collect();
        assert!(
            counts.windows(2).all(|pair| pair[0] < pair[1]),
            "{counts:?}"
        );
        let all: usize = all_suites().iter().map(|suite| suite.cases.len()).sum();
        assert_eq!(counts[counts.len() - 1], all - 1);
        let boot = "boot_parameter_sets_the_number_of_devices";
        assert!(!names_at(checkpoint::BONUS).contains(&boot));
    }

    #[test]
    fn a_run_without_a_step_leaves_the_bonus_out_and_keeps_the_boot_check() {
        let names: Vec<&str> = without_the_bonus(all_suites())
            .iter()
            .flat_map(|suite| suite.cases.iter().map(|case| case.name))
            .collect();
        assert!(names.contains(&"boot_parameter_sets_the_number_of_devices"));
        assert!(!names.contains(&"an_unknown_ioctl_fails_with_enotty"));
        assert_eq!(names.len(), names_at(checkpoint::LAST).len() + 1);
    }

    #[test]
    fn every_test_of_a_step_says_what_to_do_and_which_slide_shows_it() {
        for name in names_at(checkpoint::BONUS) {
            assert!(advice::for_test(name).is_some(), "{name} has no advice");
        }
    }

    #[test]
    fn a_step_run_groups_the_tests_by_the_step_that_brings_them() {
        let names: Vec<String> = at_step(all_suites(), 3)
            .into_iter()
            .map(|suite| suite.name)
            .collect();
        assert_eq!(
            names,
            ["step1_hello", "step2_a_misc_device", "step3_read_and_write"]
        );
    }

    #[test]
    fn test_names_are_unique() {
        let mut names = names_at(checkpoint::LAST);
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}
