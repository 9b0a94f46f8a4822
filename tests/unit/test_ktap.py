# SPDX-License-Identifier: GPL-2.0
"""scripts/kit/ktap.py and scripts/ktap-report, on consoles recorded from real runs."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
from kit import ktap, target  # noqa: E402 pylint: disable=wrong-import-position

PARSER = ktap.load_parser(target.setting('KIT_LINUX'), quiet=True)


def report_of(*names):
    """The report of the fixtures NAMES."""
    logs = []
    for name in names:
        with open(os.path.join(HERE, 'fixtures', name), encoding='utf-8') as log:
            logs.append((name, log.readlines()))
    return ktap.parse(PARSER, logs)


def result(report, name):
    """The one result called NAME."""
    found = [result for result in report.results if result.name == name]
    assert len(found) == 1, f'{len(found)} results called {name}'
    return found[0]


class KtapTest(unittest.TestCase):
    """What the tools make of recorded logs."""

    def test_a_guest_console_counts_every_result_of_every_document(self):
        report = report_of('guest-console.log')
        self.assertEqual(report.closing(), '14 passed, 0 failed, 1 skipped')
        self.assertTrue(report.ok())
        self.assertEqual(len(report.results), 15)

    def test_a_failing_test_keeps_its_reasons_and_not_its_running_line(self):
        report = report_of('check-step-3-missing.log')
        missing = result(report, 'echo_then_cat_shows_the_text')
        self.assertEqual(missing.status, 'failed')
        self.assertIn("echo's write: got Err(EINVAL), expected Ok(13)", missing.why)
        self.assertFalse(any(why.startswith('running') for why in missing.why))
        self.assertFalse(report.ok())

    def test_a_skipped_test_keeps_its_reason(self):
        report = report_of('guest-console.log')
        skipped = [r for r in report.results if r.status == 'skipped']
        self.assertEqual(len(skipped), 1)
        self.assertIn('kmemleak', skipped[0].why[0])

    def test_a_crash_names_the_test_that_was_running(self):
        report = report_of('check-step-3-crash.log')
        crashed = [r for r in report.results if r.status == 'crashed']
        self.assertEqual([r.name for r in crashed], ['read_at_or_past_the_end_returns_zero'])
        self.assertEqual(report.results[-1], crashed[0])
        self.assertFalse(report.ok())

    def test_a_log_without_results_is_a_failure(self):
        report = ktap.parse(PARSER, [('empty', ['[    0.1] Linux version 6.12\n'])])
        self.assertEqual(report.closing(), '0 passed, 1 failed')
        self.assertEqual(report.problems, ['empty holds no test results (did the run stop early?)'])

    def test_ktap_report_tests_prints_one_line_per_test_then_the_count(self):
        run = subprocess.run([os.path.join(ROOT, 'scripts', 'ktap-report'), '--tests',
                              os.path.join(HERE, 'fixtures', 'check-step-3-missing.log')],
                             capture_output=True, text=True, check=False)
        self.assertEqual(run.returncode, 1)
        lines = run.stdout.splitlines()
        self.assertIn('failed echo_then_cat_shows_the_text', lines)
        self.assertIn("    echo's write: got Err(EINVAL), expected Ok(13)", lines)
        self.assertRegex(lines[-1], r'^[0-9]+ passed, [1-9][0-9]* failed$')
        # Each suite's tests come after a line that names it, for check-step's grouping.
        self.assertEqual(lines[0], 'suite step3_vdev_lifecycle')
        self.assertEqual(lines.index('suite step3_vdev_file') + 1,
                         lines.index('failed echo_then_cat_shows_the_text'))

    def test_ktap_report_json_gives_tools_every_result_with_its_suite_and_reasons(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'results.json')
            run = subprocess.run([os.path.join(ROOT, 'scripts', 'ktap-report'), '--tests',
                                  '--json', path,
                                  os.path.join(HERE, 'fixtures', 'check-step-3-missing.log')],
                                 capture_output=True, text=True, check=False)
            self.assertEqual(run.returncode, 1, run.stderr)
            with open(path, encoding='utf-8') as out:
                data = json.load(out)
        self.assertEqual(data['passed'] + data['failed'], len(data['results']))
        echo = [r for r in data['results'] if r['name'] == 'echo_then_cat_shows_the_text'][0]
        self.assertEqual(echo, {'name': 'echo_then_cat_shows_the_text', 'status': 'failed',
                                'why': ["echo's write: got Err(EINVAL), expected Ok(13)"],
                                'suite': 'step3_vdev_file'})


if __name__ == '__main__':
    unittest.main()
