"""Output written for a terminal, shown as plain lines where no terminal reads it (a log file, CI).

Keras's progress bar redraws its line with carriage returns and backspaces and colours it with ANSI
escape codes; a terminal shows only the line's last state. :class:`PlainLines` writes that last
state, one line per line, with no control codes, so that a log reads like the screen did.
"""

from __future__ import annotations

import re
from typing import TextIO

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


def rendered_line(raw: str) -> str:
    r"""Returns what a terminal shows for one line of output: its last state, without control codes.

    Args:
        raw: the line as written, without its newline: text, ``\\r`` (back to the line's start),
            ``\\b`` (one character back) and ANSI escape sequences.

    Returns:
        The visible text, trailing spaces removed.
    """
    cells: list[str] = []
    column = 0
    for char in _ANSI_ESCAPE.sub("", raw):
        if char == "\r":
            column = 0
        elif char == "\b":
            column = max(0, column - 1)
        else:
            if column < len(cells):
                cells[column] = char
            else:
                cells.append(char)
            column += 1
    return "".join(cells).rstrip()


class PlainLines:
    """A text stream that writes each finished line to ``stream`` as a terminal would show it.

    Args:
        stream: where the plain lines go.
    """

    def __init__(self, stream: TextIO):
        self.stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        """Takes output as a terminal would receive it; writes every line it completes.

        Args:
            text: any part of the output.

        Returns:
            The number of characters taken.
        """
        *finished, self._pending = (self._pending + text).split("\n")
        for line in finished:
            self.stream.write(rendered_line(line) + "\n")
        return len(text)

    def flush(self) -> None:
        """Flushes the lines written so far (an unfinished line waits for its end)."""
        self.stream.flush()

    def close(self) -> None:
        """Writes the unfinished line, if any; ``stream`` itself stays open."""
        if self._pending:
            self.stream.write(rendered_line(self._pending) + "\n")
            self._pending = ""
        self.stream.flush()
