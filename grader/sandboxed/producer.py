"""The producer: the only grader code that runs student code. It runs inside the sandbox.

``python -m grader.sandboxed.producer PROGRAM.json`` executes the submission's imports cell and
solution code (never its test or training cells), then calls each exercise function on symbolic
``keras.Input``s for every case in ``grader.sandboxed.cases.CASES``, wraps the result in a
``keras.Model`` and saves it as a ``.keras`` artifact. After each exercise it rewrites the manifest
atomically, so whatever was built before a crash survives it. Before each step it writes a small
state file, so the orchestrator knows which step a hang or a crash happened in and can run the rest
again without it.

The program file (written by :mod:`grader.pipeline.supervisor`) holds::

    {"artifact_dir": str, "state_file": str, "submission_dir": str | null,
     "units": [{"label": str, "source": str, "cell_index": int}, ...],
     "skip_units": [label, ...], "exercises": [name, ...]}
"""

from __future__ import annotations

import json
import linecache
import os
import shutil
import sys
import time
import traceback

from grader.sandboxed.contract import (
    STATUS_CRASHED,
    STATUS_ERROR,
    STATUS_MISSING,
    STATUS_OK,
    STATUS_RUNNING,
    TRAINED_MODEL_NAME,
    read_manifest,
    trained_model_problem,
    write_json_atomic,
    write_manifest,
)

CELL_FILENAME_PREFIX = "<cell "


def cell_filename(label: str) -> str:
    """Returns the pseudo file name a unit is compiled under, e.g. ``<cell identity_block>``."""
    return f"{CELL_FILENAME_PREFIX}{label}>"


class _IPythonStub:
    """Stands in for ``get_ipython()`` so cells with ``%magics`` or ``!commands`` still run."""

    def run_line_magic(self, *args, **kwargs):
        return None

    def run_cell_magic(self, *args, **kwargs):
        return None

    def system(self, *args, **kwargs):
        return None

    def getoutput(self, *args, **kwargs):
        return []


