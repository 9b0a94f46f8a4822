# SPDX-License-Identifier: GPL-2.0
"""README's table of scripts cannot drift from the scripts: each row is a script's own usage."""

import glob
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USAGE = re.compile(r'Usage: scripts/(\S.*?)(\s{2,}.*)?$')
ROW = re.compile(r'^\| `(.+?)` \|')


def usages():
    """{script: its synopsis}, from the first "Usage: scripts/..." line of each script."""
    found = {}
    for path in glob.glob(os.path.join(ROOT, 'scripts', '*')):
        if not os.path.isfile(path) or not os.access(path, os.X_OK):
            continue
        with open(path, encoding='utf-8') as script:
            for line in script:
                match = USAGE.search(line)
                if match:
                    found[os.path.basename(path)] = match.group(1).strip()
                    break
    return found


def readme_rows():
    """{script: synopsis} of the README's table under "## The scripts"."""
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as readme:
        text = readme.read()
    section = text.split('\n## The scripts\n', 1)[1].split('\n## ', 1)[0]
    rows = {}
    for line in section.splitlines():
        match = ROW.match(line)
        if match and match.group(1) != 'script':
            synopsis = match.group(1).replace('\\|', '|')
            rows[synopsis.split()[0]] = synopsis
    return rows


class ReadmeTest(unittest.TestCase):
    """The README's table of scripts."""

    def test_every_script_has_a_usage_line(self):
        scripts = {os.path.basename(path) for path in glob.glob(os.path.join(ROOT, 'scripts', '*'))
                   if os.path.isfile(path) and os.access(path, os.X_OK)}
        self.assertEqual(scripts - set(usages()), set())

    def test_readme_lists_every_script_with_its_usage(self):
        self.assertEqual(readme_rows(), usages())


if __name__ == '__main__':
    unittest.main()
