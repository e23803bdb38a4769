"""The batch's progress.

A live bar on a terminal, one plain line per finished submission elsewhere.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text


class ProgressLine:
    """Shows ``[done/total] bar percent, elapsed, ~left, last event`` after every finished item.

    On a terminal, rich draws the line in place; elsewhere (logs, CI) each update is a plain line of
    its own, with no control codes. The estimate divides the time spent so far by the submissions
    actually graded in this run, so skipped (already graded) submissions do not make it optimistic.

    Args:
        total: how many items the run covers.
        stream: where to write; stderr by default.
        width: characters in the bar.
    """

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 24):
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.done = 0
        self.worked = 0
        self.start = time.monotonic()
        self._live: Progress | None = None
        if bool(getattr(self.stream, "isatty", lambda: False)()):
            self._live = Progress(
                MofNCompleteColumn(),
                BarColumn(bar_width=width),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                _TimeLeftColumn(self),
                TextColumn("| {task.description}"),
                console=Console(file=self.stream, force_terminal=True),
            )
            self._task = self._live.add_task("", total=total)
            self._live.start()

    def advance(self, message: str, *, worked: bool = True) -> None:
        """Counts one finished item and shows it.

        Args:
            message: what just finished, e.g. ``alice: 38/40``.
            worked: False when the item was skipped rather than graded.
        """
        self.done += 1
        self.worked += int(worked)
        if self._live is not None:
            self._live.update(self._task, advance=1, description=message)
            return
        fraction = self.done / self.total if self.total else 1.0
        filled = int(round(fraction * self.width))
        self.stream.write(
            f"[{self.done}/{self.total}] {'#' * filled}{'.' * (self.width - filled)} "
            f"{fraction:4.0%} {format_duration(time.monotonic() - self.start)} elapsed, "
            f"{self.time_left()} | {message}\n"
        )
        self.stream.flush()

    def eta_seconds(self) -> float | None:
        """Seconds left at the rate seen so far; None before anything was graded."""
        if self.worked == 0:
            return None
        remaining = self.total - self.done
        return (time.monotonic() - self.start) / self.worked * remaining

    def time_left(self) -> str:
        """Says how long is left.

        ``done``, ``~?`` before anything was graded, else ``~3m05s left``.
        """
        if self.done >= self.total:
            return "done"
        eta = self.eta_seconds()
        return "~?" if eta is None else f"~{format_duration(eta)} left"

    def close(self) -> None:
        """Ends the live line on a terminal."""
        if self._live is not None:
            self._live.stop()


class _TimeLeftColumn(ProgressColumn):
    """Rich's own estimate counts skipped submissions; this one asks the progress line."""

    def __init__(self, progress: ProgressLine):
        super().__init__()
        self.progress = progress

    def render(self, task) -> Text:
        """Renders the time left (see :meth:`ProgressLine.time_left`)."""
        return Text(self.progress.time_left())


def format_duration(seconds: float) -> str:
    """Formats seconds as ``1h02m``, ``3m05s`` or ``42s``."""
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"
