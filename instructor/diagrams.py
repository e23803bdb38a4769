"""Diagrams of the residual blocks and of ResNet-50, drawn with matplotlib.

Each function returns a `Figure` whose coordinates are inches, so that text keeps one size
from diagram to diagram: saved at `DPI`, a diagram is about 900 px wide and is shrunk, never
rewrapped, by a narrower notebook.
"""

from __future__ import annotations

import dataclasses

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

matplotlib.use("Agg")

DPI = 100
FONT_SIZE = 13
MAIN_COLOUR = "#dbe8f6"
SHORTCUT_COLOUR = "#c0392b"
SHORTCUT_FILL = "#f6dcd8"
RELU_COLOUR = "#e3f1dc"
EDGE = "#333333"


@dataclasses.dataclass(frozen=True)
class Stage:
    """One row of the ResNet-50 stage diagram.

    Attributes:
        name: e.g. "stage 3".
        description: what the stage holds, e.g. "convolutional block, s = 2, then 3 identity
            blocks".
        output_shape: the shape of one image's tensor after the stage, e.g. (8, 8, 512).
    """

    name: str
    description: str
    output_shape: tuple


def _canvas(width, height):
    fig = plt.figure(figsize=(width, height), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _box(ax, x, y, width, height, text, fill=MAIN_COLOUR, size=FONT_SIZE):
    """A rounded box centred on (x, y); returns its left and right edge."""
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            fc=fill,
            ec=EDGE,
            lw=1.2,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=size, linespacing=1.35)
    return x - width / 2, x + width / 2


def _arrow(ax, start, end, colour=EDGE, width=1.4):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=14,
            color=colour,
            lw=width,
            shrinkA=0,
            shrinkB=0,
        )
    )


def _line(ax, points, colour, width=2.2):
    xs, ys = zip(*points, strict=True)
    ax.plot(xs, ys, color=colour, lw=width, solid_capstyle="butt")


def _plus(ax, x, y, radius=0.2):
    ax.add_patch(Circle((x, y), radius, fc="white", ec=EDGE, lw=1.4))
    ax.text(x, y, "+", ha="center", va="center", fontsize=FONT_SIZE + 3)
    return x - radius, x + radius


def _chain_width(start_x, items, gap):
    """The x where a chain drawn by `_chain` ends."""
    return (
        start_x
        + sum(item[4] if len(item) > 4 else gap for item in items)
        + sum(item[3] for item in items)
    )


def _chain(ax, y, start_x, items, gap=0.55):
    """Draws boxes left to right joined by arrows, each arrow labelled above.

    Args:
        ax: the axes.
        y: the row's height.
        start_x: where the first arrow starts.
        items: (label on the arrow into the item, kind, text, width[, arrow length]) tuples;
            kind is "box", "relu", "plus" or "end" (text only, no box).
        gap: length of an arrow whose item gives none.

    Returns:
        {index: (left, right)} of every item.
    """
    x, edges = start_x, {}
    for index, (label, kind, text, width, *arrow) in enumerate(items):
        left = x + (arrow[0] if arrow else gap)
        _arrow(ax, (x, y), (left, y))
        if label:
            ax.text((x + left) / 2, y + 0.12, label, ha="center", va="bottom", fontsize=FONT_SIZE)
        centre = left + width / 2
        if kind == "plus":
            edges[index] = _plus(ax, centre, y, width / 2)
        elif kind == "end":
            ax.text(left + 0.05, y, text, ha="left", va="center", fontsize=FONT_SIZE + 1)
            edges[index] = (left, left + width)
        else:
            fill = RELU_COLOUR if kind == "relu" else MAIN_COLOUR
            height = 0.55 if kind == "relu" else 0.3 * (text.count("\n") + 1) + 0.2
            edges[index] = _box(ax, centre, y, width, height, text, fill)
        x = edges[index][1]
    return edges


