# SPDX-License-Identifier: GPL-2.0
"""scripts/kit/relocate.py: a kernel build moved into another checkout names that checkout."""

import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
from kit import relocate  # noqa: E402 pylint: disable=wrong-import-position

OLD, NEW = '/home/org/kit', '/home/ann/my kit'


class RelocateTest(unittest.TestCase):
    """Text records are rewritten; objects, links and other paths are left alone."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()  # pylint: disable=consider-using-with
        self.root = self.dir.name

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, data):
        """Write DATA (bytes) to NAME under the build."""
        path = os.path.join(self.root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as file:
            file.write(data)
        return path

    def read(self, path):
        """The bytes of PATH."""
        with open(path, 'rb') as file:
            return file.read()

    def test_kbuild_records_name_the_new_checkout(self):
        source = f'{OLD}/linux/6.12/samples/rust/rust_vdev.rs'
        config = f'{OLD}/build/6.12-x86_64-workshop/kernel/include/config/auto.conf'
        cmd = self.write('kernel/samples/rust/.rust_vdev.o.cmd',
                         f'savedcmd_x := rustc --emit=obj {source}\ndeps_x := {config}\n'.encode())
        self.assertEqual(relocate.relocate(self.root, OLD, NEW), 1)
        text = self.read(cmd).decode()
        self.assertNotIn(OLD + '/', text)
        self.assertIn(f'{NEW}/linux/6.12/samples/rust/rust_vdev.rs', text)
        self.assertIn(f'{NEW}/build/6.12-x86_64-workshop/kernel/include', text)

    def test_objects_and_other_paths_are_left_alone(self):
        obj = self.write('kernel/vmlinux.o',
                         b'\x7fELF\0\0' + f'{OLD}/linux/6.12/init/main.c'.encode())
        other = self.write('kernel/Makefile', f'include {OLD}2/linux/Makefile\n'.encode())
        os.symlink(f'{OLD}/linux/6.12', os.path.join(self.root, 'kernel', 'source'))
        self.assertEqual(relocate.relocate(self.root, OLD, NEW), 0)
        self.assertIn(OLD.encode(), self.read(obj))
        self.assertIn(f'{OLD}2/'.encode(), self.read(other))
        link = os.readlink(os.path.join(self.root, 'kernel', 'source'))
        self.assertEqual(link, f'{OLD}/linux/6.12')


if __name__ == '__main__':
    unittest.main()
