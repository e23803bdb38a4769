"""The README's layout table names paths that exist, and every folder of grader/."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _layout_paths() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return [path for row in rows for path in re.findall(r"`([^`]+)`", row.split(" | ")[0])]


def test_every_path_in_the_layout_table_exists():
    missing = [
        path for path in _layout_paths() if not list(ROOT.glob(path.replace("<assignment>", "*")))
    ]
    assert missing == []


def test_every_folder_of_grader_is_in_the_layout_table():
    named = {path.rstrip("/") for path in _layout_paths()}
    folders = {
        f"grader/{p.name}"
        for p in (ROOT / "grader").iterdir()
        if p.is_dir() and p.name != "__pycache__"
    }
    assert folders - named == set()
