#!/bin/sh
# Starts JupyterLab for one seat of the course, with that seat's own Jupyter configuration
# (seats/SEAT/), so that the caller's own Jupyter configuration is neither used nor changed.
# Usage: tools/seat.sh student|instructor [jupyter lab options...]
# SEAT_PYTHON: the course environment's Python (default .venv/bin/python); SEAT_ROOT: the folder
# served (default the course folder).
set -eu
usage="usage: tools/seat.sh student|instructor [jupyter lab options...]"
seat=${1:?$usage}
shift
case $seat in
    student|instructor) ;;
    *) echo "$usage" >&2; exit 2 ;;
esac
course=$(cd "$(dirname "$0")/.." && pwd)
python=${SEAT_PYTHON:-$course/.venv/bin/python}
if [ ! -x "$python" ]; then
    echo "no course environment at $python: run 'make env' first" >&2
    exit 2
fi
# nbgrader runs alembic, and the grader starts this Python: both must come from the course's
# environment, whatever the caller's PATH holds.
PATH=$(dirname "$python"):$PATH
JUPYTER_CONFIG_DIR=$course/seats/$seat
# The kernel inherits this: TensorFlow's C++ log lines (CUDA probing on a machine without a GPU, CPU
# features) would otherwise land in the notebook as red boxes. Fatal errors still show.
TF_CPP_MIN_LOG_LEVEL=3
# The caller may choose another Keras backend (make lab KERAS_BACKEND=jax); TensorFlow by default.
KERAS_BACKEND=${KERAS_BACKEND:-tensorflow}
# A seat's data folder comes first among Jupyter's: the instructor's holds the nbconvert template
# that makes formgrader load MathJax from this server (jupyter_server_mathjax), not from a CDN.
JUPYTER_PATH=$course/seats/$seat/data${JUPYTER_PATH:+:$JUPYTER_PATH}
export PATH JUPYTER_CONFIG_DIR JUPYTER_PATH TF_CPP_MIN_LOG_LEVEL KERAS_BACKEND
# Jupyter refuses to run as root unless told; containers and CI machines often run as root.
as_root=
[ "$(id -u)" = 0 ] && as_root=--allow-root
# nbgrader's server extensions read nbgrader_config.py from the folder the server starts in.
cd "${SEAT_ROOT:-$course}"
exec "$python" -m jupyter lab --ServerApp.root_dir=. $as_root "$@"
