"""Runs the reference (solution) notebook headless, at full size, and records what it achieved.

`python -m instructor.run_reference` executes
`solutions/resnets/Residual_Networks.ipynb` in a Jupyter kernel, cell by
cell, printing each cell as it starts and streaming its output (the Keras
progress bar included) so a long run is never silent. It writes into
`runs/reference/`:

* `Residual_Networks.ipynb`, the executed notebook with all outputs and figures;
* `resnet50_signs.keras`, the trained model the notebook saves;
* `training_curves.png`, the loss and accuracy curves;
* `summary.json`, test accuracy, training wall time, device and settings.

The helpers `execute_notebook` and `solution_namespace` are shared with the
project's notebook tests and the training benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from instructor.terminal_text import PlainLines

REPO_ROOT = Path(__file__).resolve().parents[1]
SOLUTION_NOTEBOOK = REPO_ROOT / "solutions" / "resnets" / "Residual_Networks.ipynb"
RELEASE_NOTEBOOK = REPO_ROOT / "assignments" / "resnets" / "Residual_Networks.ipynb"
DEFAULT_OUTPUT = REPO_ROOT / "runs" / "reference"

# Run in the notebook's kernel after the last cell, while its variables still exist.
_SUMMARY_CODE = """
import json as _json
_summary = {
    "test_accuracy": test_accuracy,
    "train_seconds": train_seconds if history is not None else None,
    "epochs": EPOCHS,
    "batch_size": BATCH_SIZE,
    "training_images": int(len(X_fit)),
    "quick": QUICK,
    "device": device.name,
    "dtype_policy": policy,
    "model_file": MODEL_PATH,
    "model_bytes": os.path.getsize(MODEL_PATH),
}
if history is not None:
    _summary["history"] = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    _title = f"ResNet-50 on SIGNS, {EPOCHS} epoch(s), batch {BATCH_SIZE}"
    _figure = plots.plot_history(history, title=_title)
    _figure.savefig("training_curves.png", dpi=120)
with open("summary.json", "w") as _f:
    _json.dump(_summary, _f, indent=2)
