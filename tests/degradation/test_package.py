"""The committed results are in place and show what the notebook says they show."""

from collections import defaultdict

import numpy as np

from resnet_course.degradation import docs_dir, quick_figure_path
from resnet_course.degradation.sweep import final_errors, read_runs


def _mean_final_train_error(rows):
    errors = defaultdict(list)
    for row in final_errors(rows):
        errors[(row["network"], row["depth"])].append(row["train_error"])
    return {key: float(np.mean(values)) for key, values in errors.items()}


def test_quick_figure_path_is_the_committed_png():
    assert quick_figure_path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_committed_quick_runs_cover_at_least_three_seeds_of_every_network():
    rows = read_runs(docs_dir() / "runs_quick.csv")
    runs = {(r["network"], r["depth"], r["seed"]) for r in final_errors(rows)}
    depths = sorted({depth for _, depth, _ in runs})
    seeds = sorted({seed for _, _, seed in runs})
    assert len(seeds) >= 3
    assert runs == {(n, d, s) for n in ("plain", "resnet") for d in depths for s in seeds}


def test_committed_quick_runs_show_plain_56_trains_worse_than_plain_20():
    mean = _mean_final_train_error(read_runs(docs_dir() / "runs_quick.csv"))
    assert mean[("plain", 56)] > mean[("plain", 20)]


def test_committed_quick_runs_show_resnet_56_trains_far_better_than_plain_56():
    mean = _mean_final_train_error(read_runs(docs_dir() / "runs_quick.csv"))
    assert mean[("resnet", 56)] < mean[("plain", 56)] / 2


def test_committed_quick_runs_show_resnet_56_trains_no_worse_than_resnet_20_on_every_seed():
    finals = {
        (r["network"], r["depth"], r["seed"]): r["train_error"]
        for r in final_errors(read_runs(docs_dir() / "runs_quick.csv"))
    }
    seeds = sorted({seed for _, _, seed in finals})
    assert all(finals[("resnet", 56, s)] <= finals[("resnet", 20, s)] for s in seeds)


def test_committed_quick_runs_show_plain_56_trains_worse_than_plain_20_on_every_seed():
    finals = {
        (r["network"], r["depth"], r["seed"]): r["train_error"]
        for r in final_errors(read_runs(docs_dir() / "runs_quick.csv"))
    }
    seeds = sorted({seed for _, _, seed in finals})
    assert all(finals[("plain", 56, s)] > finals[("plain", 20, s)] for s in seeds)
