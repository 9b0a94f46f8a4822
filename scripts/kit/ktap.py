# SPDX-License-Identifier: GPL-2.0
"""Test results in KTAP, read with the kernel's own parser (tools/testing/kunit/kunit_parser.py).

A log (a guest's console, a test program's output) holds one or more KTAP documents, with or
without kernel log prefixes. `documents` splits it; `parse` runs the kernel's parser on each
document and returns its results as `Result`s, one per test that has no subtests, in order,
with the counts as the kernel's parser made them.
"""

import dataclasses
import inspect
import io
import re
import sys

# The test programs say which test they start, in a diagnostic line before it ("# running
# NAME"), so that a test during which the kernel crashed, and which never reported, has a
# name.
RUNNING = re.compile(r'^running ([A-Za-z0-9_]+)$')

# A KTAP document starts with a version line at its top level: nothing before it but, perhaps,
# a kernel log prefix such as "[    1.234567] ".
DOCUMENT_START = re.compile(r'^(\[[^\]]*\] )?K?TAP version [0-9]+\s*$')


class Parser:
    """The kernel's kunit_parser, called the same way whatever the tree's release.

    Its names (TestStatus, TEST_RESULT_SKIP, ...) are the module's. Up to 6.12,
    parse_run_tests() prints through the module's global printer; later releases take the
    printer as an argument.
    """

    def __init__(self, module, printer_module, quiet):
        self._module = module
        self._takes_printer = 'printer' in inspect.signature(module.parse_run_tests).parameters
        if self._takes_printer:
            self._printer = printer_module.Printer(print=not quiet)
        elif quiet:
            module.stdout = printer_module.Printer(io.StringIO())

    def __getattr__(self, name):
        return getattr(self._module, name)

    def parse_run_tests(self, lines):
        """Parse LINES, one KTAP document, into the parser's Test, printing as set up."""
        if self._takes_printer:
            return self._module.parse_run_tests(lines, self._printer)
        return self._module.parse_run_tests(lines)


def load_parser(tree, quiet=False):
    """Import kunit_parser from the kernel tree TREE; QUIET: without its printing."""
    sys.path.insert(0, f'{tree}/tools/testing/kunit')
    # pylint: disable=import-outside-toplevel,import-error
    import kunit_parser
    import kunit_printer
    return Parser(kunit_parser, kunit_printer, quiet)


def documents(lines):
    """Split LINES into the KTAP documents they hold, each a list of lines."""
    current = None
    for line in lines:
        line = line.rstrip('\r\n')
        if DOCUMENT_START.match(line):
            if current:
                yield current
            current = []
        if current is not None:
            current.append(line + '\n')
    if current:
        yield current


@dataclasses.dataclass
class Result:
    """One test's result: STATUS is passed, failed, skipped, crashed (it started and never
    reported) or missing (planned, never started); WHY its diagnostics (a failure's reason) or
    a skip's reason; SUITE the name of the test it belongs to ('' at the top)."""
    name: str
    status: str
    why: list
    suite: str = ''


@dataclasses.dataclass
class Report:
    """What a set of logs says: every result, and the counts."""
    results: list = dataclasses.field(default_factory=list)
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    problems: list = dataclasses.field(default_factory=list)

    def closing(self):
        """The closing line: N passed, N failed[, N skipped]."""
        text = f'{self.passed} passed, {self.failed} failed'
        return text + (f', {self.skipped} skipped' if self.skipped else '')

    def ok(self):
        """Whether the logs show success: results, and none failed."""
        return self.failed == 0 and self.passed > 0


def _leaves(test, parser, skip_reasons, suite=''):
    """The results of TEST's tests that have no subtests, in order; SUITE is TEST's parent."""
    if test.subtests:
        for sub in test.subtests:
            yield from _leaves(sub, parser, skip_reasons, test.name)
        return
    status = {
        parser.TestStatus.SUCCESS: 'passed',
        parser.TestStatus.SKIPPED: 'skipped',
        parser.TestStatus.FAILURE: 'failed',
    }.get(test.status, 'crashed')
    name, why = test.name, []
    for line in test.log:
        line = line.strip().lstrip('#').strip()
        running = RUNNING.match(line)
        if running:
            name = name or running.group(1)
        elif line:
            why.append(line)
    if status == 'skipped':
        why = [skip_reasons.get(name, '')]
    if not name:
        # Planned, never started: the kernel or the program had stopped before.
        status, name = 'missing', '(a test that never started)'
    yield Result(name, status, why, suite)


def parse(parser, named_logs, report=None):
    """Parse NAMED_LOGS, (name, lines) pairs, with PARSER (kunit_parser) into REPORT."""
    report = report or Report()
    for name, lines in named_logs:
        docs = list(documents(lines))
        if not docs:
            report.problems.append(f'{name} holds no test results (did the run stop early?)')
            report.failed += 1
            continue
        for doc in docs:
            skip_reasons = {}
            for line in doc:
                match = parser.TEST_RESULT_SKIP.match(line.rstrip('\n'))
                if match:
                    skip_reasons[match.group(4).strip()] = match.group(5).strip()
            test = parser.parse_run_tests(doc)
            counts = test.counts
            report.passed += counts.passed
            report.skipped += counts.skipped
            report.failed += counts.failed + counts.crashed
            # A planned test that never reported, or lines that are not KTAP, are failures
            # too: a result must not go missing quietly.
            if counts.errors or test.status == parser.TestStatus.FAILURE_TO_PARSE_TESTS:
                report.failed += max(counts.errors, 1)
            report.results.extend(_leaves(test, parser, skip_reasons))
    return report
