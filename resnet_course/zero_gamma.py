"""The zero-gamma start: what a function that silences residual branches changed, and its effect.

`compare_silencing` reads, layer by layer, what changed in a network against its weights from
before; `silencing_problem` names the mistake in the lecture's terms (the messages are in
`resnet_course.mistakes`). The notebook's public check and the grader's hidden check both use
them. `block_output_scales` and the two plots show the effect: the activations' scale after each
block at initialization, and the measured training runs with and without the start.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np

from resnet_course import mistakes
from resnet_course.blocks import locate_block, residual_blocks
from resnet_course.graph import ADD, Graph

#: The measured recipes of the ablation: batches of 16, Adam at 1e-3, 4 epochs.
ABLATION_RECIPES = {"with zero-gamma start": "b16_lr1e-3_e4", "without": "b16_lr1e-3_e4_nozero"}


@dataclasses.dataclass
class SilencingChanges:
    """What changed in a network, by the role of each layer in its residual blocks.

    Blocks are numbered from 1 in the order the network applies them.

    Attributes:
        kinds: each block's kind, ``"identity"`` or ``"convolutional"``.
        silenced: blocks whose main path's last BN now has gamma all zeros.
        beta_changed: blocks whose main path's last BN has another beta.
        statistics_changed: blocks whose main path's last BN has other moving statistics.
        shortcut_changed: blocks whose shortcut BN has any other weight.
        other_bn_silenced: names of other BNs whose gamma went to all zeros.
        kernels_zeroed: names of layers whose kernel went to all zeros.
        other_changed: names of any other layer with other weights.
    """

    kinds: list[str]
    silenced: list[int] = dataclasses.field(default_factory=list)
    beta_changed: list[int] = dataclasses.field(default_factory=list)
    statistics_changed: list[int] = dataclasses.field(default_factory=list)
    shortcut_changed: list[int] = dataclasses.field(default_factory=list)
    other_bn_silenced: list[str] = dataclasses.field(default_factory=list)
    kernels_zeroed: list[str] = dataclasses.field(default_factory=list)
    other_changed: list[str] = dataclasses.field(default_factory=list)

    @property
    def anything_changed(self) -> bool:
        """True when any weight of the network differs from before."""
        return any(
            (
                self.silenced,
                self.beta_changed,
                self.statistics_changed,
                self.shortcut_changed,
                self.other_bn_silenced,
                self.kernels_zeroed,
                self.other_changed,
            )
        )


def _is_batchnorm(layer) -> bool:
    import keras

    return isinstance(layer, keras.layers.BatchNormalization)


def _differs(before, after) -> bool:
    return before.shape != after.shape or not np.array_equal(before, after)


def compare_silencing(model, before: list[list[np.ndarray]]) -> SilencingChanges:
    """Compares a network's weights with their values before a silencing function ran.

    Args:
        model: the functional network after the function ran.
        before: for each layer of ``model.layers``, in order, its weights before.

    Returns:
        The changes, by role.

    Raises:
        ValueError: if ``before`` does not hold one entry per layer of ``model``.
    """
    if len(before) != len(model.layers):
        raise ValueError(
            f"the network has {len(model.layers)} layers, the weights before are for {len(before)}"
        )
    blocks = residual_blocks(model)
    changes = SilencingChanges(kinds=[block.kind for block in blocks])
    last_bn, shortcut_bn = {}, {}
    for number, block in enumerate(blocks, start=1):
        batchnorms = [layer for layer in block.main_path if _is_batchnorm(layer)]
        if batchnorms:
            last_bn[id(batchnorms[-1])] = number
        for layer in block.shortcut:
            if _is_batchnorm(layer):
                shortcut_bn[id(layer)] = number
    for layer, old in zip(model.layers, before, strict=True):
        new = layer.get_weights()
        if len(new) != len(old):
            changes.other_changed.append(layer.name)
            continue
        if not any(_differs(o, n) for o, n in zip(old, new, strict=True)):
            if id(layer) in last_bn and not np.any(new[0]):
                changes.silenced.append(last_bn[id(layer)])
            continue
        if id(layer) in last_bn:
            number = last_bn[id(layer)]
            gamma, beta, *statistics = new
            if not np.any(gamma):
                changes.silenced.append(number)
            if _differs(old[1], beta):
                changes.beta_changed.append(number)
            if any(_differs(o, n) for o, n in zip(old[2:], statistics, strict=True)):
                changes.statistics_changed.append(number)
        elif id(layer) in shortcut_bn:
            changes.shortcut_changed.append(shortcut_bn[id(layer)])
        elif _is_batchnorm(layer) and not np.any(new[0]):
            changes.other_bn_silenced.append(layer.name)
        elif not _is_batchnorm(layer) and not np.any(new[0]):
            changes.kernels_zeroed.append(layer.name)
        else:
            changes.other_changed.append(layer.name)
    changes.silenced.sort()
    return changes


def silencing_problem(changes: SilencingChanges) -> str:
    """Names the first mistake among the changes, in the lecture's terms.

    Args:
        changes: from `compare_silencing`.

    Returns:
        The message, or an empty string when exactly the main paths' last gammas were zeroed.
    """
    total = len(changes.kinds)
    identity = [n for n, kind in enumerate(changes.kinds, start=1) if kind == "identity"]
    missing = [n for n in range(1, total + 1) if n not in changes.silenced]
    if not changes.anything_changed and missing:
        return mistakes.silenced_nothing()
    if changes.other_bn_silenced:
        return mistakes.silenced_every_batchnorm(changes.other_bn_silenced)
    if changes.shortcut_changed:
        return mistakes.silenced_shortcut(changes.shortcut_changed)
    if changes.kernels_zeroed:
        return mistakes.zeroed_kernel(changes.kernels_zeroed)
    if changes.beta_changed:
        return mistakes.silenced_beta(changes.beta_changed)
    if missing and identity and changes.silenced == identity:
        return mistakes.silenced_identity_blocks_only(len(identity), total - len(identity))
    if missing:
        return mistakes.blocks_not_silenced(missing, total)
    if changes.statistics_changed:
        return mistakes.changed_statistics(changes.statistics_changed)
    if changes.other_changed:
        return mistakes.changed_other_weights(changes.other_changed)
    return ""


def identity_blocks_not_identity(model, images: np.ndarray) -> list[int]:
    """Finds the identity blocks whose output a[l+3] is not exactly their input a[l].

    Args:
        model: a functional network of residual blocks, each block ending in Add then ReLU.
        images: a batch for the network's input.

    Returns:
        The numbers (from 1, in the order the network applies its blocks) of the identity blocks
        whose output differs from their input, in inference mode, on ``images``.
    """
    import keras

    graph = Graph.from_model(model)
    pairs = []
    for number, add in enumerate(graph.find(ADD), start=1):
        block = locate_block(graph, add)
        if not block.shortcut_path and block.final_relu is not None and block.skip_source:
            pairs.append((number, block.skip_source.op.output, block.final_relu.op.output))
    if not pairs:
        return []
    probe = keras.Model(_single_input(model), [t for _, a, out in pairs for t in (a, out)])
    # One direct call: predict() would trace a new function for this fresh model first.
    values = [keras.ops.convert_to_numpy(value) for value in probe(images, training=False)]
    return [
        number
        for index, (number, _, _) in enumerate(pairs)
        if not np.array_equal(values[2 * index], values[2 * index + 1])
    ]


def _single_input(model):
    """The model's input tensor: a one-element list makes Keras warn when called with an array."""
    return model.inputs[0] if len(model.inputs) == 1 else model.inputs


