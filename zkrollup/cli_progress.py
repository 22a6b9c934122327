"""Progress of the long steps (key setup, proving) on the command line.

The prover and the key setup report `progress(stage, fraction)`; a task ends when the
fraction reaches 1. On a terminal (stdout and stderr both) `StageBar` draws a progress bar
per task on stderr. Otherwise (output piped into a file, `tee`, CI) `StageLines` prints a
plain line on stdout when a task's stage changes, with the time since the command started,
so a log shows what the command is doing and for how long, in order with the rest of the
output.
"""
from __future__ import annotations

import sys
import time
from typing import Callable, Optional

import click

SETUP_STAGES = ("lagrange", "G1 points", "G2 points")


def task_of(stage: str) -> str:
    return "key setup" if stage in SETUP_STAGES else "proving"


class StageBar:
    """One click progress bar per task on stderr."""

    def __init__(self):
        self.bar = None
        self.done = 0

    def __call__(self, stage: str, frac: float) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=1000, label=f"  {task_of(stage):<9}", file=sys.stderr,
                                         show_eta=False, item_show_func=lambda s: s)
            self.bar.__enter__()
            self.done = 0
        target = int(1000 * min(max(frac, 0.0), 1.0))
        if target > self.done:
            self.bar.update(target - self.done, stage)
            self.done = target
        if frac >= 1.0:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


class StageLines:
    """Stage lines for output that is not a terminal: `[  41.2 s] key setup: G1 points`.

    One line when a task starts and one each time its phase changes (the prover's five
    MSMs are one phase, so a proof takes two lines), with the time since the command
    started; a task that took `long_s` seconds or more ends with a line giving its time."""

    def __init__(self, echo: Callable[[str], None] = click.echo, *, t0: Optional[float] = None,
                 long_s: float = 5.0, clock: Callable[[], float] = time.perf_counter):
        self.echo = echo
        self.clock = clock
        self.t0 = clock() if t0 is None else t0
        self.long_s = long_s
        self.task: Optional[str] = None

    def __call__(self, stage: str, frac: float) -> None:
        now = self.clock()
        phase = "MSMs" if stage.startswith("MSM") else stage
        if self.task is None:
            self.task, self.started = task_of(stage), now
            self._line(now, f"{self.task}: {phase}")
        elif frac < 1.0 and phase != self.phase:
            self._line(now, f"{self.task}: {phase}")
        self.phase = phase
        if frac >= 1.0:
            if now - self.started >= self.long_s:
                self._line(now, f"{self.task} done in {now - self.started:.1f} s")
            self.task = None

    def _line(self, now: float, text: str) -> None:
        self.echo(f"  [{now - self.t0:7.1f} s] {text}")

    def close(self) -> None:
        self.task = None


class NoProgress:
    def __call__(self, stage: str, frac: float) -> None:
        pass

    def close(self) -> None:
        pass


def progress_for_output(enabled: bool = True):
    """The progress reporter for this process's output: a bar on a terminal, stage lines
    otherwise, nothing when disabled. Call `.close()` when the command ends."""
    if not enabled:
        return NoProgress()
    if sys.stdout.isatty() and sys.stderr.isatty():
        return StageBar()
    return StageLines()
