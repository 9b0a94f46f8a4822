# SPDX-License-Identifier: GPL-2.0
"""Move a kernel build made in one checkout into another: Kbuild's records name absolute paths.

Kbuild writes the commands it ran and the files each object depends on
(the .cmd files, the objtree's Makefile, Kconfig's auto.conf.cmd) with the
absolute paths of the source tree and of the objtree. A build made by the
organiser in /home/org/kit is built again from nothing in /home/ann/kit,
because every command differs: this rewrites those paths in the text files,
so that make finds its records matching. Binary files (objects, vmlinux)
keep the old paths in their debugging information only.
"""

import argparse
import os
import sys


def is_text(data):
    """True for a file Kbuild writes as text: no NUL byte in its first 8 KiB."""
    return b'\0' not in data[:8192]


def relocate(root, old, new):
    """Replace OLD/ by NEW/ in every text file under ROOT; returns how many files changed."""
    old_bytes, new_bytes = old.rstrip('/').encode() + b'/', new.rstrip('/').encode() + b'/'
    changed = 0
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, 'rb') as file:
                data = file.read()
            if old_bytes not in data or not is_text(data):
                continue
            with open(path, 'wb') as file:
                file.write(data.replace(old_bytes, new_bytes))
            changed += 1
    return changed


def main(argv=None):
    """Command line: relocate.py DIR OLD NEW."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('dir', help='the build to rewrite')
    parser.add_argument('old', help='the checkout the build was made in')
    parser.add_argument('new', help='the checkout it is in now')
    args = parser.parse_args(argv)
    changed = relocate(args.dir, args.old, args.new)
    print(f'{changed} files name {args.new} now')
    return 0


if __name__ == '__main__':
    sys.exit(main())
