"""Reads a whole residual network as stem, stages of blocks, and head.

`analyse_network` finds every residual block of a model through its Add nodes,
groups the blocks into stages (a stage starts at each block with a projection
shortcut, the convolutional block), and separates the layers before the first
block (the stem) and after the last (the head). Checks can then compare, say,
the number of blocks per stage with ResNet-50's 3/4/6/3 without caring how the
model was written.
"""

from __future__ import annotations

import dataclasses

from resnet_course.blocks import BlockStructure, locate_block
from resnet_course.graph import ADD, CONV, Graph, Node


@dataclasses.dataclass
class BlockSummary:
    """One residual block of a network.

    Attributes:
        structure: The block's parts, as `locate_block` found them.
        kind: "convolutional" when the shortcut holds a convolution, else "identity".
        filters: The filter counts of the main path's convolutions, in order.
        kernel_sizes: The kernel sizes of the main path's convolutions, in order.
        main_strides: The strides of the main path's convolutions, in order.
        shortcut_strides: The strides of the shortcut's convolutions, in order.
        output_shape: The block's output shape.
    """

    structure: BlockStructure
    kind: str
    filters: tuple[int, ...]
    kernel_sizes: tuple[tuple[int, ...], ...]
    main_strides: tuple[tuple[int, ...], ...]
    shortcut_strides: tuple[tuple[int, ...], ...]
    output_shape: tuple


@dataclasses.dataclass
class NetworkStructure:
    """A residual network split into stem, stages and head.

    Attributes:
        graph: The network's graph.
        stem: Nodes from the input to the first block's input, in order.
        blocks: Every residual block, in order.
        stages: The blocks grouped into stages; each stage starts with a
            convolutional block.
        head: Nodes after the last block's output, in order.
    """

    graph: Graph
    stem: list[Node]
    blocks: list[BlockSummary]
    stages: list[list[BlockSummary]]
    head: list[Node]

    @property
    def stage_lengths(self) -> list[int]:
        """The number of blocks in each stage, e.g. [3, 4, 6, 3] for ResNet-50."""
        return [len(stage) for stage in self.stages]


def analyse_network(model) -> NetworkStructure:
    """Splits a functional residual network into stem, stages and head.

    Args:
        model: A functional Keras model.

    Returns:
        The network's `NetworkStructure`. A plain network has no blocks: its
        whole body is the stem.
    """
    return analyse_graph(Graph.from_model(model))


def analyse_graph(graph: Graph) -> NetworkStructure:
    """Splits an already-built graph into stem, stages and head (see `analyse_network`).

    Args:
        graph: The network's `Graph`.

    Returns:
        The network's `NetworkStructure`.
    """
    blocks = [_summarize(locate_block(graph, add)) for add in graph.find(ADD)]
    position = {id(node): index for index, node in enumerate(graph.nodes)}
    output = graph.outputs[0]
    if not blocks:
        return NetworkStructure(graph, stem=graph.nodes[1:], blocks=[], stages=[], head=[])
    first_input = blocks[0].structure.block_input
    last_output = blocks[-1].structure.final_relu or blocks[-1].structure.add
    stem_end = position[id(first_input)] if first_input is not None else 0
    head_start = position[id(last_output)] + 1
    stem = graph.nodes[1 : stem_end + 1]
    head = graph.nodes[head_start : position[id(output)] + 1]
    return NetworkStructure(
        graph, stem=stem, blocks=blocks, stages=_group_stages(blocks), head=head
    )


def _summarize(structure: BlockStructure) -> BlockSummary:
    main_convs = [n for n in structure.main_path if n.kind == CONV]
    shortcut_convs = [n for n in structure.shortcut_path if n.kind == CONV]
    output = structure.final_relu or structure.add
    return BlockSummary(
        structure=structure,
        kind="convolutional" if shortcut_convs else "identity",
        filters=tuple(n.config["filters"] for n in main_convs),
        kernel_sizes=tuple(n.config["kernel_size"] for n in main_convs),
        main_strides=tuple(n.config["strides"] for n in main_convs),
        shortcut_strides=tuple(n.config["strides"] for n in shortcut_convs),
        output_shape=output.shape,
    )


def _group_stages(blocks: list[BlockSummary]) -> list[list[BlockSummary]]:
    stages: list[list[BlockSummary]] = []
    for block in blocks:
        if block.kind == "convolutional" or not stages:
            stages.append([])
        stages[-1].append(block)
    return stages