def _shortcut_text(ax, label_at, label, equation_at, equation):
    """Names the shortcut above its line and writes the block's equation below the addition."""
    ax.text(*label_at, label, ha="center", va="bottom", fontsize=FONT_SIZE, color=SHORTCUT_COLOUR)
    ax.text(
        *equation_at,
        equation,
        ha="left",
        va="top",
        fontsize=FONT_SIZE - 1,
        color=SHORTCUT_COLOUR,
    )


def residual_block_diagram():
    """The lecture's residual block: two Dense layers, the shortcut added before the second ReLU.

    Returns:
        The matplotlib Figure.
    """
    y = 1.05
    items = [
        ("", "box", "Dense\n$W^{[l+1]}, b^{[l+1]}$", 1.35),
        ("$z^{[l+1]}$", "relu", "ReLU $g$", 0.95),
        ("$a^{[l+1]}$", "box", "Dense\n$W^{[l+2]}, b^{[l+2]}$", 1.35),
        ("$z^{[l+2]}$", "plus", "", 0.4),
        ("", "relu", "ReLU $g$", 0.95),
        ("", "end", "$a^{[l+2]}$", 0.75),
    ]
    fig, ax = _canvas(_chain_width(0.55, items, 0.6), 2.9)
    ax.text(0.1, y, "$a^{[l]}$", ha="left", va="center", fontsize=FONT_SIZE + 2)
    edges = _chain(ax, y, 0.55, items, gap=0.6)
    split = 0.4
    plus_x = sum(edges[3]) / 2
    top = 2.3
    _line(ax, [(split, y + 0.2), (split, top), (plus_x, top)], SHORTCUT_COLOUR)
    _arrow(ax, (plus_x, top), (plus_x, y + 0.2), colour=SHORTCUT_COLOUR, width=2.2)
    _shortcut_text(
        ax,
        ((split + plus_x) / 2, top + 0.1),
        "shortcut (skip connection): $a^{[l]}$ unchanged",
        (plus_x + 0.3, y - 0.62),
        "added before the ReLU:\n$a^{[l+2]} = g(z^{[l+2]} + a^{[l]})$",
    )
    return fig


def bottleneck_block_diagram(projection: bool):
    """ResNet-50's bottleneck block: the identity block, or the convolutional block.

    Args:
        projection: False for the identity block (the shortcut is a[l] itself); True for the
            convolutional block (a 1x1 convolution with stride s and BN on the shortcut, and
            stride s on the first convolution of the main path).

    Returns:
        The matplotlib Figure.
    """
    height = 3.9 if projection else 3.1
    y = 1.05
    stride = "\nstride $s$" if projection else ""
    items = [
        ("", "box", f"Conv 1×1, $F_1${stride}\nBN\nReLU", 1.45),
        ("", "box", "Conv $f$×$f$, $F_2$\n'same'\nBN\nReLU", 1.45),
        ("", "box", "Conv 1×1, $F_3$\nBN", 1.45),
        ("$z^{[l+3]}$", "plus", "", 0.4, 0.85),
        ("", "relu", "ReLU $g$", 0.95),
        ("", "end", "$a^{[l+3]}$", 0.75),
    ]
    fig, ax = _canvas(_chain_width(0.55, items, 0.5) + 0.4, height)
    ax.text(0.1, y, "$a^{[l]}$", ha="left", va="center", fontsize=FONT_SIZE + 2)
    edges = _chain(ax, y, 0.55, items, gap=0.5)
    split = 0.4
    plus_x = sum(edges[3]) / 2
    top = height - 0.75
    if projection:
        middle = (split + plus_x) / 2
        _line(ax, [(split, y + 0.25), (split, top), (middle - 1.1, top)], SHORTCUT_COLOUR)
        _box(ax, middle, top, 2.2, 0.75, "Conv 1×1, $F_3$, stride $s$\nBN", fill=SHORTCUT_FILL)
        _line(ax, [(middle + 1.1, top), (plus_x, top)], SHORTCUT_COLOUR)
        label = "shortcut: projection $W_s a^{[l]}$, to the shape of $z^{[l+3]}$"
        equation = "$a^{[l+3]} = g(z^{[l+3]} + W_s a^{[l]})$"
    else:
        _line(ax, [(split, y + 0.25), (split, top), (plus_x, top)], SHORTCUT_COLOUR)
        label = "shortcut: $a^{[l]}$ unchanged (same shape as $z^{[l+3]}$)"
        equation = "$a^{[l+3]} = g(z^{[l+3]} + a^{[l]})$"
    _arrow(ax, (plus_x, top), (plus_x, y + 0.2), colour=SHORTCUT_COLOUR, width=2.2)
    _shortcut_text(
        ax,
        ((split + plus_x) / 2, top + (0.45 if projection else 0.1)),
        label,
        (plus_x + 0.25, y - 0.62),
        equation,
    )
    return fig


