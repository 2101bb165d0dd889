"""Progress lines and step timings of a quarter's analysis and of writing its folder."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator

__all__ = ["Steps"]


class Steps:
    """Per-step timing and progress lines on stderr (silent when `quiet`).

    Parameters
    ----------
    phase
        What the steps belong to, in words (``"分析 analysis"``, ``"写出 writing"``): each
        progress line starts with it, so two blocks of steps are told apart.
    total
        Number of steps, for the ``[k/total]`` counter.
    quiet
        No output.
    """

    def __init__(self, phase: str, total: int, quiet: bool) -> None:
        self.phase, self.total, self.quiet, self.k = phase, total, quiet, 0
        self.timings: dict[str, float] = {}

    @contextlib.contextmanager
    def step(self, name: str, label: str) -> Iterator[None]:
        """Time the block as step `name`, announcing it as `label`."""
        self.k += 1
        self.say(f"{self.phase} [{self.k}/{self.total}] {label} …")
        t = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - t, 2)
        self.say(f"      {self.timings[name]:.1f} s")

    def say(self, line: str) -> None:
        """Write `line` to stderr unless quiet."""
        if not self.quiet:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    def warn(self, text: str) -> str:
        """Say `text` as a warning (unless quiet) and return it for the manifest."""
        self.say(f"trafficprev: 注意 warning: {text}")
        return text
