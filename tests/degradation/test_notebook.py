"""The degradation notebook runs end to end (smoke-run sizes), quietly, and shows its figures."""

import pytest

from instructor.run_reference import REPO_ROOT, execute_notebook

NOTEBOOK = REPO_ROOT / "assignments" / "degradation" / "Degradation_and_Gradient_Flow.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("degradation")
    # As a student's kernel: no TF_CPP_MIN_LOG_LEVEL, and file descriptor 2 captured (ipykernel
    # does not capture it under PYTEST_CURRENT_TEST).
    return execute_notebook(
        NOTEBOOK,
        workdir,
        timeout=600,
        allow_errors=True,
        env={
            "DEGRADATION_SMOKE_RUN": "1",
            "TF_CPP_MIN_LOG_LEVEL": None,
            "PYTEST_CURRENT_TEST": None,
        },
    )


def outputs(notebook, kind):
    return [
        (cell.get("id"), output)
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == kind
    ]


def test_no_cell_raises(executed):
    assert [
        (cell_id, output.ename, output.evalue) for cell_id, output in outputs(executed, "error")
    ] == []


def test_no_cell_writes_to_stderr(executed):
    assert [
        (cell_id, output.text)
        for cell_id, output in outputs(executed, "stream")
        if output.name == "stderr"
    ] == []


def test_identity_cell_shows_that_only_a_silenced_branch_gives_the_identity(executed):
    printed = "".join(
        output.text for _, output in outputs(executed, "stream") if output.name == "stdout"
    )
    rows = {
        line[:12].strip(): line
        for line in printed.splitlines()
        if line.startswith(("W[l+2]", "gamma"))
    }
    assert "residual block: max |a[l+2] - a[l]| =  0.00" in rows["W[l+2] = 0"]
    assert "residual block: max |a[l+2] - a[l]| =  0.00" in rows["gamma = 0"]
    assert "residual block: max |a[l+2] - a[l]| =  0.00" not in rows["W[l+2] / 10"]


def test_figures_are_shown(executed):
    images = {
        cell_id
        for cell_id, output in outputs(executed, "display_data")
        if "image/png" in output.data
    }
    assert len(images) >= 3  # the sweep, the committed 4-seed figure, the gradient flow
