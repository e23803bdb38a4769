"""The README's table of training recipes quotes the benchmark's recorded runs, each figure."""

import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_rows() -> dict[str, list[str]]:
    text = (ROOT / "README.md").read_text()
    section = text.split("**Training recipes side by side**", 1)[1]
    section = section.split("**Training levers**", 1)[0]
    return {
        match.group(1): [cell.strip() for cell in match.group(2).split("|")]
        for match in re.finditer(r"^\s*\| (\w+) \| ([^\n]+) \|$", section, re.MULTILINE)
        if match.group(1) != "recipe"
    }


def _figures(cell: str) -> list[str]:
    return re.findall(r"\d+\.\d+|never", cell)


def test_readme_recipe_table_quotes_every_recorded_run():
    rows = list(csv.DictReader(open(ROOT / "bench" / "cpu_training_recipes.csv")))
    table = _readme_rows()
    assert set(table) == {row["recipe"] for row in rows}
    for recipe, cells in table.items():
        runs = [row for row in rows if row["recipe"] == recipe]
        runs.sort(key=lambda row: int(row["seed"]))
        _seeds, trained, to_90, to_95, final = cells
        assert _figures(trained) == [row["train_s"] for row in runs]
        assert _figures(to_90) == [row["to_90pct_s"] or "never" for row in runs]
        assert _figures(to_95) == [row["to_95pct_s"] or "never" for row in runs]
        assert _figures(final) == [f"{float(row['final_test_accuracy']) * 100:.1f}" for row in runs]
