"""The trust boundary holds as import rules: each import-linter contract in pyproject.toml is kept.

``lint-imports`` reads the contracts from ``[tool.importlinter]`` and checks them on the real import
graph (every import statement, those inside functions included), as one run for the whole module.
"""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = [
    c["name"]
    for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
]


@pytest.fixture(scope="module")
def lint_report() -> str:
    done = subprocess.run(
        [Path(sys.executable).parent / "lint-imports", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, COLUMNS="1000", NO_COLOR="1"),
        timeout=300,
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda name: name.split(":")[0])
def test_import_contract_is_kept(lint_report, contract):
    assert f"{contract} KEPT" in lint_report, lint_report[-3000:]
