"""Figures of the depth sweep in the spirit of He et al. (2016), Fig. 6."""

from collections import defaultdict
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from resnet_course.degradation.sweep import final_errors, read_runs

matplotlib.use("Agg")

NETWORK_TITLES = {"plain": "plain networks", "resnet": "ResNets (identity shortcuts)"}


def _curves(rows, network):
    """Per depth: epochs, mean train error, mean test error, min/max train error over seeds."""
    by_depth = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        if row["network"] == network:
            by_depth[row["depth"]][row["seed"]][row["epoch"]] = row
    curves = {}
    for depth, seeds in sorted(by_depth.items()):
        epochs = sorted(set.intersection(*(set(runs) for runs in seeds.values())))
        train = np.array([[runs[e]["train_error"] for e in epochs] for runs in seeds.values()])
        test = np.array([[runs[e]["test_error"] for e in epochs] for runs in seeds.values()])
        curves[depth] = (
            np.array(epochs),
            train.mean(0),
            test.mean(0),
            train.min(0),
            train.max(0),
            len(seeds),
        )
    return curves


def plot_sweep(rows, path=None, title=None):
    """Draws plain networks on the left, ResNets on the right; one colour per depth.

    Training error is solid (with the range over seeds shaded), test error dashed;
    both are averaged over the seeds.

    Args:
        rows: rows from sweep.read_runs (one preset).
        path: where to save the figure (PNG), or None to only return it.
        title: the figure's title (default: the preset name and number of seeds).

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: if there are no rows.
    """
    if not rows:
        raise ValueError("no runs to plot: the CSV has no rows")
    depths = sorted({row["depth"] for row in rows})
    colours = dict(zip(depths, plt.cm.viridis(np.linspace(0.0, 0.85, len(depths))), strict=False))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, network in zip(axes, ("plain", "resnet"), strict=False):
        for depth, (epochs, train, test, low, high, _) in _curves(rows, network).items():
            label = f"{'plain' if network == 'plain' else 'ResNet'}-{depth}"
            ax.plot(epochs, 100 * train, color=colours[depth], lw=2, label=label)
            ax.fill_between(epochs, 100 * low, 100 * high, color=colours[depth], alpha=0.15, lw=0)
            ax.plot(epochs, 100 * test, color=colours[depth], lw=1.2, ls="--")
        ax.set_title(NETWORK_TITLES[network])
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(title="solid: train, dashed: test", fontsize=8, title_fontsize=8)
    axes[0].set_ylabel("error (%)")
    seeds = sorted({row["seed"] for row in rows})
    presets = sorted({row["preset"] for row in rows})
    fig.suptitle(
        title
        or f"Training (solid) and test (dashed) error by depth: preset {', '.join(presets)}, "
        f"mean of {len(seeds)} seed{'s' if len(seeds) != 1 else ''}"
    )
    fig.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    return fig


def summary_table(rows):
    """Formats every run's final training and test error as a Markdown table.

    Args:
        rows: rows from sweep.read_runs.

    Returns:
        The table as a string, one line per (network, depth, seed).
    """
    lines = [
        "| network | depth | seed | epochs | final train error | final test error | run time (s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    seconds = defaultdict(float)
    for row in rows:
        seconds[(row["preset"], row["seed"], row["network"], row["depth"])] += row["epoch_seconds"]
    for row in final_errors(rows):
        key = (row["preset"], row["seed"], row["network"], row["depth"])
        lines.append(
            f"| {row['network']} | {row['depth']} | {row['seed']} | {row['epoch']} | "
            f"{row['train_error']:.3f} | {row['test_error']:.3f} | {seconds[key]:.0f} |"
        )
    return "\n".join(lines)


def plot_csv(csv_path, figure_path):
    """Reads a runs CSV and saves its figure.

    Args:
        csv_path: CSV written by sweep.run_sweep.
        figure_path: PNG to write.

    Returns:
        The figure's path.
    """
    fig = plot_sweep(read_runs(csv_path), figure_path)
    plt.close(fig)
    return Path(figure_path)
