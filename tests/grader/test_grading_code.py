"""Which code a grade depends on.

The fingerprint that lets a batch re-run skip, and the producer's bundle.
"""

from pathlib import Path

import grader
from grader.batch.state import grading_code_files
from grader.pipeline.supervisor import _Layout

GRADER = Path(grader.__file__).resolve().parent


def _hashed() -> set[str]:
    return {name for name, _ in grading_code_files()}


def test_fingerprint_covers_the_graph_reading_the_checks_use():
    assert {
        "resnet_course/graph.py",
        "resnet_course/blocks.py",
        "resnet_course/spec.py",
    } <= _hashed()


def test_fingerprint_covers_the_data_loaders_and_the_hidden_checks():
    assert {
        "signs_data/loaders.py",
        "grader/judge/checks/test_identity_block.py",
        "grader/sandboxed/producer.py",
        "grader/pipeline/notebook.py",
    } <= _hashed()


def test_fingerprint_leaves_presentation_out():
    assert not [name for name in _hashed() if name.startswith(("grader/batch/", "grader/report/"))]


def test_producer_bundle_is_the_sandboxed_folder_and_nothing_else(tmp_path):
    bundle = _Layout.create(tmp_path).bundle / "grader"
    copied = {p.relative_to(bundle) for p in bundle.rglob("*") if p.is_file()}
    sandboxed = {
        Path("sandboxed") / p.relative_to(GRADER / "sandboxed")
        for p in (GRADER / "sandboxed").rglob("*.py")
    }
    assert copied == sandboxed | {Path("__init__.py")}
