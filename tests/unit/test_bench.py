# SPDX-License-Identifier: GPL-2.0
"""scripts/kit/bench.py and scripts/bench-report, on a benchmark console recorded in the guest."""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
from kit import bench  # noqa: E402 pylint: disable=wrong-import-position

FIXTURE = os.path.join(HERE, 'fixtures', 'bench-console.log')


def recorded_lines():
    """The recorded console's lines."""
    with open(FIXTURE, encoding='utf-8') as log:
        return log.readlines()


class BenchTest(unittest.TestCase):
    """The report of the recorded benchmark."""

    def test_recorded_samples_give_every_row_with_vdevs_ratios(self):
        rows = bench.rows_of(*bench.parse(recorded_lines()))
        self.assertEqual(bench.complete(rows), [])
        self.assertEqual(len(rows), 26)
        self.assertTrue(all(row.ratio_c is not None and row.ratio_c > 0 for row in rows))
        table = bench.table(rows)
        self.assertIn('sequential read, 4K', table)
        self.assertRegex(table, r'module load, 64 dev .* [0-9]+\.[0-9]{2} .*(met|MISSED)')

    def test_a_missing_target_makes_the_samples_incomplete(self):
        lines = [line for line in recorded_lines() if ' vdev_c ' not in line]
        problems = bench.complete(bench.rows_of(*bench.parse(lines)))
        self.assertIn('sequential read, 4K: no samples of vdev_c', problems)

    def test_an_unknown_measurement_is_refused(self):
        with self.assertRaisesRegex(ValueError, 'unknown measurement'):
            bench.parse(['BENCH read vdev_rs 4096 0 1.0 MB/s\n'])

    def test_bench_report_writes_the_csv_and_both_plots(self):
        with tempfile.TemporaryDirectory() as out:
            run = subprocess.run([os.path.join(ROOT, 'scripts', 'bench-report'), '--out', out,
                                  FIXTURE], capture_output=True, text=True, check=False)
            self.assertEqual(run.returncode, 0, run.stderr)
            with open(os.path.join(out, 'bench.csv'), encoding='utf-8') as csv:
                # 9 measurements of all four targets, 5 of three, 12 of the two modules.
                self.assertEqual(len(csv.readlines()) - 1, 9 * 4 + 5 * 3 + 12 * 2)
            with open(os.path.join(out, 'bench.png'), 'rb') as png:
                self.assertEqual(png.read(8), b'\x89PNG\r\n\x1a\n')
            with open(os.path.join(out, 'bench.svg'), encoding='utf-8') as svg:
                self.assertGreater(svg.read().count('<g id="patch_'), 36)


if __name__ == '__main__':
    unittest.main()
