# SPDX-License-Identifier: GPL-2.0
"""The kit's model of a target, as scripts/target prints it (scripts/lib.sh computes it)."""

import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def setting(name):
    """The value of one setting of the model, for the target the environment chooses."""
    return subprocess.run([os.path.join(ROOT, 'scripts', 'target'), name], check=True,
                          capture_output=True, text=True).stdout.rstrip('\n')
