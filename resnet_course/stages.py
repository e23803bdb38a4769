"""What differs between a network's stages of residual blocks and ResNet-50's, stage by stage.

The public checks and the grader's hidden checks both read a built network through these functions,
so that a student reads the same message, naming the stage and the block, whichever check found it.
A stage is counted by position: it starts at each convolutional block (a block with a convolution on
its shortcut), so one block too many or too few in a stage does not shift the others.
"""

from __future__ import annotations

from resnet_course import mistakes, spec
from resnet_course.graph import ADD, BN, CONV, RELU, Graph, describe
from resnet_course.network import BlockSummary, NetworkStructure

#: The kinds along a bottleneck block's main path, conv-BN-ReLU twice, then conv-BN.
BOTTLENECK_MAIN_PATH = ["conv", "bn", "relu", "conv", "bn", "relu", "conv", "bn"]


def stages_problem(network: NetworkStructure) -> str:
    """Compares the number of stages and of blocks per stage with ResNet-50's 3, 4, 6 and 3.

    Args:
        network: the analysed network.

    Returns:
        What differs, naming each stage at fault, or ''.
    """
    if not network.blocks:
        return mistakes.no_residual_blocks()
    if network.stages[0][0].kind != "convolutional":
        return (
            f"the first residual block adds its input unchanged; stage {spec.STAGES[0].number} "
            "starts with a convolutional block, whose 1×1 convolution on the shortcut widens "
            f"the stem's {spec.STEM.filters} channels to {spec.STAGES[0].channels}."
        )
    if len(network.stages) != len(spec.STAGES):
        blocks = ", ".join(str(stage.blocks) for stage in spec.STAGES)
        return (
            f"found {len(network.stages)} stages (a stage starts at each convolutional block, the "
            f"block with a 1×1 convolution on its shortcut); ResNet-50 has {len(spec.STAGES)}, "
            f"with {blocks} blocks."
        )
    wrong = [
        f"stage {stage.number} has {len(found)} residual blocks; ResNet-50's stage "
        f"{stage.number} has {stage.blocks}: one convolutional block and {stage.blocks - 1} "
        "identity blocks"
        for found, stage in zip(network.stages, spec.STAGES, strict=True)
        if len(found) != stage.blocks
    ]
    return "; ".join(wrong) + "." if wrong else ""


def block_problems(network: NetworkStructure) -> list[str]:
    """Compares every block's filters, kernels, strides, padding and shortcut with its stage's.

    Args:
        network: the analysed network.

    Returns:
        One line per block at fault, naming its stage and place; empty when none is.
    """
    if not network.blocks:
        return [mistakes.no_residual_blocks()]
    problems = []
    for found, stage in zip(network.stages, spec.STAGES, strict=False):
        for index, block in enumerate(found, start=1):
            problem = _block_problem(block, stage, index)
            if problem:
                problems.append(problem)
    return problems


def _block_problem(block: BlockSummary, stage: spec.Stage, index: int) -> str:
    first = index == 1
    kind = "convolutional" if first else "identity"
    label = f"stage {stage.number}, block {index} ({kind} block)"
    main = block.structure.main_path
    if [node.kind for node in main] != BOTTLENECK_MAIN_PATH:
        return (
            f"{label}: the main path is {describe(main)}; the lecture's block is conv → BN → "
            "ReLU → conv → BN → ReLU → conv → BN"
        )
    convs = [node for node in main if node.kind == CONV]
    filters = tuple(conv.config["filters"] for conv in convs)
    if filters != stage.filters:
        return (
            f"{label} has filters {list(filters)}; stage {stage.number} uses {list(stage.filters)}"
        )
    kernels = [tuple(conv.config["kernel_size"]) for conv in convs]
    middle = (spec.BLOCK_KERNEL, spec.BLOCK_KERNEL)
    if kernels != [(1, 1), middle, (1, 1)]:
        return f"{label} has kernels {kernels}; every block uses 1×1, f×f with f=3, 1×1"
    if convs[1].config["padding"] != "same":
        return f"{label}: {mistakes.valid_padding(convs[1].config['padding'])}"
    stride = stage.stride if first else 1
    strides = [tuple(conv.config["strides"]) for conv in convs]
    if strides != [(stride, stride), (1, 1), (1, 1)]:
        if first:
            return (
                f"{label} has strides {strides}; "
                f"{mistakes.stage_stride_reason(stage.number, stage.stride)} The stride goes on "
                "the first 1×1 convolution and on the shortcut's"
            )
        return f"{label} has strides {strides}; an identity block's convolutions all have stride 1"
    shortcut = block.structure.shortcut_path
    if first:
        projection = [node.kind for node in shortcut] == [CONV, BN] and (
            tuple(shortcut[0].config["kernel_size"]),
            tuple(shortcut[0].config["strides"]),
            shortcut[0].config["filters"],
        ) == ((1, 1), (stride, stride), stage.channels)
        if not projection:
            return (
                f"{label} needs a shortcut of a 1×1 convolution with {stage.channels} filters "
                f"and stride {stride}, then BN; it has {describe(shortcut)}"
            )
    elif shortcut:
        return f"{label} should add its input unchanged; its shortcut is {describe(shortcut)}"
    return ""


def additions_problem(graph: Graph) -> str:
    """Checks that the network has residual additions and that each one feeds a ReLU.

    Args:
        graph: the network's graph.

    Returns:
        What is wrong, or ''.
    """
    adds = graph.find(ADD)
    if not adds:
        return mistakes.no_residual_blocks()
    without_relu = [a.name for a in adds if not any(c.kind == RELU for c in graph.consumers(a))]
    if without_relu:
        return mistakes.additions_without_relu(without_relu)
    return ""
