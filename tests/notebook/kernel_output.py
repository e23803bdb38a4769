"""Running a few cells in a fresh Jupyter kernel, the way a student's kernel runs them."""

import os

import nbformat
from nbclient import NotebookClient


def run_in_kernel(cells: list[str]) -> tuple[list[str], str]:
    """Runs the cells in a fresh kernel without TF_CPP_MIN_LOG_LEVEL.

    Returns:
        The kernel's stderr outputs, one text per output, and all its stdout as one text.
    """
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in cells]
    )
    client = NotebookClient(notebook, kernel_name="python3", timeout=300)
    # ipykernel does not capture file descriptor 2 when it sees PYTEST_CURRENT_TEST; a student's
    # kernel does.
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("TF_CPP_MIN_LOG_LEVEL", "PYTEST_CURRENT_TEST")
    }
    with client.setup_kernel(env=env):
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
    streams = [
        output
        for cell in notebook.cells
        for output in cell.outputs
        if output.output_type == "stream"
    ]
    stderr = [output.text for output in streams if output.name == "stderr"]
    return stderr, "".join(output.text for output in streams if output.name == "stdout")
