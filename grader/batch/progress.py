"""A plain progress line on stderr with an estimate of the time left."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressLine:
    """Shows ``[done/total] bar percent, elapsed, ~left, last event``, one line per update.

    On a terminal the line is redrawn in place; elsewhere (logs, CI) each update is its own line.
    The estimate divides the time spent so far by the submissions actually graded in this run, so
    skipped (already graded) submissions do not make it optimistic.

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
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def advance(self, message: str, *, worked: bool = True) -> None:
        """Counts one finished item and redraws the line.

        Args:
            message: what just finished, e.g. ``alice: 38/40``.
            worked: False when the item was skipped rather than graded.
        """
        self.done += 1
        self.worked += int(worked)
        self._draw(message)

    def eta_seconds(self) -> float | None:
        """Seconds left at the rate seen so far; None before anything was graded."""
        if self.worked == 0:
            return None
        remaining = self.total - self.done
        return (time.monotonic() - self.start) / self.worked * remaining

    def close(self) -> None:
        """Ends the line on a terminal."""
        if self._tty:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, message: str) -> None:
        fraction = self.done / self.total if self.total else 1.0
        filled = int(round(fraction * self.width))
        eta = self.eta_seconds()
        left = "done" if self.done >= self.total else ("~?" if eta is None else f"~{format_duration(eta)} left")
        line = (f"[{self.done}/{self.total}] {'#' * filled}{'.' * (self.width - filled)} {fraction:4.0%} "
                f"{format_duration(time.monotonic() - self.start)} elapsed, {left} | {message}")
        if self._tty:
            self.stream.write("\r\x1b[2K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def format_duration(seconds: float) -> str:
    """Formats seconds as ``1h02m``, ``3m05s`` or ``42s``."""
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"
