"""The producer, run for real in the sandbox on small hand-made submissions (small cases only).

Each fixture is one producer run (one TensorFlow start-up); the tests read its manifest and
artifacts.
"""

from __future__ import annotations

import os

import pytest
from submission_notebooks import SOLUTIONS, build_notebook

from grader.pipeline.backend import thread_environment
from grader.pipeline.notebook import load_submission
from grader.pipeline.supervisor import produce
from grader.sandboxed.contract import TRAINED_MODEL_NAME, read_manifest

SMALL = [
    ("dense_residual_block", "small"),
    ("identity_block", "small"),
    ("convolutional_block", "small"),
]

# Floods the output, probes the network and the working directory, and still builds a correct block.
NOISY_DENSE = SOLUTIONS["dense_residual_block"].replace(
    "    z1 = Dense(",
    """\
    import os, socket, sys
    sys.stdout.write("x" * (3 * 2**20))
    s = socket.socket(); s.settimeout(3)
    try:
        s.connect(("1.1.1.1", 80)); raise RuntimeError("NETWORK REACHABLE")
    except OSError:
        print("[probe] network unreachable")
    print("[probe] cwd", os.getcwd())
    print("[probe] threads", *(os.environ.get(name) for name in
          ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "PJRT_NPROC")))
    print("[probe] backend", keras.backend.backend())
    z1 = Dense(""",
)
RAISING_IDENTITY = SOLUTIONS["identity_block"].replace(
    "    X_shortcut = X\n", "    X_shortcut = X\n    raise ValueError('F1 must be positive')\n"
)
RENAMED_CONVOLUTIONAL = SOLUTIONS["convolutional_block"].replace(
    "def convolutional_block(", "def conv_block("
)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """A flooding and probing dense block, a raising identity block, a renamed convolutional block.

    The ResNet50 cell exits.
    """
    root = tmp_path_factory.mktemp("mixed")
    notebook = build_notebook(
        root / "student" / "Residual_Networks.ipynb",
        {
            "dense_residual_block": NOISY_DENSE,
            "identity_block": RAISING_IDENTITY,
            "convolutional_block": RENAMED_CONVOLUTIONAL,
            "ResNet50": "import sys\nsys.exit(0)\n" + SOLUTIONS["ResNet50"],
        },
    )
    (notebook.parent / TRAINED_MODEL_NAME).write_bytes(b"not really a model; the judge finds out")
    # ResNet50's cell exits before defining the function, so its full-size case is never built.
    cases = SMALL + [("ResNet50", "full")]
    # A batch grading's share of the cores reaches the grader as these variables
    # (grader.pipeline.child_process).
    with pytest.MonkeyPatch.context() as patch:
        for name, value in thread_environment(1).items():
            patch.setenv(name, value)
        result = produce(load_submission(notebook), root / "work", cases=cases, timeout_s=240)
    return result, root


@pytest.mark.every_backend
def test_working_exercise_is_saved_as_an_artifact(mixed):
    result, _ = mixed
    record = result.manifest.exercises["dense_residual_block"]
    assert record.status == "ok"
    assert (result.artifact_dir / record.cases["small"]).stat().st_size > 0


@pytest.mark.every_backend
def test_test_cells_and_training_cell_are_not_executed(mixed):
    result, _ = mixed
    # Every public test cell calls os._exit(99) and the training cell raises: neither happened.
    assert len(result.runs) == 1 and result.runs[0].returncode == 0
    assert "must never run" not in result.manifest.output_tail


@pytest.mark.every_backend
def test_exception_is_reported_with_the_students_own_lines(mixed):
    result, _ = mixed
    record = result.manifest.exercises["identity_block"]
    assert record.status == "error"
    assert "ValueError: F1 must be positive" in record.message
    assert 'File "<cell identity_block>", line 4, in identity_block' in record.traceback
    assert "keras" not in record.traceback


@pytest.mark.every_backend
def test_renamed_function_is_missing_and_says_so(mixed):
    result, _ = mixed
    record = result.manifest.exercises["convolutional_block"]
    assert record.status == "missing"
    assert "conv_block()" in record.message


@pytest.mark.every_backend
def test_output_flood_is_capped_and_the_exercise_still_graded(mixed):
    result, _ = mixed
    assert result.runs[0].output_bytes > 3 * 2**20
    assert len(result.manifest.output_tail) < 10_000
    assert "of output omitted" in result.manifest.output_tail
    assert result.manifest.exercises["dense_residual_block"].status == "ok"


