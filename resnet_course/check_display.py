"""How a failed public check looks in a notebook: its message first, no checker internals.

IPython shows an exception with the frames it passed through, the checker's own among them, and its
message last. A student needs the message, so :func:`show_failures_as_messages` registers a handler
for the checks' exception with the running IPython shell: a failed check then shows its message
alone, as the first line of the cell's error output. Outside IPython nothing changes.
"""

from __future__ import annotations

import sys


def show_failures_as_messages(exception_type: type[BaseException]) -> bool:
    """Shows ``exception_type`` in IPython as its message alone.

    Args:
        exception_type: the exception the checks raise for a mistake.

    Returns:
        True when an IPython shell was found and the handler registered.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    shell.set_custom_exc((exception_type,), _message_only)
    return True


def _message_only(shell, etype, value, tb, tb_offset=None):
    """IPython's custom handler: publishes the error output with the message as its traceback."""
    lines = str(value).splitlines() or [etype.__name__]
    shell._showtraceback(etype, value, lines)
    return lines