def resnet50_stage_rows(structure, input_shape, classes):
    """The rows of the stage diagram, read from a built ResNet-50.

    Args:
        structure: the model's `resnet_course.network.NetworkStructure`.
        input_shape: the shape of one input image, e.g. (64, 64, 3).
        classes: the number of classes.

    Returns:
        A list of `Stage`: the input, the stem, each stage and the head, with the shape after each.
    """
    rows = [Stage("input", "an RGB image", tuple(input_shape))]
    first_block_input = structure.blocks[0].structure.block_input
    rows.append(
        Stage(
            "stem",
            "ZeroPad 3 · Conv 7×7, 64, stride 2 · BN · ReLU · MaxPool 3×3, stride 2",
            tuple(first_block_input.shape[1:]),
        )
    )
    for number, stage in enumerate(structure.stages, start=2):
        convolutional, *identities = stage
        strides = convolutional.shortcut_strides[0]
        stride = strides[0] if isinstance(strides, (tuple, list)) else strides
        filters = list(convolutional.filters)
        rows.append(
            Stage(
                f"stage {number}",
                f"conv block {filters}, s = {stride}, then {len(identities)} identity blocks",
                tuple(stage[-1].output_shape[1:]),
            )
        )
    rows.append(Stage("head", "AvgPool 2×2 · Flatten · Dense + softmax", (classes,)))
    return rows


def resnet50_stages_diagram(rows):
    """ResNet-50 from input to output, one row per part, with the tensor shape after each.

    Args:
        rows: the `Stage` rows, e.g. from `resnet50_stage_rows`.

    Returns:
        The matplotlib Figure.
    """
    row_height, width = 0.7, 10.0
    height = row_height * len(rows) + 0.55
    fig, ax = _canvas(width, height)
    ax.text(
        8.8,
        height - 0.3,
        "shape after it",
        ha="center",
        va="center",
        fontsize=FONT_SIZE,
        style="italic",
    )
    for index, row in enumerate(rows):
        y = height - 0.55 - row_height * (index + 0.5)
        fill = MAIN_COLOUR if row.name.startswith("stage") else RELU_COLOUR
        ax.add_patch(
            FancyBboxPatch(
                (0.1, y - 0.24),
                7.6,
                0.48,
                boxstyle="round,pad=0.02,rounding_size=0.06",
                fc=fill,
                ec=EDGE,
                lw=1.1,
            )
        )
        ax.text(0.22, y, row.name, ha="left", va="center", fontsize=FONT_SIZE, weight="bold")
        ax.text(1.3, y, row.description, ha="left", va="center", fontsize=FONT_SIZE - 1)
        ax.text(
            8.8,
            y,
            " × ".join(str(size) for size in row.output_shape),
            ha="center",
            va="center",
            fontsize=FONT_SIZE + 1,
            family="monospace",
        )
        if index:
            _arrow(ax, (0.5, y + row_height - 0.24), (0.5, y + 0.24))
    return fig
