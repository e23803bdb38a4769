"""Builds ``autograder.zip`` following Gradescope's autograder specification.

The zip's root holds ``setup.sh`` and ``run_autograder`` (the two files the specification requires)
and everything they use; Gradescope unpacks it into ``/autograder/source``::

    setup.sh, run_autograder          the scripts (grader.gradescope.scripts)
    requirements.txt, constraints.txt  the runtime pins, and pytest for the hidden checks
    install-sandbox-tools.sh           bubblewrap for the sandbox, where apt allows
    grader/                            the grader, the hidden checks among it
    packages/resnet_course/, packages/signs_data/   what a student's notebook imports
    data/                              the public splits and the hidden split

The course's solutions and the project's tests are never put in it.
"""

from __future__ import annotations

import os
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

from grader.gradescope.scripts import PACKAGES_DIR, SETUP_SH, run_autograder_script

REPO_DIR = Path(__file__).resolve().parents[2]
#: Top-level folders of the course a package must never hold.
FORBIDDEN_TOP_LEVEL = ("solutions", "tests", "assignments", "submitted", "autograded", "feedback")
#: The file types of the packages' code and package data.
PACKAGE_SUFFIXES = (".py", ".json", ".md")
#: The test runner the judge's hidden checks need besides the runtime dependencies.
JUDGE_REQUIREMENTS = ("pytest",)
EXECUTABLE = 0o755
# A fixed time stamp makes two builds of the same files byte for byte equal.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class PackageError(RuntimeError):
    """The package cannot be built from this checkout."""


def requirements_text(pyproject: Path) -> str:
    """Returns requirements.txt: the project's runtime pins and the judge's test runner.

    Args:
        pyproject: the project's ``pyproject.toml``.

    Returns:
        One requirement a line, each pinned with ``==`` as in ``pyproject.toml``.
    """
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    runtime = list(project["dependencies"])
    extras = project.get("optional-dependencies", {}).get("dev", [])
    judge = [item for item in extras if _name(item) in JUDGE_REQUIREMENTS]
    return "".join(f"{item}\n" for item in runtime + judge)


def _name(requirement: str) -> str:
    return requirement.split("==", 1)[0].split("[", 1)[0].strip().lower()


def data_files(data_dir: Path | None = None) -> list[Path]:
    """Returns the public splits and the hidden split, generating any that is missing.

    Args:
        data_dir: the folder of the splits; default: signs_data's (``$SIGNS_DATA_DIR``, else the
            repository's ``data/``).

    Returns:
        The paths of ``train_signs.h5``, ``test_signs.h5`` and ``hidden_signs.h5``.
    """
    from grader.judge.hidden_split import ensure_hidden_split
    from signs_data import SPLIT_FILES, default_data_dir, load_signs

    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    load_signs(folder)
    hidden = ensure_hidden_split(folder)
    return [folder / SPLIT_FILES["train"], folder / SPLIT_FILES["test"], hidden]


def package_entries(
    visibility: str, data: list[Path], repo_dir: Path = REPO_DIR
) -> Iterator[tuple[str, bytes | Path, bool]]:
    """Lists what goes into the zip.

    Args:
        visibility: Gradescope's visibility for the hidden checks' test cases.
        data: the split files to bundle under ``data/``.
        repo_dir: the checkout to package.

    Yields:
        ``(name in the zip, content or file to copy, executable)``.
    """
    yield "setup.sh", SETUP_SH.encode(), True
    yield "run_autograder", run_autograder_script(visibility).encode(), True
    yield "requirements.txt", requirements_text(repo_dir / "pyproject.toml").encode(), False
    yield "constraints.txt", repo_dir / "constraints.txt", False
    yield "install-sandbox-tools.sh", repo_dir / "tools" / "install-sandbox-tools.sh", True
    packages = {
        "grader": repo_dir / "grader",
        f"{PACKAGES_DIR}/resnet_course": repo_dir / "resnet_course",
        f"{PACKAGES_DIR}/signs_data": repo_dir / "data" / "signs_data",
    }
    for prefix, folder in packages.items():
        for path in _package_files(folder):
            yield f"{prefix}/{path.relative_to(folder).as_posix()}", path, False
    for path in data:
        yield f"data/{path.name}", path, False


def _package_files(folder: Path) -> list[Path]:
    """Returns a package's code and package data, without compiled files."""
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in PACKAGE_SUFFIXES and "__pycache__" not in path.parts
    ]


def build_autograder_zip(
    out: str | os.PathLike,
    *,
    visibility: str = "after_due_date",
    data_dir: str | os.PathLike | None = None,
    repo_dir: Path = REPO_DIR,
) -> Path:
    """Writes the Gradescope autograder zip.

    Args:
        out: the zip to write (replaced if it exists).
        visibility: Gradescope's visibility for the hidden checks' test cases (``visible``,
            ``hidden``, ``after_due_date`` or ``after_published``).
        data_dir: where the data splits are (see :func:`data_files`).
        repo_dir: the checkout to package.

    Returns:
        The path written.

    Raises:
        ValueError: if ``visibility`` is not one of Gradescope's four.
        PackageError: if an entry would put course solutions or tests into the zip.
    """
    out = Path(out)
    entries = list(package_entries(visibility, data_files(data_dir), repo_dir))
    leaked = [name for name, _, _ in entries if name.split("/", 1)[0] in FORBIDDEN_TOP_LEVEL]
    if leaked:
        raise PackageError(f"refusing to package course files students must not get: {leaked}")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content, executable in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((EXECUTABLE if executable else 0o644) | 0o100000) << 16
            data = content if isinstance(content, bytes) else Path(content).read_bytes()
            archive.writestr(info, data)
    partial.replace(out)
    return out
