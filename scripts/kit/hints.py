# SPDX-License-Identifier: GPL-2.0
"""Hints for a workshop step, from its checkpoint, one level of detail at a time.

The next hint is for the first of the step's TODOs (the checkpoint's marked regions, see
skeleton.py) whose code is not yet in the attendee's file, compared line by line with the
whitespace and comments left out. Asked again for the same TODO, it says more:

  1. what to write (the TODO's text), and the slide that shows it;
  2. the names the solution uses (functions, macros, types);
  3. the solution's code itself.
"""

import os
import re
import sys
import textwrap

from kit import skeleton

# Names that say nothing about what to call.
KEYWORDS = {'as', 'else', 'fn', 'for', 'if', 'impl', 'in', 'let', 'match', 'mut', 'return',
            'self', 'Self', 'Some', 'Ok', 'Err', 'None', 'while', 'use', 'pub', 'struct', 'move'}
CALL = re.compile(r'\b([A-Za-z_][A-Za-z0-9_]*!?)\s*[(\[{<]')
PATH = re.compile(r'::([A-Za-z_][A-Za-z0-9_]*!?)')
MAX_LEVEL = 3
# As scripts/slides-include reads it: @include FILE /FROM/ /TO/.
INCLUDE = re.compile(r'^\s*@include\s+(\S+)(?:\s+/(.*?)/)?(?:\s+/(.*?)/)?\s*$')


def code_lines(lines):
    """The lines that carry code: stripped, without blank lines and comments."""
    out = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith('//'):
            out.append(' '.join(line.split()))
    return out


def first_unwritten(checkpoint, step, attempt):
    """The first region of STEP in the CHECKPOINT's text whose code is not in ATTEMPT, or None."""
    written = set(code_lines(attempt.split('\n')))
    for item in skeleton.parse(checkpoint):
        if isinstance(item, skeleton.Region) and item.step == step:
            if not all(line in written for line in code_lines(item.solution)):
                return item
    return None


def slide_of(slides, region, paths):
    """The title of the slide whose code includes a line of REGION from one of PATHS."""
    for slide in slides.split('\n---\n'):
        title = next((line[3:] for line in slide.split('\n') if line.startswith('## ')), None)
        for line in slide.split('\n'):
            include = INCLUDE.match(line)
            if include and include.group(1) in paths and include.group(2) and any(
                    re.search(include.group(2), code) for code in region.solution):
                return title
    return None


def names(region):
    """The functions, macros and types the region's solution uses, in order, once each."""
    found = []
    for line in code_lines(region.solution):
        for name in CALL.findall(line) + PATH.findall(line):
            if name not in KEYWORDS and name not in found:
                found.append(name)
    return found


def hint(region, level, slide):
    """The lines of the hint at LEVEL for REGION."""
    todo = f'TODO({region.step}.{region.part})'
    lines = textwrap.wrap(f'{todo}: ' + ' '.join(region.what), width=96,
                          subsequent_indent='  ')
    if level == 1:
        lines.append(f'The slide "{slide}" shows it.' if slide else
                     'No slide shows this one: the TODO says it all.')
        lines.append('Ask again (--hint) for more.')
    elif level == 2:
        used = names(region)
        lines.append('It uses: ' + (', '.join(f'`{name}`' for name in used) or 'no call'))
        lines.append('Ask again (--hint) for the solution of this TODO.')
    else:
        lines.append('The solution of this TODO:')
        lines.extend('    ' + line for line in region.solution)
    return lines



def next_level(state, key):
    """The level of the next hint for KEY: one more than last time if STATE says KEY was hinted
    last, else 1; STATE then says so."""
    level = 1
    try:
        with open(state, encoding='utf-8') as last:
            last_key, last_level = last.read().rstrip('\n').rsplit(' ', 1)
        if last_key == key:
            level = min(int(last_level) + 1, MAX_LEVEL)
    except (OSError, ValueError):
        pass
    with open(state, 'w', encoding='utf-8') as last:
        last.write(f'{key} {level}\n')
    return level


def read(path):
    """The text of PATH."""
    with open(path, encoding='utf-8', errors='replace') as text:
        return text.read()


def main(argv):
    """hints STEP FILE CHECKPOINT SLIDES STATE PATH...: print the next hint for FILE.

    STATE remembers which TODO was hinted last, and how far: asking again for the same one
    goes a level further. PATH... are the names the slides include the checkpoint by."""
    step, path, checkpoint, slides, state = int(argv[0]), argv[1], argv[2], argv[3], argv[4]
    region = first_unwritten(read(checkpoint), step, read(path))
    if region is None:
        print(f'Every TODO of step {step} is written in {path}:'
              f' scripts/check-step {step} {path} says whether it works.')
        return 0
    # The state is of one file: another file's hints start again at the first level.
    level = next_level(state, f'{region.step}.{region.part}:{os.path.abspath(path)}')
    print(f'Hint {level} of {MAX_LEVEL} for step {step}, in {path}:')
    for line in hint(region, level, slide_of(read(slides), region, argv[5:])):
        print('  ' + line)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
