# SPDX-License-Identifier: GPL-2.0
"""scripts/kit/suites.py and scripts/guest-suites, on a console recorded from a real boot of the
in-guest tests, and on that console with the ways a suite goes missing written into it."""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
from kit import suites  # noqa: E402 pylint: disable=wrong-import-position

EXPECTED = ['10-boot.sh', '20-hello.sh', '50-vdev-tests', '55-vdev-fuzz', '60-external.sh',
            '70-checkpoints', '90-kernel-log.sh', '95-kmemleak.sh']


def console():
    """The recorded console of a boot that ran every suite, as lines."""
    with open(os.path.join(HERE, 'fixtures', 'guest-run.log'), encoding='utf-8') as log:
        return log.readlines()


def failures(lines, expected=None):
    """The failed checks' names and diagnostics, of the document suites.ktap makes."""
    document = suites.ktap('guest_workshop', expected or EXPECTED, lines)
    return [line for line in document if line.startswith(('not ok', '#'))]


def cut_after(lines, marker):
    """LINES up to and with the first line that holds MARKER: the guest stopped there."""
    for number, line in enumerate(lines):
        if marker in line:
            return lines[:number + 1]
    raise AssertionError(f'no line holds {marker!r}')


class SuitesTest(unittest.TestCase):
    """Each way a suite's results fail to appear is a failure, named after the suite."""

    def test_a_boot_that_ran_every_suite_passes_every_check(self):
        document = suites.ktap('guest_workshop', EXPECTED, console())
        self.assertEqual(document[:2], ['KTAP version 1', f'1..{len(EXPECTED)}'])
        self.assertEqual(failures(console()), [])
        self.assertIn('ok 3 guest_workshop_suite_50_vdev_tests_ran_to_the_end', document)

    def test_a_suite_the_guest_never_reached_fails(self):
        lines = cut_after(console(), 'workshop-suite: end 60-external.sh')
        failed = failures(lines)
        self.assertIn('not ok 6 guest_workshop_suite_70_checkpoints_ran_to_the_end', failed)
        self.assertIn('# 70-checkpoints: it never started: the guest stopped before it, or the'
                      ' runner did not find it', failed)
        self.assertEqual(len([line for line in failed if line.startswith('not ok')]), 3)

    def test_a_suite_during_which_the_kernel_crashed_fails(self):
        lines = cut_after(console(), 'ok 3 vdev_file')
        lines.append('[   20.123456] Kernel panic - not syncing: Fatal exception\n')
        failed = failures(lines)
        self.assertIn('# 50-vdev-tests: it started and never ended: the kernel crashed or the'
                      ' guest stopped while it ran', failed)
        self.assertIn('# | Kernel panic - not syncing: Fatal exception', failed)

    def test_a_program_that_could_not_run_fails_though_it_printed_nothing(self):
        lines = console()
        begin = next(n for n, line in enumerate(lines) if 'begin 55-vdev-fuzz' in line)
        end = next(n for n, line in enumerate(lines) if 'end 55-vdev-fuzz' in line)
        lines[begin + 1:end + 1] = ['/tests/suites/55-vdev-fuzz: line 7: vdev-tests: not found\n',
                                    'workshop-suite: end 55-vdev-fuzz status=127\n']
        failed = failures(lines)
        self.assertIn('# 55-vdev-fuzz: it printed no test results (exit status 127)', failed)
        self.assertIn('not ok 4 guest_workshop_suite_55_vdev_fuzz_ran_to_the_end', failed)

    def test_an_error_status_without_a_reported_failure_fails(self):
        lines = [line.replace('end 70-checkpoints status=0', 'end 70-checkpoints status=1')
                 for line in console()]
        self.assertIn('# 70-checkpoints: it exited with status 1 and reported no failure: a test'
                      ' program that could not run, or a suite that stopped early',
                      failures(lines))

    def test_an_error_status_with_a_reported_failure_is_left_to_the_ktap(self):
        lines = [line.replace('end 50-vdev-tests status=0', 'end 50-vdev-tests status=1')
                 .replace('    ok 1 echo_then_cat_shows_the_text',
                          '    not ok 1 echo_then_cat_shows_the_text')
                 for line in console()]
        self.assertEqual(failures(lines), [])

    def test_a_suite_that_was_not_staged_is_not_expected(self):
        self.assertEqual(failures(console(), ['10-boot.sh']), [])

    def test_the_command_prints_ktap_and_fails_with_a_missing_suite(self):
        with tempfile.TemporaryDirectory() as staged:
            for name in EXPECTED + ['99-new-suite.sh']:
                with open(os.path.join(staged, name), 'w', encoding='utf-8'):
                    pass
            run = subprocess.run([os.path.join(ROOT, 'scripts', 'guest-suites'), 'guest_workshop',
                                  os.path.join(HERE, 'fixtures', 'guest-run.log'), staged],
                                 capture_output=True, text=True, check=False)
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        self.assertIn('not ok 9 guest_workshop_suite_99_new_suite_sh_ran_to_the_end', run.stdout)


if __name__ == '__main__':
    unittest.main()
