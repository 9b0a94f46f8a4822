# SPDX-License-Identifier: GPL-2.0
"""scripts/kit/profile.py, on the profiles of two module loads recorded by scripts/profile-load."""

import io
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
from kit import profile  # noqa: E402 pylint: disable=wrong-import-position

# The busiest functions of loading vdev_c and vdev with one device (6.12, x86_64).
C_PROFILE = os.path.join(HERE, 'fixtures', 'vdev_c.txt')
RUST_PROFILE = os.path.join(HERE, 'fixtures', 'vdev.txt')


class ProfileTest(unittest.TestCase):
    """What the comparison of two loads tells."""

    def test_a_profile_has_the_call_and_its_callees(self):
        counts, notes = profile.read_profile(C_PROFILE)
        total, own = counts['__x64_sys_finit_module']
        self.assertGreater(total, counts['load_module'][0])
        self.assertLess(own, total)
        self.assertTrue(any('switches to other tasks' in note for note in notes))

    def test_report_shows_both_modules_and_the_difference(self):
        out = io.StringIO()
        profile.report([C_PROFILE, RUST_PROFILE], 10, out)
        text = out.getvalue()
        c_total = profile.read_profile(C_PROFILE)[0]['__x64_sys_finit_module'][0]
        rust_total = profile.read_profile(RUST_PROFILE)[0]['__x64_sys_finit_module'][0]
        line = next(line for line in text.splitlines()
                    if line.startswith('__x64_sys_finit_module '))
        self.assertIn(f'{c_total:,}', line)
        self.assertIn(f'{rust_total - c_total:+,}', line)
        self.assertIn('vdev - vdev_c', text)

    def test_report_lists_the_functions_that_differ_most(self):
        out = io.StringIO()
        profile.report([C_PROFILE, RUST_PROFILE], 5, out)
        title, table = out.getvalue().split('\n\n')[:2]
        self.assertIn('total', title)
        # The header, and the five rows.
        self.assertEqual(len(table.splitlines()), 6)


if __name__ == '__main__':
    unittest.main()
