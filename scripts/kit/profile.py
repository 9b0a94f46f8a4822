# SPDX-License-Identifier: GPL-2.0
"""Compare instruction profiles written by debug/count-instructions.py.

    python3 scripts/kit/profile.py [--top N] FIRST.txt OTHER.txt...

Each file has a line "total self function" per function: total counts the
instructions executed while the function was on the call stack, self those
executed in its own code. The report lists, for the functions whose counts
differ most from the first profile's, the total and self counts of every
profile, and then the difference of each other profile to the first.
"""

import argparse
import os
import sys


def read_profile(path):
    """The profile in PATH, as {function: (total, self)}, and its comments."""
    counts, notes = {}, []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                notes.append(line[1:].strip())
                continue
            total, own, name = line.split(maxsplit=2)
            counts[name.strip()] = (int(total), int(own))
    return counts, notes


def label(path):
    """A profile's name: its file's name without .txt."""
    return os.path.basename(path).removesuffix(".txt")


# The two columns of a profile: (index in its counts, what the counts are).
COLUMNS = ((0, "total (the function and what it calls)"), (1, "self (the function's own code)"))


def chosen_functions(profiles, which, top):
    """The TOP functions whose counts in column WHICH differ most between the
    profiles, busiest first."""
    def values(function):
        return [profile.get(function, (0, 0))[which] for profile in profiles]

    functions = sorted(set().union(*profiles), key=lambda f: (min(values(f)) - max(values(f)), f))
    chosen = [f for f in functions[:top] if max(values(f)) > min(values(f))] or functions[:top]
    return sorted(chosen, key=lambda f: -max(values(f)))


def report(paths, top, out):
    """Print the comparison of the profiles in PATHS."""
    profiles = [read_profile(path)[0] for path in paths]
    names = [label(path) for path in paths]
    header = "".join(f"{n:>12}" for n in names)
    header += "".join(f"{n + ' - ' + names[0]:>18}" for n in names[1:])
    for which, title in COLUMNS:
        out.write(f"Instructions, {title}\n\n")
        out.write(f"{'function':<60}{header}\n")
        for function in chosen_functions(profiles, which, top):
            values = [profile.get(function, (0, 0))[which] for profile in profiles]
            row = "".join(f"{v:>12,}" for v in values)
            row += "".join(f"{v - values[0]:>+18,}" for v in values[1:])
            shown = function if len(function) <= 58 else function[:55] + "..."
            out.write(f"{shown:<60}{row}\n")
        out.write("\n")


def main(argv=None):
    """Parse the arguments and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("profiles", nargs="+")
    args = parser.parse_args(argv)
    report(args.profiles, args.top, sys.stdout)


if __name__ == "__main__":
    main()
