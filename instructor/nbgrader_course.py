"""A working copy of the nbgrader course, and the environment nbgrader commands need.

The demo and the tests run the real nbgrader commands in such a copy, so that the repository's own
gradebook and release are never touched.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def copy_course(root: Path, assignment: str = "resnets") -> Path:
    """Copies ``nbgrader_config.py`` and ``solutions/<assignment>`` into ``root``, without models.

    Args:
        root: the new course directory (created if missing).
        assignment: the assignment whose source is copied.

    Returns:
        ``root``.
    """
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(
        REPO_ROOT / "solutions" / assignment,
        root / "solutions" / assignment,
        ignore=shutil.ignore_patterns("*.keras", ".ipynb_checkpoints"),
    )
    return root


def tool_environment() -> dict[str, str]:
    """This process's environment with its Python's ``bin`` folder first on PATH.

    nbgrader runs ``alembic`` from PATH, and the grader starts this Python: both must come from the
    project's environment even when it is not activated.
    """
    return dict(
        os.environ,
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    )
