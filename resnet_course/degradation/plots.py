"""Figures of the depth sweep in the spirit of He et al. (2016), Fig. 6."""

from collections import defaultdict
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from resnet_course.degradation.sweep import final_errors, read_runs

matplotlib.use("Agg")

NETWORK_TITLES = {"plain": "plain networks", "resnet": "ResNets (identity shortcuts)"}
NETWORK_COLOURS = {"plain": "tab:red", "resnet": "tab:blue"}
NETWORK_LABELS = {"plain": "plain", "resnet": "ResNet"}
#: Marker and line style of each sweep in the depth figure, in the order the sweeps are given.
SWEEP_STYLES = (("o", "-"), ("s", "--"), ("^", ":"), ("d", "-."))
CLASSES = 6


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
    return save_figure(fig, path, dpi=120)


def final_by_depth(rows, network):
    """Summarizes the last epoch of each run of one network kind, by depth, over the seeds.

    Args:
        rows: rows from sweep.read_runs (one preset).
        network: 'plain' or 'resnet'.

    Returns:
        {depth: {"train_error": (mean, min, max), "train_loss": (mean, min, max), "seeds": n}},
        sorted by depth.
    """
    by_depth = defaultdict(list)
    for row in final_errors(rows):
        if row["network"] == network:
            by_depth[row["depth"]].append(row)
    summary = {}
    for depth, finals in sorted(by_depth.items()):
        summary[depth] = {"seeds": len(finals)}
        for metric in ("train_error", "train_loss"):
            values = np.array([row[metric] for row in finals])
            summary[depth][metric] = (
                float(values.mean()),
                float(values.min()),
                float(values.max()),
            )
    return summary


def plot_final_by_depth(sweeps, path=None):
    """Draws final training error and final training loss against depth, plain vs ResNet.

    This is the degradation problem in one picture: the plain networks' curves rise with depth,
    the ResNets' do not. Each sweep is averaged over its seeds, with the range over seeds as
    error bars.

    Args:
        sweeps: a mapping from a description of each sweep (its legend entry) to its rows from
            sweep.read_runs; at most four sweeps.
        path: where to save the figure (PNG), or None to only return it.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: if there is no sweep, too many, or one without rows.
    """
    if not sweeps or len(sweeps) > len(SWEEP_STYLES):
        raise ValueError(f"give between 1 and {len(SWEEP_STYLES)} sweeps, got {len(sweeps)}")
    with plt.rc_context({"font.size": 12}):
        return _plot_final_by_depth(sweeps, path)


def _plot_final_by_depth(sweeps, path):
    fig, (error_ax, loss_ax) = plt.subplots(1, 2, figsize=(11, 5))
    styles = SWEEP_STYLES[: len(sweeps)]
    for (description, rows), (marker, line) in zip(sweeps.items(), styles, strict=True):
        if not rows:
            raise ValueError(f"the sweep {description!r} has no rows")
        for network in ("plain", "resnet"):
            summary = final_by_depth(rows, network)
            depths = np.array(list(summary))
            for ax, metric, scale in (
                (error_ax, "train_error", 100.0),
                (loss_ax, "train_loss", 1.0),
            ):
                mean, low, high = (
                    scale * np.array([summary[d][metric][i] for d in depths]) for i in range(3)
                )
                ax.errorbar(
                    depths,
                    mean,
                    yerr=[mean - low, high - mean],
                    color=NETWORK_COLOURS[network],
                    marker=marker,
                    ls=line,
                    lw=1.8,
                    ms=6,
                    capsize=3,
                    label=f"{NETWORK_LABELS[network]}, {description}",
                )
    error_ax.axhline(100 * (1 - 1 / CLASSES), color="grey", lw=1, ls=":")
    error_ax.text(
        0.02,
        100 * (1 - 1 / CLASSES) - 2,
        "chance",
        color="grey",
        va="top",
        transform=error_ax.get_yaxis_transform(),
    )
    error_ax.set_ylabel("final training error (%)")
    error_ax.set_ylim(-3, 100)
    loss_ax.axhline(np.log(CLASSES), color="grey", lw=1, ls=":")
    loss_ax.text(
        0.02,
        np.log(CLASSES) * 0.8,
        "chance",
        color="grey",
        va="top",
        transform=loss_ax.get_yaxis_transform(),
    )
    loss_ax.set_yscale("log")
    loss_ax.set_ylabel("final training loss (log scale)")
    every_depth = sorted({row["depth"] for rows in sweeps.values() for row in rows})
    for ax, title in ((error_ax, "Training error"), (loss_ax, "Training loss")):
        ax.set_xlabel("depth (layers with weights)")
        ax.set_xticks(every_depth)
        ax.set_title(title)
        ax.grid(alpha=0.3)
    handles, labels = error_ax.get_legend_handles_labels()
    legend_rows = (len(labels) + 1) // 2
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=11, frameon=False)
    fig.suptitle("Deeper plain networks train worse; deeper ResNets do not")
    fig.tight_layout(rect=(0, 0.055 * legend_rows, 1, 1))
    return save_figure(fig, path, dpi=100, metadata={"Software": None})


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


def save_figure(fig, path, **savefig_options):
    """Saves ``fig`` as ``path``, creating its folder, unless ``path`` is None.

    Args:
        fig: the matplotlib Figure.
        path: the image file to write, or None to write nothing.
        **savefig_options: passed on to ``Figure.savefig`` (dpi, metadata, ...).

    Returns:
        The same Figure.
    """
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, **savefig_options)
    return fig