@pytest.mark.every_backend
def test_network_is_unreachable_from_student_code(mixed):
    result, _ = mixed
    if result.manifest.isolation.startswith("none"):
        pytest.skip("no namespace isolation on this machine")
    assert "[probe] network unreachable" in result.manifest.output_tail


@pytest.mark.every_backend
def test_student_code_runs_in_the_scratch_directory(mixed):
    result, root = mixed
    assert f"[probe] cwd {root / 'work' / 'scratch'}" in result.manifest.output_tail


@pytest.mark.every_backend
def test_saved_trained_model_is_copied_not_loaded(mixed):
    result, _ = mixed
    assert result.manifest.trained_model == TRAINED_MODEL_NAME
    assert (result.artifact_dir / TRAINED_MODEL_NAME).read_bytes().startswith(b"not really a model")


@pytest.mark.every_backend
def test_thread_limits_of_every_backend_reach_student_code(mixed):
    result, _ = mixed
    assert "[probe] threads 1 1 1 1" in result.manifest.output_tail


@pytest.mark.every_backend
def test_student_code_runs_on_the_callers_backend(mixed):
    result, _ = mixed
    assert f"[probe] backend {os.environ['KERAS_BACKEND']}" in result.manifest.output_tail


@pytest.mark.every_backend
def test_isolation_in_force_is_recorded(mixed):
    result, _ = mixed
    assert result.manifest.isolation.split(":")[0] in ("bwrap", "unshare", "none")


EXITING_IDENTITY = SOLUTIONS["identity_block"].replace(
    "    X_shortcut = X\n", "    import os\n    os._exit(1)\n"
)
LOOPING_CONVOLUTIONAL = SOLUTIONS["convolutional_block"].replace(
    "    X_shortcut = X\n", "    while True:\n        pass\n"
)


@pytest.fixture(scope="module")
def crashing(tmp_path_factory):
    """A working dense block, an identity block calling os._exit(1), an endless one."""
    root = tmp_path_factory.mktemp("crashing")
    notebook = build_notebook(
        root / "student" / "Residual_Networks.ipynb",
        {
            "identity_block": EXITING_IDENTITY,
            "convolutional_block": LOOPING_CONVOLUTIONAL,
        },
    )
    reports = []
    artifact_dir = []
    result = produce(
        load_submission(notebook),
        root / "work",
        cases=SMALL,
        timeout_s=240,
        step_timeout_s=15,
        on_prepared=artifact_dir.append,
        on_built=lambda name: reports.append(
            (name, read_manifest(artifact_dir[0]).exercises[name].status)
        ),
    )
    result.built_reports = reports
    return result


def test_exercise_built_before_a_crash_keeps_its_artifact(crashing):
    record = crashing.manifest.exercises["dense_residual_block"]
    assert record.status == "ok"
    assert (crashing.artifact_dir / record.cases["small"]).exists()


def test_os_exit_costs_only_its_exercise_with_a_crash_reason(crashing):
    record = crashing.manifest.exercises["identity_block"]
    assert record.status == "crashed"
    assert "exit status 1" in record.message


def test_each_exercise_is_reported_once_with_its_outcome_recorded_crash_and_hang_included(
    crashing,
):
    assert crashing.built_reports == [
        ("dense_residual_block", "ok"),
        ("identity_block", "crashed"),
        ("convolutional_block", "timeout"),
    ]


def test_endless_loop_is_stopped_with_a_timeout_reason(crashing):
    record = crashing.manifest.exercises["convolutional_block"]
    assert record.status == "timeout"
    assert "did not finish within 15 s" in record.message


def test_producer_is_rerun_after_each_abnormal_end(crashing):
    assert len(crashing.runs) == 2
    assert crashing.manifest.producer_exit.reason == "crashed"
    assert "timeout" in crashing.manifest.producer_exit.message


@pytest.mark.every_backend
def test_sys_exit_in_a_cell_is_a_crash_of_that_exercise(mixed):
    result, _ = mixed
    record = result.manifest.exercises["ResNet50"]
    assert record.status == "crashed"
    assert "the 'ResNet50' cell called sys.exit(0)" in record.message