def student_traceback(exc: BaseException) -> str:
    """Formats ``exc``'s traceback keeping only frames from the student's cells.

    Args:
        exc: the exception raised by student code.

    Returns:
        The trimmed traceback text; when no frame is the student's, the innermost frame is kept.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if f.filename.startswith(CELL_FILENAME_PREFIX)]
    kept = own or ([] if isinstance(exc, SyntaxError) else frames[-1:])
    lines = ["Traceback (most recent call last):\n"] + traceback.format_list(kept)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


def exception_summary(exc: BaseException) -> str:
    """Says what student code did, e.g. ``raised ValueError: bad shape``, ``called sys.exit(0)``."""
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    text = str(exc).strip().splitlines()
    return f"raised {type(exc).__name__}: {text[0]}" if text else f"raised {type(exc).__name__}"


class Producer:
    """Executes one program: the submission's code, then the exercises' builds."""

    def __init__(self, program: dict):
        self.program = program
        self.artifact_dir = program["artifact_dir"]
        self.manifest = read_manifest(self.artifact_dir)
        self.namespace: dict = {"__name__": "__main__", "get_ipython": _IPythonStub}
        self.unit_errors: dict[str, BaseException] = {}

    def run(self) -> None:
        """Collects the trained model, executes the units and builds every exercise."""
        self._state({"step": "startup"})
        self._collect_trained_model()
        # Imported before any cell runs, so that TensorFlow's slow start-up never counts against a
        # cell.
        from grader.sandboxed.keras_import import import_keras

        keras = import_keras()
        from grader.sandboxed import cases as case_module

        skip = set(self.program.get("skip_units", []))
        for unit in self.program["units"]:
            if unit["label"] not in skip:
                self._execute_unit(unit)

        wanted = {tuple(pair) for pair in self.program["cases"]}
        for name in self.program["exercises"]:
            cases = [
                c
                for c in case_module.CASES
                if c.exercise == name and (c.exercise, c.name) in wanted
            ]
            self._build_exercise(name, cases, case_module, keras)
        self._state({"step": "done"})

    def _state(self, state: dict) -> None:
        write_json_atomic(self.program["state_file"], dict(state, time=time.time()))

    def _collect_trained_model(self) -> None:
        folder = self.program.get("submission_dir")
        if not folder or self.manifest.trained_model or self.manifest.trained_model_problem:
            return
        source = os.path.join(folder, TRAINED_MODEL_NAME)
        if not os.path.lexists(source):
            return
        problem = trained_model_problem(source)
        if problem:
            self.manifest.trained_model_problem = problem
            self.manifest.notebook_problems.append(problem)
        else:
            # Copied, never loaded: loading happens in the judge with safe_mode=True.
            shutil.copyfile(
                source, os.path.join(self.artifact_dir, TRAINED_MODEL_NAME), follow_symlinks=False
            )
            self.manifest.trained_model = TRAINED_MODEL_NAME
        write_manifest(self.artifact_dir, self.manifest)

    def _execute_unit(self, unit: dict) -> None:
        label, source = unit["label"], unit["source"]
        filename = cell_filename(label)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        self._state({"step": "unit", "label": label})
        try:
            exec(compile(source, filename, "exec"), self.namespace)
        except BaseException as exc:  # student code may raise anything, even SystemExit
            self.unit_errors[label] = exc
            print(f"[grader] cell '{label}' {exception_summary(exc)}", flush=True)
            if label == "imports":
                self.manifest.notebook_problems.append(
                    f"the imports cell {exception_summary(exc)}; exercises may fail for that reason"
                )
                write_manifest(self.artifact_dir, self.manifest)

    def _build_exercise(self, name: str, cases: list, case_module, keras) -> None:
        record = self.manifest.exercises[name]
        uses = sorted({used for case in cases for used in case.uses})
        absent = [used for used in uses if not callable(self.namespace.get(used))]
        if absent:
            self._record_absent(name, absent, record)
            write_manifest(self.artifact_dir, self.manifest)
            print(f"[grader] {name}: {record.status} {record.message}", flush=True)
            return
        functions = {used: self.namespace[used] for used in uses}
        started = time.monotonic()
        record.status, record.message, record.traceback, record.cases = STATUS_RUNNING, "", "", {}
        record.block_calls, record.returned = [], {}
        write_manifest(self.artifact_dir, self.manifest)
        for case in cases:
            self._state({"step": "exercise", "label": name, "case": case.name})
            try:
                model = case_module.build_case(case, functions, record.block_calls, record.returned)
                partial = os.path.join(self.artifact_dir, ".partial-" + case.file_name)
                case_module.save_artifact(case, model, partial)
                os.replace(partial, os.path.join(self.artifact_dir, case.file_name))
            except BaseException as exc:  # SystemExit from student code too
                record.status = STATUS_CRASHED if isinstance(exc, SystemExit) else STATUS_ERROR
                record.message = f"building {case.describe()} {exception_summary(exc)}"
                record.traceback = student_traceback(exc)
                break
            finally:
                keras.backend.clear_session()
            record.cases[case.name] = case.file_name
            write_manifest(self.artifact_dir, self.manifest)
        if record.status == STATUS_RUNNING:
            record.status = STATUS_OK
        write_manifest(self.artifact_dir, self.manifest)
        seconds = time.monotonic() - started
        print(
            f"[grader] {name}: {record.status} in {seconds:.1f} s {record.message}".rstrip(),
            flush=True,
        )

    def _record_absent(self, name: str, absent: list[str], record) -> None:
        """Explains why an exercise cannot be built: a function it needs is not defined."""
        skipped = self.program.get("skip_units", {})
        for used in absent:
            if used in skipped:
                record.status, record.message = skipped[used]["status"], skipped[used]["message"]
                return
            if used in self.unit_errors:
                exc = self.unit_errors[used]
                record.status = STATUS_CRASHED if isinstance(exc, SystemExit) else STATUS_ERROR
                record.message = (
                    f"the '{used}' cell {exception_summary(exc)} before {used}() was defined"
                )
                record.traceback = student_traceback(exc)
                return
        record.status = STATUS_MISSING
        if name in absent and record.message:
            return  # the notebook reader already said why (renamed function, deleted cell)
        needed = ", ".join(f"{used}()" for used in absent)
        record.message = (
            f"no function named {needed} is defined by the solution cells"
            if absent == [name]
            else f"needs {needed}, which the solution cells do not define"
        )


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m grader.sandboxed.producer PROGRAM.json``."""
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0], encoding="utf-8") as handle:
        program = json.load(handle)
    Producer(program).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
