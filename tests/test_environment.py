"""pip (pyproject.toml) and conda (environment.yml) install the same pinned packages."""

import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _pins(lines):
    return {re.split(r"[\[=]", line, maxsplit=1)[0].lower(): line for line in lines}


def _conda_pip_pins():
    lines, in_pip = [], False
    for raw in (ROOT / "environment.yml").read_text().splitlines():
        stripped = raw.strip()
        if stripped == "- pip:":
            in_pip = True
        elif in_pip and stripped.startswith("- ") and not stripped.startswith("- -e"):
            lines.append(stripped[2:].strip())
    return _pins(lines)


def test_environment_yml_mirrors_pyproject_runtime_and_dev_pins():
    project = _pyproject()
    expected = _pins(project["dependencies"] + project["optional-dependencies"]["dev"])
    assert _conda_pip_pins() == expected


def test_every_dependency_is_pinned_exactly():
    project = _pyproject()
    everything = project["dependencies"] + [
        d for deps in project["optional-dependencies"].values() for d in deps
    ]
    loose = [d for d in everything if "==" not in d]
    assert loose == [], f"pin these with ==: {loose}"


def test_gpu_extra_pins_the_same_tensorflow_as_the_cpu_default():
    project = _pyproject()
    cpu = next(d for d in project["dependencies"] if d.startswith("tensorflow=="))
    gpu = project["optional-dependencies"]["gpu"]
    assert gpu == [cpu.replace("tensorflow==", "tensorflow[and-cuda]==")]


def test_lock_file_agrees_with_the_declared_pins():
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    locked = _pins(line for line in lines if "==" in line)
    project = _pyproject()
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        name = re.split(r"[\[=]", requirement, maxsplit=1)[0].lower()
        assert locked[name].lower() == requirement.lower(), (
            f"constraints.txt pins {locked[name]}, pyproject {requirement}"
        )
