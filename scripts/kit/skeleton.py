# SPDX-License-Identifier: GPL-2.0
"""An exercise's starting file, made from its checkpoint's solution.

The checkpoint of step N marks the code that step N writes:

    // step 3.2: Read: copy from the position on into `buf`, and move the
    //   position past what was copied.
    // was: Ok(0)
    ... the solution's lines ...
    // end of step 3.2

A region starts with a `// step N.K: WHAT` line (continued by lines that
start with `//   `), may give with `// was: CODE` lines what stood there
before the step (the previous step's code, so that the starting file still
builds and behaves as that step's solution), and ends with `// end of step
N.K`. In step N's starting file each region of step N becomes its numbered
`// TODO(N.K): WHAT` lines followed by the `was` code, and the marker lines
of every other region are left out, their code kept: the checkpoint itself
builds as it is, the markers being comments.

`solution()` gives the checkpoint without its marker lines, as the slides
show it.
"""

import dataclasses
import re

START = re.compile(r'^(?P<indent>\s*)// step (?P<step>[0-9]+)\.(?P<part>[0-9]+): (?P<what>.*)$')
CONTINUED = re.compile(r'^\s*//   (?P<text>.*)$')
WAS = re.compile(r'^\s*// was:(?: (?P<code>.*))?$')
END = re.compile(r'^\s*// end of step (?P<step>[0-9]+)\.(?P<part>[0-9]+)$')


class MarkerError(Exception):
    """Markers that do not pair up: a region not ended, ended twice, or nested."""


@dataclasses.dataclass
class Region:
    """One marked region: its step and part, what to write, the code it replaces."""
    step: int
    part: int
    indent: str
    what: list
    was: list
    solution: list


def parse(text):
    """The file as a list of items: lines outside regions (strings), and Regions."""
    items = []
    region = None
    state = None
    for number, line in enumerate(text.split('\n'), 1):
        start = START.match(line)
        end = END.match(line)
        if start:
            if region is not None:
                raise MarkerError(f'line {number}: step {start["step"]}.{start["part"]} starts'
                                  f' inside step {region.step}.{region.part}')
            region = Region(int(start['step']), int(start['part']), start['indent'],
                            [start['what']], [], [])
            state = 'what'
        elif end:
            if region is None:
                raise MarkerError(f'line {number}: the end of step {end["step"]}.{end["part"]}'
                                  ' without its start')
            if (int(end['step']), int(end['part'])) != (region.step, region.part):
                raise MarkerError(f'line {number}: the end of step {end["step"]}.{end["part"]}'
                                  f' inside step {region.step}.{region.part}')
            items.append(region)
            region = None
        elif region is None:
            items.append(line)
        elif state == 'what' and CONTINUED.match(line):
            region.what.append(CONTINUED.match(line)['text'])
        elif state in ('what', 'was') and WAS.match(line):
            region.was.append(WAS.match(line)['code'] or '')
            state = 'was'
        else:
            region.solution.append(line)
            state = 'solution'
    if region is not None:
        raise MarkerError(f'step {region.step}.{region.part} is never ended')
    return items


def steps(text):
    """The (step, part) of every region, in order."""
    return [(item.step, item.part) for item in parse(text) if isinstance(item, Region)]


def starting_file(text, step):
    """Step STEP's starting file, from its checkpoint's TEXT."""
    out = []
    for item in parse(text):
        if isinstance(item, str):
            out.append(item)
        elif item.step == step:
            out.append(f'{item.indent}// TODO({item.step}.{item.part}): {item.what[0]}')
            out.extend(f'{item.indent}//   {line}' for line in item.what[1:])
            out.extend(f'{item.indent}{line}' if line else '' for line in item.was)
        else:
            out.extend(item.solution)
    return '\n'.join(tidy(out))


def tidy(lines):
    """LINES without the blank lines that taking code out leaves: no two in a row, none just
    inside a block's braces."""
    out = []
    for line in lines:
        if not line.strip() and (not out or not out[-1].strip() or out[-1].rstrip().endswith('{')):
            continue
        if line.strip().startswith('}') and out and not out[-1].strip():
            out.pop()
        out.append(line)
    return out


def solution(text):
    """The checkpoint's TEXT without its marker lines."""
    out = []
    for item in parse(text):
        out.extend([item] if isinstance(item, str) else item.solution)
    return '\n'.join(out)