"""


def _streaming_client_class():
    from nbclient import NotebookClient

    class StreamingClient(NotebookClient):
        """A NotebookClient that also echoes stream output to a file as it arrives."""

        echo = None

        def output(self, outs, msg, display_id, cell_index):
            if self.echo is not None and msg["msg_type"] == "stream":
                self.echo.write(msg["content"]["text"])
                self.echo.flush()
            return super().output(outs, msg, display_id, cell_index)

    return StreamingClient


def execute_notebook(
    notebook_path,
    workdir,
    *,
    env: dict | None = None,
    allow_errors: bool = False,
    timeout: int = 3600,
    echo=None,
    extra_code: str | None = None,
):
    """Executes a notebook in a fresh kernel whose working directory is `workdir`.

    Args:
        notebook_path: The `.ipynb` to run (it is read, never modified).
        workdir: Directory the kernel runs in; files the notebook writes land there.
        env: Environment changes for the kernel, e.g. {"RESNETS_QUICK": "1"}; a value of None
            removes the variable.
        allow_errors: Keep going after a cell raises, recording the error in its outputs.
        timeout: Seconds one cell may run.
        echo: A text stream (e.g. sys.stdout) to print progress and cell output to, or None. Where
            it is not a terminal, redrawn lines such as Keras's progress bar are written as the
            terminal would end up showing them, without control codes.
        extra_code: Code run in the same kernel after the last cell (not added to the notebook).

    Returns:
        The executed notebook (an `nbformat.NotebookNode`).

    Raises:
        nbclient.exceptions.CellExecutionError: If a cell fails and `allow_errors` is False.
    """
    import nbformat

    nb = nbformat.read(str(notebook_path), as_version=4)
    client = _streaming_client_class()(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(workdir)}},
    )
    if echo is not None and not getattr(echo, "isatty", lambda: False)():
        echo = PlainLines(echo)
    client.echo = echo
    kernel_env = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            kernel_env.pop(name, None)
        else:
            kernel_env[name] = value
    code_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    started = time.perf_counter()
    with client.setup_kernel(env=kernel_env):
        for number, index in enumerate(code_cells, start=1):
            cell = nb.cells[index]
            if echo is not None:
                label = (
                    cell.metadata.get("nbgrader", {}).get("grade_id")
                    or cell.source.strip().splitlines()[0][:60]
                )
                echo.write(
                    f"\n[{time.perf_counter() - started:6.0f} s] cell {number}/{len(code_cells)}: "
                    f"{label}\n"
                )
                echo.flush()
            client.execute_cell(cell, index)
        if extra_code:
            extra = nbformat.v4.new_code_cell(extra_code)
            nb.cells.append(extra)
            try:
                client.execute_cell(extra, len(nb.cells) - 1)
            finally:
                nb.cells.pop()
    if isinstance(echo, PlainLines):
        echo.close()
    return nb


def solution_namespace(
    notebook_path=SOLUTION_NOTEBOOK,
    grade_ids=("imports", "identity_block", "convolutional_block", "ResNet50"),
) -> dict:
    """Executes the imports and given solution cells of the reference notebook in a fresh namespace.

    This is how code outside the notebook (the training benchmark, the tests)
    uses the reference implementation without keeping a second copy of it.

    Args:
        notebook_path: The solution notebook.
        grade_ids: nbgrader grade_ids of the cells to run, in order.

    Returns:
        The namespace dict, holding e.g. `ResNet50` and `identity_block`.

    Raises:
        KeyError: If a grade_id is not in the notebook.
    """
    cells = cell_sources(notebook_path)
    namespace: dict = {"__name__": "reference_solution"}
    for grade_id in grade_ids:
        if grade_id not in cells:
            raise KeyError(
                f"{notebook_path} has no cell with grade_id {grade_id!r}; it has {sorted(cells)}"
            )
        exec(compile(cells[grade_id], f"<{grade_id}>", "exec"), namespace)
    return namespace


def cell_sources(notebook_path) -> dict[str, str]:
    """Maps each nbgrader grade_id of a notebook to its cell's source."""
    # Plain JSON rather than nbformat, so that the benchmarks can read the notebook where Jupyter is
    # not installed.
    with open(notebook_path, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    return {
        cell["metadata"]["nbgrader"]["grade_id"]: "".join(cell["source"])
        if isinstance(cell["source"], list)
        else cell["source"]
        for cell in cells
        if "grade_id" in cell.get("metadata", {}).get("nbgrader", {})
    }


def main(argv=None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="directory for the results"
    )
    parser.add_argument(
        "--quick", action="store_true", help="set RESNETS_QUICK=1: one epoch on 64 images"
    )
    args = parser.parse_args(argv)
    import nbformat

    args.output.mkdir(parents=True, exist_ok=True)
    executed_path = args.output / SOLUTION_NOTEBOOK.name
    env = {"RESNETS_QUICK": "1" if args.quick else "0", "NBGRADER_EXECUTION": None}
    print(
        f"Executing {SOLUTION_NOTEBOOK.relative_to(REPO_ROOT)} in {args.output} "
        f"({'quick' if args.quick else 'full'} run)",
        flush=True,
    )
    (args.output / "summary.json").unlink(missing_ok=True)
    started = time.perf_counter()
    # Keep going past a failed cell, so that the executed notebook and the summary show what went
    # wrong.
    nb = execute_notebook(
        SOLUTION_NOTEBOOK,
        args.output,
        env=env,
        echo=sys.stdout,
        extra_code=_SUMMARY_CODE,
        allow_errors=True,
    )
    nbformat.write(nb, str(executed_path))
    failures = [
        (
            cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}",
            output.ename,
            output.evalue,
        )
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
    summary_path = args.output / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    summary["notebook_seconds"] = round(time.perf_counter() - started, 1)
    summary["failed_cells"] = [f"{where}: {name}: {value}" for where, name, value in failures]
    summary_path.write_text(json.dumps(summary, indent=2))
    if "test_accuracy" in summary:
        print(
            f"\nTest accuracy {summary['test_accuracy']:.1%}; training "
            f"{summary['train_seconds'] or 0:.0f} s; whole notebook "
            f"{summary['notebook_seconds']:.0f} s on {summary['device']}."
        )
    print(f"Wrote {executed_path}, {summary_path} and the trained model to {args.output}.")
    for line in summary["failed_cells"]:
        print(f"FAILED {line}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
