"""The two shell scripts Gradescope's autograder specification asks for at the zip's root.

``setup.sh`` runs once, as root on Gradescope's Ubuntu image, when the autograder is built;
``run_autograder`` runs for every submission, with ``/autograder`` as its working directory.
Gradescope's grader stays on TensorFlow, the only backend ``setup.sh`` installs: a ``.keras`` file
saved on JAX or PyTorch is judged the same there (see :mod:`grader.pipeline.backend`).
"""

from __future__ import annotations

#: The interpreter setup.sh installs, and the virtual environment it installs into.
PYTHON = "python3.11"
VENV = "venv"
#: The folder of the zip holding what a student's notebook imports; setup.sh puts it on the
#: virtual environment's path with a ``.pth`` file, because the sandboxed producer is started with
#: a PYTHONPATH of its own.
PACKAGES_DIR = "packages"
PATH_FILE = "resnet_course_autograder.pth"
#: The variables that move the autograder's root and interpreter, so that tests can run
#: ``run_autograder`` in a temporary folder with an existing environment.
ROOT_VARIABLE = "AUTOGRADER_ROOT"
PYTHON_VARIABLE = "AUTOGRADER_PYTHON"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")

SETUP_SH = f"""\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu).
# It installs Python 3.11, the grader's pinned dependencies (requirements.txt, locked by
# constraints.txt) into $ROOT/{VENV}, and bubblewrap for the grading sandbox where apt allows.
set -euo pipefail
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
ROOT="$(dirname "$SOURCE")"
export DEBIAN_FRONTEND=noninteractive

if ! command -v {PYTHON} >/dev/null 2>&1; then
    apt-get update -q
    if ! apt-get install -y -q {PYTHON} {PYTHON}-venv; then
        # Ubuntu releases without Python 3.11 in their archive get it from the deadsnakes PPA.
        apt-get install -y -q software-properties-common
        add-apt-repository -y ppa:deadsnakes/ppa
        apt-get update -q
        apt-get install -y -q {PYTHON} {PYTHON}-venv
    fi
fi
{PYTHON} -m venv --help >/dev/null 2>&1 || apt-get install -y -q {PYTHON}-venv
sh "$SOURCE/install-sandbox-tools.sh"

{PYTHON} -m venv "$ROOT/{VENV}"
"$ROOT/{VENV}/bin/python" -m pip install --disable-pip-version-check -q \\
    -r "$SOURCE/requirements.txt" -c "$SOURCE/constraints.txt"
VENV_PYTHON="$ROOT/{VENV}/bin/python"
SITE="$("$VENV_PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$SOURCE/{PACKAGES_DIR}" > "$SITE/{PATH_FILE}"
"$VENV_PYTHON" -c 'import keras, resnet_course, signs_data; print("keras", keras.__version__)'
"""


def run_autograder_script(visibility: str) -> str:
    """Returns the ``run_autograder`` script.

    Args:
        visibility: the Gradescope visibility of the hidden checks' test cases.

    Returns:
        A bash script that grades ``$ROOT/submission`` into ``$ROOT/results/results.json``.

    Raises:
        ValueError: if ``visibility`` is not one of Gradescope's four.
    """
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    return f"""\
#!/usr/bin/env bash
# Gradescope runs this for every submission: it grades the notebook in $ROOT/submission and
# writes $ROOT/results/results.json. {ROOT_VARIABLE} and {PYTHON_VARIABLE} move the root
# (default /autograder) and the interpreter (default the one setup.sh installed).
set -uo pipefail
ROOT="${{{ROOT_VARIABLE}:-/autograder}}"
PYTHON="${{{PYTHON_VARIABLE}:-$ROOT/{VENV}/bin/python}}"
cd "$ROOT"
export PYTHONPATH="$ROOT/source"
export SIGNS_DATA_DIR="$ROOT/source/data"
export TF_CPP_MIN_LOG_LEVEL=2 KERAS_BACKEND=tensorflow PYTHONUNBUFFERED=1
exec "$PYTHON" -m grader.gradescope.run --root "$ROOT" --visibility {visibility}
"""
