"""At isolation level ``none``, a grader running as root hands student code to an unprivileged user.

Without namespaces nothing else stands between student code and the machine, so the sandboxed
process gives up root (to ``nobody``, uid and gid 65534) after its limits are set and before it
starts. That user must be able to reach the Python interpreter and every folder the process uses;
:func:`prepare` gives it the writable folders and says plainly which path it cannot reach. When the
interpreter itself lies where that user cannot go (a Python installed under ``/root``, which is
private), level ``none`` is refused as root, unless ``GRADER_NONE_AS_ROOT=1`` accepts running
student code as root.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from grader.pipeline.errors import IsolationError

SANDBOX_UID = 65534
SANDBOX_GID = 65534
ALLOW_ROOT_ENV = "GRADER_NONE_AS_ROOT"


def dropping() -> bool:
    """True when a level-``none`` sandbox must give up root: running as root, and not allowed."""
    return os.geteuid() == 0 and os.environ.get(ALLOW_ROOT_ENV) != "1"


def unreachable(path: str | os.PathLike, *, executable: bool = False) -> Path | None:
    """Returns the first path the sandbox user cannot pass on the way to ``path``; None if none.

    Args:
        path: a file or folder the sandboxed process needs.
        executable: whether it must be able to run the file too.

    Returns:
        The first folder it cannot enter, or ``path`` itself when it cannot read (or run) it.
    """
    path = Path(os.path.abspath(path))
    for candidate in dict.fromkeys([path, Path(os.path.realpath(path))]):
        for folder in reversed(candidate.parents):
            if not _allows(folder, stat.S_IXOTH, stat.S_IXGRP, stat.S_IXUSR):
                return folder
        needs = [(stat.S_IROTH, stat.S_IRGRP, stat.S_IRUSR)]
        if executable or candidate.is_dir():
            needs.append((stat.S_IXOTH, stat.S_IXGRP, stat.S_IXUSR))
        if not all(_allows(candidate, *bits) for bits in needs):
            return candidate
    return None


def refusal(interpreter: str | os.PathLike) -> str:
    """Says why level ``none`` cannot run as root here; empty when it can.

    Args:
        interpreter: the Python the sandboxed processes run.
    """
    if not dropping():
        return ""
    blocked = unreachable(interpreter, executable=True)
    if blocked is None:
        return ""
    return (
        f"isolation 'none' as root would run student code as root: the grader gives it to the "
        f"user nobody instead, but nobody cannot reach {blocked} on the way to the Python "
        f"interpreter {interpreter}. Install bubblewrap or allow user namespaces, install Python "
        f"where every user can read it, or set {ALLOW_ROOT_ENV}=1 to accept running student code "
        "as root"
    )


def prepare(writable: tuple[Path, ...], readable: tuple[Path, ...], executable: Path) -> None:
    """Hands the writable folders to the sandbox user and checks it can reach everything else.

    Args:
        writable: folders it writes (their contents are handed over too).
        readable: files and folders it reads.
        executable: the program it runs.

    Raises:
        IsolationError: naming the first path it cannot reach.
    """
    for folder in writable:
        for root, folders, files in os.walk(folder):
            for name in [root, *(os.path.join(root, n) for n in folders + files)]:
                os.chown(name, SANDBOX_UID, SANDBOX_GID, follow_symlinks=False)
    for path, runs in [(executable, True)] + [(p, False) for p in (*writable, *readable)]:
        blocked = unreachable(path, executable=runs)
        if blocked is not None:
            raise IsolationError(
                f"isolation 'none' runs student code as the user nobody, who cannot reach "
                f"{blocked} (needed for {path}): let every user enter that folder (chmod o+x) or "
                "grade from another folder"
            )


def drop() -> None:
    """Gives up root for the sandbox user; runs in the child between fork and exec."""
    os.setgroups([])
    os.setgid(SANDBOX_GID)
    os.setuid(SANDBOX_UID)


def _allows(path: Path, other: int, group: int, owner: int) -> bool:
    try:
        info = path.stat()
    except OSError:
        return False
    if info.st_uid == SANDBOX_UID:
        return bool(info.st_mode & owner)
    if info.st_gid == SANDBOX_GID:
        return bool(info.st_mode & group)
    return bool(info.st_mode & other)
