# SPDX-License-Identifier: GPL-2.0
"""Count the instructions of one call of a kernel function, by function.

A gdb script, run by scripts/profile-load against QEMU's gdb stub (run-kernel
--gdb):

    gdb -batch -x debug/count-instructions.py vmlinux

It stops at the first call of $COUNT_FUNCTION (a system call's entry, such as
__x64_sys_finit_module) whose second argument, a string in user memory, is not
empty: the guest's init loads modules without parameters at boot, and so does
profile-load's first, uncounted load; the counted one passes some. From there
it steps one instruction at a time until the function returns, and keeps a
shadow call stack: every instruction counts for the function it is in (self)
and for every function on the stack (total).
QEMU's stub steps with interrupts masked, so the counts are those of the call
alone, like the benchmark's under -icount.

It writes one line per function, "total self name", to $COUNT_OUT. Code that
no symbol of vmlinux covers is the loaded module's own (its init) and is
counted as "[module]".
"""

import bisect
import os
import subprocess

import gdb  # pylint: disable=import-error

FUNCTION = os.environ["COUNT_FUNCTION"]
OUT = os.environ["COUNT_OUT"]
# Where the second argument of the system call is, in the struct pt_regs that
# the entry function gets in its first register: si on x86_64, regs[1] on
# arm64.
ARCH = os.environ["COUNT_ARCH"]
ARG_OFFSET, FIRST_REG, RETURN_REG = {
    "x86_64": (104, "$rdi", None),
    "arm64": (8, "$x0", "$x30"),
}[ARCH]
LIMIT = int(os.environ.get("COUNT_LIMIT", "5000000"))
# The size of a task's kernel stack (THREAD_SIZE): a stack pointer outside the
# profiled task's stack means that the CPU switched to another task.
STACK_MASK = -int(os.environ.get("COUNT_STACK_SIZE", "16384")) & 0xFFFFFFFFFFFFFFFF


def register(name):
    """A register's value, as an unsigned number."""
    return int(gdb.parse_and_eval(name)) & 0xFFFFFFFFFFFFFFFF


def read_u64(address):
    """The 64-bit word at a guest address."""
    data = gdb.selected_inferior().read_memory(address, 8).tobytes()
    return int.from_bytes(data, "little")


def argument_is_empty(regs):
    """Whether the system call's string argument is empty (or unreadable)."""
    pointer = read_u64(regs + ARG_OFFSET)
    try:
        return gdb.selected_inferior().read_memory(pointer, 1).tobytes() == b"\0"
    except gdb.MemoryError:
        return True


def return_address():
    """Where the function that was just entered returns to."""
    if RETURN_REG:
        return register(RETURN_REG)
    return read_u64(register("$sp"))


class Symbols:
    """The text symbols of vmlinux: which function an address is in."""

    def __init__(self, vmlinux):
        nm_tool = os.environ.get("NM", "nm")
        listing = subprocess.run([nm_tool, "-n", "--defined-only", vmlinux], check=True,
                                 capture_output=True, text=True).stdout
        self.addresses, self.names = [], []
        for line in listing.splitlines():
            fields = line.split()
            if len(fields) == 3 and fields[1] in "tTW":
                self.addresses.append(int(fields[0], 16))
                self.names.append(fields[2])
        self.starts = dict(zip(self.addresses, self.names))

    def starting_at(self, address):
        """The name of the function that starts at ADDRESS, or None."""
        return self.starts.get(address)

    def function_of(self, address):
        """The name of the function at ADDRESS; "[module]" outside vmlinux."""
        if not self.addresses[0] <= address <= self.addresses[-1]:
            return "[module]"
        return self.names[bisect.bisect_right(self.addresses, address) - 1]


def stop_at_the_call():
    """Continue until FUNCTION is called with a string argument that is not empty."""
    gdb.execute("set pagination off")
    gdb.execute("target remote :1234")
    gdb.execute(f"hbreak {FUNCTION}")
    while True:
        gdb.execute("continue")
        if not argument_is_empty(register(FIRST_REG)):
            break
    gdb.execute("delete")


def wait_for_the_task(address, task_stack):
    """The task was switched out at ADDRESS (it waits for kdevtmpfs, say): let the
    others run at full speed, uncounted, until it runs there again."""
    gdb.execute(f"hbreak *{address:#x} if "
                f"((unsigned long) $sp & {STACK_MASK:#x}) == {task_stack:#x}")
    gdb.execute("continue")
    gdb.execute("delete")


def count(symbols):
    """Step the call through; return {function: total}, {function: self}, the
    number of task switches, and whether it returned within LIMIT."""
    total, own = {}, {}
    # The shadow stack: (name, return address, stack pointer at entry).
    stack = [(FUNCTION, return_address(), register("$sp"))]
    task_stack = stack[0][2] & STACK_MASK
    steps = switches = 0
    while stack and steps < LIMIT:
        name = symbols.function_of(register("$pc"))
        own[name] = own.get(name, 0) + 1
        for frame in {frame[0] for frame in stack}:
            total[frame] = total.get(frame, 0) + 1
        gdb.execute("stepi", to_string=True)
        steps += 1
        if steps % 20000 == 0:
            print(f"{steps} instructions, in {name}", flush=True)
        if register("$sp") & STACK_MASK != task_stack:
            wait_for_the_task(register("$pc"), task_stack)
            switches += 1
        here, stack_pointer = register("$pc"), register("$sp")
        # Returned: pop every frame that returns here (tail calls share one).
        while stack and here == stack[-1][1] and stack_pointer >= stack[-1][2]:
            stack.pop()
        entered = symbols.starting_at(here)
        if stack and entered and here != stack[-1][1]:
            stack.append((entered, return_address(), stack_pointer))
    return total, own, switches, not stack


def main():
    """Stop at the call, step it through, and write the counts."""
    symbols = Symbols(gdb.current_progspace().filename)
    stop_at_the_call()
    total, own, switches, returned = count(symbols)
    gdb.execute("detach")
    with open(OUT, "w", encoding="utf-8") as out:
        if not returned:
            out.write(f"# stopped after {LIMIT} instructions\n")
        out.write(f"# {switches} switches to other tasks, whose instructions are not counted\n")
        for name in sorted(total, key=lambda n: -total[n]):
            out.write(f"{total[name]} {own.get(name, 0)} {name}\n")
        for name, instructions in own.items():
            if name not in total:
                out.write(f"0 {instructions} {name}\n")


main()
