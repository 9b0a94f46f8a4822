# SPDX-License-Identifier: GPL-2.0
"""Which of a boot's expected suites ran to the end, from its console log.

The guest's runner (tests/guest/run) prints "workshop-suite: begin NAME" before each suite and
"workshop-suite: end NAME status=STATUS" after it. The host staged the suites, so it knows which
ones a boot must run: a suite with no begin line never started, one with no end line stopped
half-way, one that printed no KTAP reported nothing, and one that exited with an error without
reporting a failure (a program that could not be run, say) failed in a way its KTAP cannot show.
Each of these is a failure, so that results that never appear cannot pass quietly.
"""

import dataclasses
import re

MARKER = re.compile(r'workshop-suite: (begin|end) (\S+)(?: status=([0-9]+))?')
KTAP_START = re.compile(r'K?TAP version [0-9]+')
NOT_OK = re.compile(r'^\s*not ok [0-9]+')
KERNEL_PREFIX = re.compile(r'^\[[^\]]*\] ')


@dataclasses.dataclass
class Suite:
    """What the log shows of one suite: whether it began and ended, its exit status, and the
    lines it printed."""
    name: str
    began: bool = False
    ended: bool = False
    status: int = 0
    lines: list = dataclasses.field(default_factory=list)


def read(lines):
    """The suites that LINES, a console log, shows, by name."""
    suites, current = {}, None
    for line in lines:
        line = line.rstrip('\r\n').replace('\r', '')
        marker = MARKER.search(line)
        if marker:
            kind, name, status = marker.groups()
            suite = suites.setdefault(name, Suite(name))
            if kind == 'begin':
                suite.began, current = True, suite
            else:
                suite.ended, suite.status, current = True, int(status or 0), None
            continue
        if current is not None:
            current.lines.append(KERNEL_PREFIX.sub('', line))
    return suites


def problem(suite):
    """Why SUITE, as the log shows it, did not run to the end and report; None when it did."""
    if not suite.began:
        return 'it never started: the guest stopped before it, or the runner did not find it'
    if not suite.ended:
        return 'it started and never ended: the kernel crashed or the guest stopped while it ran'
    if not any(KTAP_START.search(line) for line in suite.lines):
        return f'it printed no test results (exit status {suite.status})'
    if suite.status != 0 and not any(NOT_OK.match(line) for line in suite.lines):
        return (f'it exited with status {suite.status} and reported no failure:'
                ' a test program that could not run, or a suite that stopped early')
    return None


def test_name(prefix, suite):
    """The KTAP name of the check of SUITE: what it checks, in one identifier."""
    return re.sub(r'[^A-Za-z0-9_]', '_', f'{prefix}_suite_{suite}_ran_to_the_end')


def ktap(prefix, expected, lines):
    """A KTAP document, as lines, with one test for each EXPECTED suite of the console LINES."""
    suites = read(lines)
    out = ['KTAP version 1', f'1..{len(expected)}']
    for number, name in enumerate(expected, 1):
        why = problem(suites.get(name, Suite(name)))
        if why is None:
            out.append(f'ok {number} {test_name(prefix, name)}')
            continue
        out.append(f'# {name}: {why}')
        tail = [line for line in suites.get(name, Suite(name)).lines if line.strip()][-3:]
        out.extend(f'# | {line}' for line in tail)
        out.append(f'not ok {number} {test_name(prefix, name)}')
    return out
