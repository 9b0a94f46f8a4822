// SPDX-License-Identifier: GPL-2.0

//! The differential test as a fuzzer: round after round of random calls from new seeds, on four
//! devices at once (a thread each, several files per device), each compared with a tmpfs file of
//! its own, until the time is up. A failure prints the seed of its round and the command that
//! replays it.

use crate::case;
use crate::differential::{self, device_seed, run_sequence};
use crate::ktap::{self, Case, Suite, TestResult};
use crate::module;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long to fuzz, from the command line (`--fuzz SECONDS`).
pub static SECONDS: AtomicU64 = AtomicU64::new(0);

/// The devices driven at once, a thread each.
const DEVICES: u32 = 4;

/// Calls per device in a round.
const CALLS_PER_ROUND: usize = 2000;

pub fn suite() -> Suite {
    let cases: Vec<Case> = vec![case!(
        last,
        "random_calls_on_four_devices_in_parallel_match_tmpfs",
        fuzz
    )];
    Suite {
        name: "vdev_fuzz".to_string(),
        cases,
    }
}

fn fuzz() -> TestResult {
    let seconds = SECONDS.load(Ordering::Relaxed);
    let first = differential::SEED.load(Ordering::Relaxed);
    module::reload(&format!("devices={DEVICES}"))?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut rounds = 0u64;
    loop {
        let seed = first.wrapping_add(rounds);
        let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..DEVICES)
                .map(|index| {
                    scope.spawn(move || {
                        run_sequence(index, device_seed(seed, index), CALLS_PER_ROUND)
                    })
                })
                .collect();
            threads
                .into_iter()
                .map(|thread| {
                    thread
                        .join()
                        .unwrap_or_else(|_| Err("a thread panicked".into()))
                })
                .collect()
        });
        if let Some(Err(why)) = results.into_iter().find(Result::is_err) {
            return Err(format!(
                "round {rounds}, seed {seed:#x}: {why}\nreplay it with: ./scripts/fuzz --seed {seed:#x} --seconds 1"
            )
            .into());
        }
        rounds += 1;
        if Instant::now() >= deadline {
            break;
        }
    }
    let calls = rounds * u64::from(DEVICES) * CALLS_PER_ROUND as u64;
    ktap::diag(&format!(
        "{rounds} rounds of {DEVICES} devices in parallel, {calls} calls, seeds {first:#x} to {:#x}",
        first.wrapping_add(rounds - 1)
    ));
    Ok(())
}
