// SPDX-License-Identifier: GPL-2.0

//! What the driver must do to pass each test of the workshop's steps, and the slide that shows
//! it: a failure's message ends with it, unless the test gave more precise advice of its own
//! (see [`trace`](crate::trace)). Every test that a step has is here (a unit test checks).

use crate::trace::{slide, Advice};

/// Advice for the test `name`, if it is one of a step's.
pub fn for_test(name: &str) -> Option<Advice> {
    let (must, slide) = match name {
        "loading_and_unloading_each_log_one_line" => (
            "init must log one line with pr_info!, and the module's drop() one line when \
             unloaded; nothing else.",
            slide::INIT_EXIT,
        ),
        "device_node_exists_only_while_the_module_is_loaded" => (
            "init must register the misc device vdev0 and keep the registration in the module, \
             so that unloading removes it.",
            slide::REGISTER,
        ),
        "device_opens_and_closes_many_times" => (
            "open must succeed and each close release what open took.",
            slide::FILE_OPERATIONS,
        ),
        "module_stays_loaded_while_the_device_is_open" => (
            "The file operations must name the module as their owner (#[vtable] does it), so \
             that it cannot be unloaded while a file is open.",
            slide::LIFETIME,
        ),
        "writes_are_kept_and_holes_read_as_zeros" | "echo_then_cat_shows_the_text" => (
            "write_iter must keep what it is given at the position, and read_iter give it back.",
            slide::READ,
        ),
        "read_returns_what_was_written_and_advances"
        | "read_at_or_past_the_end_returns_zero"
        | "pread_and_pwrite_leave_the_position_alone" => (
            "read_iter must copy from the position on, move the position past what it copied, \
             and return 0 at or past the end.",
            slide::READ,
        ),
        "write_past_the_end_fills_the_hole_with_zeros" => (
            "A write past the end must grow the device first, the hole reading as zeros.",
            slide::WRITE_COPY,
        ),
        "lseek_set_cur_and_end_move_the_position"
        | "lseek_to_a_negative_position_fails_with_einval"
        | "lseek_past_the_end_is_allowed" => (
            "llseek must move the position as on a regular file, never below 0 (EINVAL).",
            slide::REGULAR_FILE,
        ),
        "o_trunc_empties_the_device" => (
            "open must empty the device when it is opened with O_TRUNC for writing.",
            slide::REGULAR_FILE,
        ),
        "o_append_writes_go_to_the_end" | "concurrent_appends_are_all_kept_whole" => (
            "With O_APPEND (kiocb.is_append()), write_iter must write at the end, under the lock.",
            slide::REGULAR_FILE,
        ),
        "write_across_the_capacity_is_short"
        | "write_at_or_past_the_capacity_fails_with_enospc"
        | "largest_capacity_fills_and_reads_back" => (
            "write_iter must write only what fits below the capacity, and fail with ENOSPC where \
             nothing fits.",
            slide::WRITE_WHERE,
        ),
        "zero_length_calls_return_zero_anywhere" => (
            "A read or write of 0 bytes must return 0 wherever it is, and change nothing.",
            slide::WRITE_WHERE,
        ),
        "offsets_near_2_pow_63_fail_cleanly" => (
            "Positions near i64::MAX must fail cleanly: convert with try_from, add with \
             checked_add.",
            slide::READ,
        ),
        "bad_user_pointers_fail_with_efault_and_change_nothing"
        | "faulting_writes_before_at_and_past_the_end_change_nothing"
        | "write_from_a_buffer_that_runs_into_a_guard_page_is_short"
        | "pwritev_with_a_bad_middle_segment_writes_the_first_only" => (
            "Where no byte can be copied, fail with EFAULT and change nothing; else write what \
             can be.",
            slide::WRITE_COPY,
        ),
        "contents_survive_close_and_reopen"
        | "each_open_file_has_its_own_position"
        | "contents_are_gone_after_unload" => (
            "The contents belong to the device (an Arc<Device> shared by its files), the \
             position to each open file.",
            slide::SHARED,
        ),
        "concurrent_reads_never_see_a_torn_write" => (
            "Every read and write must hold the device's mutex for the whole copy.",
            slide::SHARED,
        ),
        "devices_are_independent"
        | "devices_used_in_parallel_stay_independent"
        | "random_calls_on_vdev0_match_tmpfs"
        | "random_calls_on_vdev1_match_tmpfs"
        | "random_calls_on_vdev2_match_tmpfs"
        | "random_calls_on_vdev3_match_tmpfs" => (
            "init must register `devices` misc devices, /dev/vdev0 on, each with its own Device.",
            slide::DEVICES,
        ),
        "default_is_one_device_of_one_mib" | "parameters_are_shown_read_only_in_sysfs" => (
            "module! must declare devices (default 1) and capacity (default 1048576), read-only \
             in sysfs.",
            slide::PARAMETERS,
        ),
        "out_of_range_parameters_are_refused_with_one_log_line"
        | "malformed_parameter_is_refused" => (
            "init must refuse a parameter out of range with EINVAL and one line that names it.",
            slide::CHECKING,
        ),
        "load_and_unload_are_logged_once_each"
        | "unload_message_comes_after_the_devices_are_removed"
        | "twenty_unload_reload_cycles_keep_working"
        | "unload_is_refused_while_a_device_is_open"
        | "open_files_hold_a_module_reference" => (
            "One line at load naming the count and the capacity, one at unload after the \
             devices are gone; open files hold the module.",
            slide::DEVICES,
        ),
        "debug_messages_are_off_by_default"
        | "dyndbg_parameter_turns_debug_messages_on"
        | "dynamic_debug_control_turns_them_on_and_off" => (
            "What open, read and write log must go through pr_debug!, off unless dynamic \
             debug turns it on.",
            slide::GDB,
        ),
        "failed_allocation_gives_enomem_and_changes_nothing" => (
            "If memory runs out, a write must fail with ENOMEM, the device as it was.",
            slide::WRITE_COPY,
        ),
        "ioctl_size_gives_how_many_bytes_the_device_holds"
        | "ioctl_clear_empties_the_device_and_keeps_the_position"
        | "ioctl_size_into_a_bad_pointer_fails_with_efault"
        | "an_unknown_ioctl_fails_with_enotty"
        | "vdev_ioctl_prints_the_size_and_clears" => (
            "ioctl must answer VDEV_IOC_SIZE and VDEV_IOC_CLEAR, and fail with ENOTTY otherwise.",
            slide::IOCTL,
        ),
        _ => return None,
    };
    Some(Advice { must, slide })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_advice_takes_at_most_two_lines_so_that_a_missing_test_fits_four() {
        for name in crate::checkpoint::names_of_every_step() {
            if let Some(advice) = for_test(name) {
                assert!(advice.lines().len() <= 2, "{name}: {:?}", advice.lines());
            }
        }
    }
}
