"""Start TensorFlow without its start-up log lines, keeping its real warnings and errors visible.

Importing TensorFlow prints, from C++ and before its logging is configured, a line about
absl's log set-up, the oneDNN notice, "Could not find cuda drivers" and the CPU-feature
notice (twice over, once per shared library); the first device query on a machine without an
NVIDIA GPU adds ``failed call to cuInit: ... UNKNOWN ERROR (303)``. They go straight to file
descriptor 2, which Jupyter shows in red under the cell, and `TF_CPP_MIN_LOG_LEVEL` does not
stop the ones printed before logging is set up. `start_tensorflow` imports TensorFlow and Keras
and queries the devices once with descriptor 2 sent to a temporary file, then writes back to
`sys.stderr` every line that is not one of those notices.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
import tempfile
from pathlib import Path

#: absl's INFO lines ("I0000 00:00:1796166923.834248    7813 port.cc:153] ...") are notices.
_INFO_LINE = re.compile(r"^I\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\]")
_NOTICES = (
    re.compile(
        r"^WARNING: All log messages before absl::InitializeLog\(\) is called "
        r"are written to STDERR$"
    ),
    # The second line of the CPU-feature notice, which has no prefix of its own.
    re.compile(
        r"^To enable the following instructions: .* "
        r"rebuild TensorFlow with the appropriate compiler flags\.$"
    ),
)
_CUINIT_FAILED = re.compile(r"^E\d{4} .*failed call to cuInit")


def nvidia_device_present(dev: Path = Path("/dev")) -> bool:
    """Returns True when the machine exposes an NVIDIA GPU device file (/dev/nvidia0, ...)."""
    return any(dev.glob("nvidia[0-9]*"))


def is_startup_notice(line: str, gpu_present: bool) -> bool:
    """Tells whether one line that TensorFlow printed while starting is a harmless notice.

    Args:
        line: One line of TensorFlow's output, without its newline.
        gpu_present: Whether the machine has an NVIDIA GPU. Without one, the failed cuInit
            call only says that there is no GPU; with one, it is a real driver problem.

    Returns:
        True for the notices listed in the module docstring, False for anything else.
    """
    if _INFO_LINE.match(line) or any(notice.match(line) for notice in _NOTICES):
        return True
    return not gpu_present and bool(_CUINIT_FAILED.match(line))


@contextlib.contextmanager
def filtered_stderr(gpu_present: bool | None = None):
    """Captures file descriptor 2 and writes back to `sys.stderr` what is not a start-up notice.

    Args:
        gpu_present: Whether the machine has an NVIDIA GPU (found out when None).

    Yields:
        Nothing; the lines are written back when the block ends, also when it raises.
    """
    if gpu_present is None:
        gpu_present = nvidia_device_present()
    try:
        captured_file = tempfile.TemporaryFile()
    except OSError:
        # No writable temporary folder (a locked-down sandbox): better the notices than no start.
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with captured_file as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace")
            kept = [
                line
                for line in text.splitlines()
                if line and not is_startup_notice(line, gpu_present)
            ]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
                sys.stderr.flush()


def start_tensorflow():
    """Imports TensorFlow and Keras and looks for GPUs once, without TensorFlow's start-up notices.

    Later INFO lines (from XLA, say) are kept out too, through `TF_CPP_MIN_LOG_LEVEL=1`, unless
    the variable is set already; warnings and errors still show.

    Returns:
        The `tensorflow` module.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    with filtered_stderr():
        # Importing Keras loads TensorFlow's second shared library, which prints notices of its own.
        importlib.import_module("keras")
        import tensorflow as tf

        tf.config.list_physical_devices("GPU")
    return tf
