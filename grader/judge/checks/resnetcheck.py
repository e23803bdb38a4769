"""Reading a whole ResNet-50 graph: its residual blocks by stage, and its additions.

The stem and the head are checked by :mod:`resnet_course.mistakes`, which the notebook's public
checks share; every figure comes from :mod:`resnet_course.spec`.
"""

from __future__ import annotations

from resnet_course import mistakes, spec
from resnet_course.blocks import BlockStructure, locate_block
from resnet_course.graph import ADD, BN, CONV, RELU, Graph, describe


def residual_blocks(graph: Graph) -> list[BlockStructure]:
    """Every residual block of the graph, one per Add, in topological order."""
    return [locate_block(graph, add) for add in graph.find(ADD)]


def stage_count_problem(blocks: list[BlockStructure]) -> str:
    """Returns what is wrong with the number of blocks per stage, or ''."""
    channels = [b.add.shape[-1] for b in blocks]
    counts = [channels.count(stage.channels) for stage in spec.STAGES]
    expected = [stage.blocks for stage in spec.STAGES]
    if counts == expected and len(blocks) == sum(expected):
        return ""
    stage_channels = ", ".join(str(stage.channels) for stage in spec.STAGES[:-1])
    identity_blocks = ", ".join(str(stage.blocks - 1) for stage in spec.STAGES[:-1])
    return (
        f"found {len(blocks)} residual blocks, by stage {counts} (stages ending in "
        f"{stage_channels} and {spec.STAGES[-1].channels} channels); the lecture's ResNet-50 has "
        f"{expected}: one convolutional block then {identity_blocks} and "
        f"{spec.STAGES[-1].blocks - 1} identity blocks."
    )


def block_problems(blocks: list[BlockStructure]) -> list[str]:
    """Returns, block by block, where filters, kernels, strides or shortcuts differ from spec."""
    problems = []
    seen: dict[int, int] = {}
    middle = spec.BLOCK_KERNEL
    for number, block in enumerate(blocks, start=1):
        stage = next((s for s in spec.STAGES if s.channels == block.add.shape[-1]), None)
        if stage is None:
            problems.append(
                f"block {number} ends with {block.add.shape[-1]} channels, which no stage has"
            )
            continue
        index = seen.get(stage.channels, 0)
        seen[stage.channels] = index + 1
        first = index == 0
        stride = stage.stride if first else 1
        convs = [n for n in block.main_path if n.kind == CONV]
        found = (
            [c.config["filters"] for c in convs],
            [tuple(c.config["kernel_size"]) for c in convs],
            [tuple(c.config["strides"]) for c in convs],
        )
        wanted = (
            list(stage.filters),
            [(1, 1), (middle, middle), (1, 1)],
            [(stride, stride), (1, 1), (1, 1)],
        )
        label = (
            f"block {number} ({'convolutional' if first else 'identity'} block of the "
            f"{stage.channels}-channel stage)"
        )
        if found != wanted:
            problems.append(
                f"{label} has filters {found[0]}, kernels {found[1]}, strides {found[2]}; expected "
                f"filters {wanted[0]}, kernels {wanted[1]}, strides {wanted[2]}"
            )
        shortcut = [n.kind for n in block.shortcut_path]
        strided = shortcut == [CONV, BN] and tuple(block.shortcut_path[0].config["strides"]) == (
            stride,
            stride,
        )
        if first and not strided:
            problems.append(
                f"{label} needs a shortcut of a 1×1 conv with stride {stride} then BN; it has "
                f"{describe(block.shortcut_path)}"
            )
        if not first and shortcut:
            problems.append(
                f"{label} should add its input unchanged; its shortcut is "
                f"{describe(block.shortcut_path)}"
            )
    return problems


def additions_problem(graph: Graph) -> str:
    """Returns what is wrong with the residual additions, or ''.

    There is one per block, each followed by a ReLU.
    """
    adds = graph.find(ADD)
    without_relu = [a.name for a in adds if not any(c.kind == RELU for c in graph.consumers(a))]
    if len(adds) != spec.ADDITIONS:
        per_stage = " + ".join(str(stage.blocks) for stage in spec.STAGES)
        return (
            f"the model has {len(adds)} residual additions; the lecture's ResNet-50 has "
            f"{spec.ADDITIONS} ({per_stage} blocks)."
        )
    if without_relu:
        return mistakes.additions_without_relu(without_relu)
    return ""