def block_output_scales(model, images: np.ndarray) -> np.ndarray:
    """Measures the standard deviation of each residual block's output a[l+3] on one batch.

    The batch goes through in training mode, as in the first step of training: every
    BatchNormalization normalizes with the batch's own statistics.

    Args:
        model: a functional ResNet (each block ends in Add then ReLU).
        images: the batch, already scaled as the network expects.

    Returns:
        One standard deviation per block, in the order the network applies them.
    """
    import keras

    graph = Graph.from_model(model)
    outputs = []
    for add in graph.find(ADD):
        block = locate_block(graph, add)
        end = block.final_relu or add
        outputs.append(end.op.output)
    probe = keras.Model(_single_input(model), outputs)
    values = probe(images, training=True)
    return np.array([float(np.std(keras.ops.convert_to_numpy(value))) for value in values])


def plot_block_scales(scales: dict, kinds: list[str], title: str = ""):
    """Plots the activations' scale after each block, one line per network.

    Args:
        scales: legend label -> the standard deviation after each block.
        kinds: each block's kind; the convolutional blocks (where a stage starts) are marked.
        title: the figure's title.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    blocks = np.arange(1, len(kinds) + 1)
    for label, values in scales.items():
        ax.plot(blocks, values, marker="o", label=label)
    for number, kind in zip(blocks, kinds, strict=True):
        if kind == "convolutional":
            ax.axvline(number, color="0.85", linewidth=1, zorder=0)
    ax.set_xticks(blocks)
    ax.set_xlabel("residual block (grey lines: a convolutional block starts a stage)")
    ax.set_ylabel("std of a[l+3] after the block")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def read_ablation(path: str | Path) -> dict[str, list[dict]]:
    """Reads the measured runs of the ablation from the training-recipe CSV.

    Args:
        path: ``bench/training_recipes_gpu.csv``.

    Returns:
        Legend label -> that recipe's rows (``seed``, ``test_acc``, ``train_acc``, ...).

    Raises:
        ValueError: if a recipe of `ABLATION_RECIPES` has no rows.
    """
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    runs = {
        label: [r for r in rows if r["recipe"] == recipe]
        for label, recipe in ABLATION_RECIPES.items()
    }
    empty = [label for label, found in runs.items() if not found]
    if empty:
        raise ValueError(f"{path} has no runs for {empty}")
    return runs


def plot_ablation(runs: dict[str, list[dict]]):
    """Plots training and test accuracy of the measured runs, with and without the start.

    Args:
        runs: from `read_ablation`.

    Returns:
        The matplotlib Figure: per metric, one bar per recipe at the mean of its runs, with each
        run (seed) as a dot.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    metrics = (("train_acc", "training accuracy"), ("test_acc", "test accuracy"))
    width = 0.36
    for index, (label, rows) in enumerate(runs.items()):
        for position, (column, _) in enumerate(metrics):
            x = position + (index - 0.5) * width
            values = [100 * float(row[column]) for row in rows]
            ax.bar(
                x,
                np.mean(values),
                width * 0.9,
                color=f"C{index}",
                alpha=0.35,
                label=f"{label} ({len(rows)} runs)" if position == 0 else None,
            )
            ax.scatter([x] * len(values), values, color=f"C{index}", s=30, zorder=3)
    ax.set_xticks(range(len(metrics)), [name for _, name in metrics])
    ax.set_ylim(0, 100)
    ax.set_ylabel("accuracy after training (%)")
    ax.set_title("ResNet-50 on SIGNS: batches of 16, Adam at 1e-3, 4 epochs")
    ax.grid(axis="y", color="0.9")
    ax.set_axisbelow(True)
    ax.legend(loc="lower left", title="bar: mean, dots: one run each")
    fig.tight_layout()
    return fig
