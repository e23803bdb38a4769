"""The points table and the hidden check files describe the same checks."""

import importlib
import inspect
from pathlib import Path

import pytest

from grader.judge import points
from grader.sandboxed.contract import EXERCISES

CHECK_FILES = sorted((Path(points.__file__).parent / "checks").glob("test_*.py"))


def _defined_checks():
    found = set()
    for path in CHECK_FILES:
        module = importlib.import_module(f"grader.judge.checks.{path.stem}")
        exercise = path.stem.removeprefix("test_")
        found |= {
            (exercise, name)
            for name, obj in vars(module).items()
            if name.startswith("test_") and inspect.isfunction(obj)
        }
    return found


def test_every_check_has_points():
    configured = {(spec.exercise, spec.test) for spec in points.CHECKS}
    assert _defined_checks() - configured == set()


def test_every_configured_check_exists():
    configured = {(spec.exercise, spec.test) for spec in points.CHECKS}
    assert configured - _defined_checks() == set()


def test_check_ids_are_unique_and_start_with_the_exercise():
    ids = [spec.id for spec in points.CHECKS]
    assert len(ids) == len(set(ids))
    assert all(spec.id.startswith(f"{spec.exercise}: ") for spec in points.CHECKS)


def test_every_exercise_has_checks_and_positive_points():
    assert {spec.exercise for spec in points.CHECKS} == set(EXERCISES)
    assert all(spec.points > 0 for spec in points.CHECKS)


def test_unknown_check_names_the_points_file():
    with pytest.raises(KeyError, match="grader/judge/points.py"):
        points.check_spec("identity_block", "test_nothing")


def test_retrain_bar_sits_below_every_measured_reference_seed_with_margin():
    from grader.judge import bars

    for measured in (bars.RETRAIN_MEASURED, bars.RETRAIN_MEASURED_ONE_THREAD):
        assert len(measured) >= 5
        assert bars.RETRAIN_BAR <= min(measured.values()) - 0.1
    assert bars.RETRAIN_BAR >= 1 / 6 + 0.1


def test_trained_model_bars_sit_below_every_measured_reference_run_with_margin():
    from grader.judge import bars

    assert len(bars.TRAINED_MEASURED) >= 5
    assert bars.TRAINING_SET_BAR <= min(train for train, _ in bars.TRAINED_MEASURED.values()) - 0.05
    assert (
        bars.HIDDEN_SPLIT_BAR <= min(hidden for _, hidden in bars.TRAINED_MEASURED.values()) - 0.05
    )
    assert bars.HIDDEN_SPLIT_BAR >= 1 / 6 + 0.5


def test_readme_states_the_number_of_hidden_checks():
    readme = (Path(points.__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"judge, {len(points.CHECKS)} hidden checks" in readme
