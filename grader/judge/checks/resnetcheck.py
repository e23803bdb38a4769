"""Reading a whole ResNet-50 graph: its stem, its residual blocks by stage, and its head."""
from __future__ import annotations

from resnet_course.blocks import BlockStructure, locate_block
from resnet_course.graph import (ADD, AVGPOOL, BN, CONV, DENSE, FLATTEN, GLOBALAVGPOOL, RELU, SOFTMAX, Graph, Node,
                                 describe)

PARAMETERS = 23_600_006
# (output channels, [F1, F2, F3], stride of the first block, number of blocks), stages 2 to 5.
STAGES = (
    (256, [64, 64, 256], 1, 3),
    (512, [128, 128, 512], 2, 4),
    (1024, [256, 256, 1024], 2, 6),
    (2048, [512, 512, 2048], 2, 3),
)
STEM = ["zeropad", "conv", "bn", "relu", "maxpool"]


def residual_blocks(graph: Graph) -> list[BlockStructure]:
    """Every residual block of the graph, one per Add, in topological order."""
    return [locate_block(graph, add) for add in graph.find(ADD)]


def stem_problem(graph: Graph) -> str:
    """Returns what is wrong with the stem, or ''."""
    chain: list[Node] = []
    node = graph.inputs[0]
    while len(chain) < len(STEM):
        consumers = graph.consumers(node)
        if len(consumers) != 1:
            break
        node = consumers[0]
        chain.append(node)
    kinds = [n.kind for n in chain]
    if kinds != STEM:
        return (f"the stem is {describe(chain)}; the lecture's ResNet-50 starts with ZeroPadding2D((3, 3)), "
                "Conv2D(64, (7, 7), strides=(2, 2)), BatchNormalization(axis=3), ReLU, MaxPooling2D((3, 3), strides=(2, 2)).")
    pad, conv, norm, _, pool = chain
    found = {
        "padding": _pairs(pad.config["padding"]),
        "conv": (conv.config["filters"], tuple(conv.config["kernel_size"]), tuple(conv.config["strides"])),
        "bn axis": norm.config["axis"],
        "pool": (tuple(pool.config["pool_size"]), tuple(pool.config["strides"])),
    }
    wanted = {"padding": ((3, 3), (3, 3)), "conv": (64, (7, 7), (2, 2)), "bn axis": 3, "pool": ((3, 3), (2, 2))}
    wrong = [f"{key} {found[key]} (expected {wanted[key]})" for key in wanted if found[key] != wanted[key]]
    if wrong:
        return "the stem's layers have the wrong settings: " + "; ".join(wrong) + "."
    return ""


def _pairs(padding):
    if isinstance(padding, int):
        return ((padding, padding), (padding, padding))
    return tuple(tuple(p) if isinstance(p, (list, tuple)) else (p, p) for p in padding)


def stage_count_problem(blocks: list[BlockStructure]) -> str:
    """Returns what is wrong with the number of blocks per stage, or ''."""
    channels = [b.add.shape[-1] for b in blocks]
    counts = [channels.count(stage[0]) for stage in STAGES]
    expected = [stage[3] for stage in STAGES]
    if counts == expected and len(blocks) == sum(expected):
        return ""
    return (f"found {len(blocks)} residual blocks, by stage {counts} (stages ending in 256, 512, 1024 and 2048 "
            f"channels); the lecture's ResNet-50 has {expected}: one convolutional block then 2, 3, 5 and 2 "
            "identity blocks.")


def block_problems(blocks: list[BlockStructure]) -> list[str]:
    """Returns, block by block, where filters, kernels, strides or shortcuts differ from the lecture's."""
    problems = []
    seen: dict[int, int] = {}
    for number, block in enumerate(blocks, start=1):
        stage = next((s for s in STAGES if s[0] == block.add.shape[-1]), None)
        if stage is None:
            problems.append(f"block {number} ends with {block.add.shape[-1]} channels, which no stage has")
            continue
        index = seen.get(stage[0], 0)
        seen[stage[0]] = index + 1
        first = index == 0
        stride = stage[2] if first else 1
        convs = [n for n in block.main_path if n.kind == CONV]
        found = (
            [c.config["filters"] for c in convs],
            [tuple(c.config["kernel_size"]) for c in convs],
            [tuple(c.config["strides"]) for c in convs],
        )
        wanted = (stage[1], [(1, 1), (3, 3), (1, 1)], [(stride, stride), (1, 1), (1, 1)])
        label = f"block {number} ({'convolutional' if first else 'identity'} block of the {stage[0]}-channel stage)"
        if found != wanted:
            problems.append(f"{label} has filters {found[0]}, kernels {found[1]}, strides {found[2]}; expected "
                            f"filters {wanted[0]}, kernels {wanted[1]}, strides {wanted[2]}")
        shortcut = [n.kind for n in block.shortcut_path]
        if first and (shortcut != [CONV, BN] or tuple(block.shortcut_path[0].config["strides"]) != (stride, stride)):
            problems.append(f"{label} needs a shortcut of a 1×1 conv with stride {stride} then BN; it has "
                            f"{describe(block.shortcut_path)}")
        if not first and shortcut:
            problems.append(f"{label} should add its input unchanged; its shortcut is {describe(block.shortcut_path)}")
    return problems


def additions_problem(graph: Graph) -> str:
    """Returns what is wrong with the residual additions (16, each followed by a ReLU), or ''."""
    adds = graph.find(ADD)
    without_relu = [a.name for a in adds if not any(c.kind == RELU for c in graph.consumers(a))]
    if len(adds) != 16:
        return f"the model has {len(adds)} residual additions; the lecture's ResNet-50 has 16 (3 + 4 + 6 + 3 blocks)."
    if without_relu:
        return (f"{len(without_relu)} additions are not followed by a ReLU ({', '.join(without_relu[:3])}): each block "
                "ends with g(z[l+2] + a[l]).")
    return ""


def head_problem(graph: Graph, classes: int) -> str:
    """Returns what is wrong with pooling, flatten and the softmax classifier, or ''."""
    output = graph.outputs[0]
    if output.kind != SOFTMAX:
        return (f"the model's output comes from {output.kind} ('{output.name}'), not a softmax: end with "
                f"Dense(classes, activation='softmax') so that the output is a probability per class.")
    dense = output.inputs[0]
    if dense.kind != DENSE or dense.config["units"] != classes:
        units = dense.config.get("units") if dense.kind == DENSE else dense.kind
        return f"the softmax should act on a Dense layer with classes={classes} units; it acts on {units}."
    before = dense.inputs[0]
    if before.kind == FLATTEN:
        before = before.inputs[0]
    if before.kind not in (AVGPOOL, GLOBALAVGPOOL):
        return (f"the classifier reads {before.kind} ('{before.name}'); the lecture's head is "
                "AveragePooling2D((2, 2)), then Flatten, then the softmax Dense layer.")
    if before.kind == GLOBALAVGPOOL or tuple(before.shape[1:3]) == (1, 1):
        return ""
    return (f"after pooling the feature map is still {tuple(before.shape[1:])}: use AveragePooling2D((2, 2)) on the "
            "2×2 output of the last stage.")

