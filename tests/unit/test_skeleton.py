# SPDX-License-Identifier: GPL-2.0
"""scripts/kit/skeleton.py: a step's starting file is its checkpoint with that step's code
replaced by numbered TODOs and the code that stood there before."""

import glob
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
from kit import skeleton  # noqa: E402 pylint: disable=wrong-import-position

CHECKPOINT = '''use kernel::prelude::*;
// step 3.1: Import what reads and writes need.
use kernel::fs::Kiocb;
// end of step 3.1

impl MiscDevice for VDev {
    // step 3.2: Keep an `Arc<Device>` in each open file.
    //   The registration's data is one: clone it.
    // was: type Ptr = ();
    type Ptr = Arc<Device>;
    // end of step 3.2

    fn open() -> Result {
        // step 2.1: Say that the device was opened.
        pr_debug!("opened\\n");
        // end of step 2.1
        Ok(())
    }
}'''


def filled_in(start, checkpoint, step):
    """START, step STEP's starting file, with each TODO(STEP.K) and the code under it replaced
    by what CHECKPOINT's region STEP.K holds: what an attendee writes who does each TODO."""
    regions = {item.part: item for item in skeleton.parse(checkpoint)
               if isinstance(item, skeleton.Region) and item.step == step}
    lines, out = start.split('\n'), []
    index = 0
    while index < len(lines):
        line = lines[index]
        todo = line.strip().startswith(f'// TODO({step}.')
        if not todo:
            out.append(line)
            index += 1
            continue
        region = regions.pop(int(line.split('.', 1)[1].split(')', 1)[0]))
        index += len(region.what) + len(region.was)
        out.extend(region.solution)
    assert not regions, f'TODOs missing from the starting file: {sorted(regions)}'
    return '\n'.join(skeleton.tidy(out))


class SkeletonTest(unittest.TestCase):
    """Regions of the step become TODOs; other steps' keep their code; markers never show."""

    def test_every_steps_starting_file_filled_in_as_its_todos_say_is_its_checkpoint(self):
        # The run-through of the workshop: from each step's starting file, doing each TODO
        # with the checkpoint's code gives the checkpoint's solution, which the guest suite
        # 70-checkpoints checks against the tests of its step (the bonus, step 6, included).
        paths = sorted(glob.glob(os.path.join(ROOT, 'checkpoints', '*', 'rust_vdev.rs')))
        self.assertEqual(len(paths), 6)
        for path in paths:
            step = int(os.path.basename(os.path.dirname(path)).split('-')[0])
            with open(path, encoding='utf-8') as source:
                checkpoint = source.read()
            start = skeleton.starting_file(checkpoint, step)
            self.assertNotEqual(start, skeleton.solution(checkpoint))
            self.assertEqual(filled_in(start, checkpoint, step),
                             '\n'.join(skeleton.tidy(skeleton.solution(checkpoint).split('\n'))),
                             f'step {step}')

    def test_the_steps_code_becomes_numbered_todos_and_what_was_there(self):
        self.assertEqual(skeleton.starting_file(CHECKPOINT, 3), '''use kernel::prelude::*;
// TODO(3.1): Import what reads and writes need.

impl MiscDevice for VDev {
    // TODO(3.2): Keep an `Arc<Device>` in each open file.
    //   The registration's data is one: clone it.
    type Ptr = ();

    fn open() -> Result {
        pr_debug!("opened\\n");
        Ok(())
    }
}''')

    def test_the_solution_has_no_marker_lines(self):
        solution = skeleton.solution(CHECKPOINT)
        self.assertNotIn('step', solution)
        self.assertIn('type Ptr = Arc<Device>;', solution)
        self.assertIn('pr_debug!("opened\\n");', solution)

    def test_steps_are_listed_in_order(self):
        self.assertEqual(skeleton.steps(CHECKPOINT), [(3, 1), (3, 2), (2, 1)])

    def test_markers_that_do_not_pair_up_are_refused_with_their_line(self):
        with self.assertRaisesRegex(skeleton.MarkerError, 'step 3.1 is never ended'):
            skeleton.parse('// step 3.1: x\ncode')
        with self.assertRaisesRegex(skeleton.MarkerError, 'line 1: the end of step 3.1 without'):
            skeleton.parse('// end of step 3.1')
        with self.assertRaisesRegex(skeleton.MarkerError, 'line 2: step 3.2 starts inside'):
            skeleton.parse('// step 3.1: x\n// step 3.2: y\n// end of step 3.2')


if __name__ == '__main__':
    unittest.main()
