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


def _conda_commented_backend_pins():
    lines = [
        raw.strip()[len("# - ") :].strip()
        for raw in (ROOT / "environment.yml").read_text().splitlines()
        if raw.strip().startswith("# - ")
    ]
    return _pins(lines)


def test_environment_yml_mirrors_the_cpu_backend_extras_in_its_commented_lines():
    extras = _pyproject()["optional-dependencies"]
    assert _conda_commented_backend_pins() == _pins(extras["jax"] + extras["torch"])


def test_backend_gpu_extras_pin_the_same_releases_as_the_cpu_extras():
    extras = _pyproject()["optional-dependencies"]
    assert extras["jax-gpu"] == [extras["jax"][0].replace("jax==", "jax[cuda12]==")]
    assert extras["torch-gpu"] == [extras["torch"][0].removesuffix("+cpu")]


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
    extras = project["optional-dependencies"]
    for requirement in project["dependencies"] + extras["dev"] + extras["jax"] + extras["torch"]:
        name = re.split(r"[\[=]", requirement, maxsplit=1)[0].lower()
        assert locked[name].lower() == requirement.lower(), (
            f"constraints.txt pins {locked[name]}, pyproject {requirement}"
        )
