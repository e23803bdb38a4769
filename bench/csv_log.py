"""Appending benchmark figures to a CSV file, with its header written once."""

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def appending_rows(path: str | Path, columns: tuple[str, ...]) -> Iterator:
    """Opens ``path`` for appending rows, writing ``columns`` first when the file is new.

    Args:
        path: the CSV file.
        columns: its header.

    Yields:
        A ``csv.writer`` over the file.
    """
    new_file = not Path(path).exists()
    # Line-buffered, so that the rows of a long run are on disk as soon as they are measured.
    with open(path, "a", newline="", buffering=1) as handle:
        writer = csv.writer(handle)
        if new_file:
            writer.writerow(columns)
        yield writer
