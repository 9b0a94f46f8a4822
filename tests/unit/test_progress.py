# SPDX-License-Identifier: GPL-2.0
"""scripts/kit/progress.py, on the start of a kernel build recorded from a real run."""

import io
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
from kit import progress  # noqa: E402 pylint: disable=wrong-import-position

# 120 steps of an arm64 build, with a compiler warning among them.
FIXTURE = os.path.join(HERE, 'fixtures', 'build-kernel-make.log')


class ProgressTest(unittest.TestCase):
    """What a reader of a build sees."""

    def test_steps_go_to_the_log_and_everything_else_to_the_reader(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, 'steps.log')
            with open(FIXTURE, encoding='utf-8') as make_output:
                filter_ = os.path.join(ROOT, 'scripts', 'kit', 'progress.py')
                run = subprocess.run([sys.executable, filter_, '--log', log, '--expect', '1000'],
                                     stdin=make_output, capture_output=True, text=True, check=True)
            with open(log, encoding='utf-8') as steps:
                self.assertEqual(len(steps.readlines()), 120)
        self.assertIn("warning: unused variable 'x'", run.stderr)
        self.assertIn('   12 |         int x;', run.stderr)
        self.assertIn('10% (100 of about 1000 steps)', run.stderr)

    def test_kbuild_short_log_lines_are_steps_and_messages_are_not(self):
        self.assertEqual(progress.step_of('  RUSTC L rust/core.o'), ('RUSTC L', 'rust/core.o'))
        self.assertEqual(progress.step_of('  LD [M]  samples/rust/vdev.ko'),
                         ('LD [M]', 'samples/rust/vdev.ko'))
        self.assertIsNone(progress.step_of('rust/kernel/lib.rs:1:1: error: oops'))
        self.assertIsNone(progress.step_of('   12 |         int x;'))

    def test_time_left_follows_the_pace_so_far(self):
        self.assertEqual(progress.describe(500, 1500, 100, 'CC mm/slub.o'),
                         '33% (500 of about 1500 steps), about 3 min 20 s left, '
                         '1 min 40 s so far: CC mm/slub.o')
        # Too early to tell; never 100 % before make ends.
        self.assertNotIn('left', progress.describe(5, 1500, 3, ''))
        self.assertTrue(progress.describe(1600, 1500, 300, '').startswith('99% '))

    def test_an_incremental_build_counts_steps_without_a_total(self):
        self.assertEqual(progress.describe(12, 0, 4, 'RUSTC [M] samples/rust/rust_vdev.o'),
                         '12 steps, 4 s so far: RUSTC [M] samples/rust/rust_vdev.o')

    def test_a_log_gets_a_line_every_tenth_of_the_way(self):
        stream, now = io.StringIO(), [0.0]
        reporter = progress.Reporter(stream, 100, lambda: now[0])
        for done in range(1, 101):
            now[0] = done / 10
            reporter.show(done, 'CC x.o')
        lines = stream.getvalue().splitlines()
        self.assertEqual([line.split('%')[0].strip() for line in lines],
                         [str(tenth * 10) for tenth in range(1, 10)] + ['99'])


if __name__ == '__main__':
    unittest.main()
