# SPDX-License-Identifier: GPL-2.0
"""Progress of a kernel build, read from Kbuild's short log.

Kbuild prints one line per step ("  CC      kernel/fork.o", "  RUSTC L rust/kernel.o");
everything else it prints (warnings, errors) matters to the reader. Used as a
filter of make's output (scripts/build-kernel):

    make ... 2>&1 | python3 scripts/kit/progress.py --log FILE [--expect N]

The steps go to FILE; every other line goes on to stderr at once. Progress
is shown on stderr: on a terminal, one line rewritten in place; elsewhere
(CI, a log) a line every tenth of the way, or every 30 s. With --expect N
(the steps a whole build of this target takes), it says how far the build
is and about how long it has left, from the pace so far.
"""

import argparse
import re
import sys
import time

# A step of Kbuild's short log: two spaces, a verb in capitals (with a
# modifier such as [M], [U] or L), spaces, the target.
STEP = re.compile(r'^  ([A-Z][A-Z0-9_-]*(?: \[[A-Z]\]| [A-Z]{1,2})?)\s+(\S.*)$')


def step_of(line):
    """The (verb, target) of a short-log line, or None for any other line."""
    match = STEP.match(line)
    return (match.group(1), match.group(2)) if match else None


def remaining(done, expect, elapsed):
    """Seconds left at the pace so far, or None when it cannot be told yet."""
    if not expect or done < 20 or done >= expect:
        return None
    return elapsed * (expect - done) / done


def describe(done, expect, elapsed, current):
    """One line of progress."""
    text = f'{done} steps'
    if expect:
        percent = min(99, 100 * done // expect)
        text = f'{percent:2d}% ({done} of about {expect} steps)'
        left = remaining(done, expect, elapsed)
        if left is not None:
            text += f', about {duration(left)} left'
    text += f', {duration(elapsed)} so far'
    if current:
        text += f': {current}'
    return text


def duration(seconds):
    """Seconds as a reader wants them: 40 s, 3 min 10 s."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f'{seconds} s'
    return f'{seconds // 60} min {seconds % 60:02d} s'


class Reporter:
    """Shows progress on a stream, in place on a terminal, else now and then."""

    def __init__(self, stream, expect, clock=time.monotonic):
        self.stream, self.expect, self.clock = stream, expect, clock
        self.start = clock()
        self.tty = stream.isatty()
        self.last_shown, self.last_tenth, self.width = self.start, 0, 0

    def show(self, done, current):
        """Report DONE steps, CURRENT being the latest."""
        now = self.clock()
        line = describe(done, self.expect, now - self.start, current)
        if self.tty:
            if now - self.last_shown < 0.2:
                return
            columns = 100
            line = line[:columns - 1]
            self.stream.write('\r' + line.ljust(self.width))
            self.width = len(line)
        else:
            tenth = 10 * done // self.expect if self.expect else 0
            if tenth <= self.last_tenth and now - self.last_shown < 30:
                return
            self.last_tenth = tenth
            self.stream.write(line + '\n')
        self.last_shown = now
        self.stream.flush()

    def clear(self):
        """Leave the line free for other output."""
        if self.tty and self.width:
            self.stream.write('\r' + ' ' * self.width + '\r')
            self.stream.flush()
            self.width = 0


def main():
    """Filter make's output from stdin."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--log', required=True, help='where the steps are written')
    parser.add_argument('--expect', type=int, default=0, help='steps of a whole build')
    args = parser.parse_args()
    reporter = Reporter(sys.stderr, args.expect)
    done = 0
    with open(args.log, 'w', encoding='utf-8') as log:
        for line in sys.stdin:
            step = step_of(line.rstrip('\n'))
            if step:
                done += 1
                log.write(line)
                reporter.show(done, f'{step[0]} {step[1]}')
            else:
                reporter.clear()
                sys.stderr.write(line)
                sys.stderr.flush()
    reporter.clear()


if __name__ == '__main__':
    main()
