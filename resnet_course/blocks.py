"""Finds the parts of a residual block in a model's graph.

A residual block computes a[l+2] = g(z[l+2] + a[l]): a main path turns the block
input a[l] into z[l+2], a shortcut carries a[l] (or, in a convolutional block, a
projection of it) to an Add, and the activation g comes after the Add.
`analyse_block` locates each of these parts in a `Graph`, whatever spelling the
student used, and lists in plain words what does not fit that pattern. Both
the notebook's public tests and the grader's hidden checks build on it.
"""

from __future__ import annotations

import dataclasses

from resnet_course import mistakes
from resnet_course.graph import ADD, RELU, Graph, Node


@dataclasses.dataclass
class BlockStructure:
    """The parts of one residual block, as found in a graph.

    Attributes:
        graph: The graph the block was found in.
        block_input: The node that produces a[l] (the model's input).
        adds: Every Add node in the block.
        add: The Add that joins main path and shortcut, or None without one.
        final_relu: The ReLU applied to the Add's output, or None.
        main_path: The nodes between the branch point and the Add on the longer
            branch, in order (z[l+2] is the last one's output).
        shortcut_path: The nodes between the branch point and the Add on the
            shorter branch, in order (empty for an identity shortcut).
        skip_source: The node where the two branches split, i.e. where the
            shortcut starts; it should be `block_input`.
        problems: What does not fit a residual block, in the lecture's terms.
    """

    graph: Graph
    block_input: Node | None
    adds: list[Node]
    add: Node | None = None
    final_relu: Node | None = None
    main_path: list[Node] = dataclasses.field(default_factory=list)
    shortcut_path: list[Node] = dataclasses.field(default_factory=list)
    skip_source: Node | None = None
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def add_feeds_final_relu(self) -> bool:
        """True when the block's output is g applied to the Add's output."""
        return self.final_relu is not None

    @property
    def skip_is_block_input(self) -> bool:
        """True when the shortcut starts at a[l] itself."""
        return self.skip_source is self.block_input

    @property
    def main_kinds(self) -> list[str]:
        """The kinds along the main path, e.g. ['dense', 'relu', 'dense']."""
        return [n.kind for n in self.main_path]

    @property
    def shortcut_kinds(self) -> list[str]:
        """The kinds along the shortcut, e.g. ['conv', 'bn'] or []."""
        return [n.kind for n in self.shortcut_path]


def analyse_block(model) -> BlockStructure:
    """Locates main path, shortcut, Add and final ReLU of a one-block model.

    Args:
        model: A functional Keras model whose single input is the block input
            a[l] and whose output is the block output a[l+2].

    Returns:
        The block's `BlockStructure`. Its `problems` list is empty when the graph
        has the shape g(main_path(a[l]) + shortcut(a[l])).
    """
    graph = Graph.from_model(model)
    block_input = graph.inputs[0]
    output = graph.outputs[0]
    adds = graph.find(ADD)
    if not adds:
        structure = BlockStructure(graph=graph, block_input=block_input, adds=adds)
        structure.problems.append(mistakes.no_skip())
        return structure
    structure = locate_block(
        graph, _joining_add(graph, adds, output), block_input=block_input, output=output
    )
    if len(adds) > 1:
        structure.problems.insert(0, mistakes.several_additions(len(adds)))
    return structure


def locate_block(
    graph: Graph, add: Node, block_input: Node | None = None, output: Node | None = None
) -> BlockStructure:
    """Finds the residual block that ends at one Add of a larger graph.

    Args:
        graph: The graph holding the block.
        add: The Add node that joins the block's main path and shortcut.
        block_input: The node expected to produce a[l]; when None, the branch
            point of the two paths is taken as the block input.
        output: The node expected to be the block's output; when None, the
            Add's ReLU consumer (if any) is taken as the output.

    Returns:
        The block's `BlockStructure`.
    """
    structure = BlockStructure(graph=graph, block_input=block_input, adds=[add], add=add)
    _locate_branches(structure)
    if structure.block_input is None:
        structure.block_input = structure.skip_source
    if output is None:
        relus = [c for c in graph.consumers(add) if c.kind == RELU]
        output = relus[0] if relus else add
    _locate_final_relu(structure, output)
    return structure


def _joining_add(graph: Graph, adds: list[Node], output: Node) -> Node:
    """Picks the Add closest to the output among those the output depends on."""
    upstream = graph.ancestors(output) | {id(output)}
    feeding = [a for a in adds if id(a) in upstream]
    return (feeding or adds)[-1]


def _locate_branches(structure: BlockStructure) -> None:
    add = structure.add
    if len(add.inputs) != 2:
        structure.problems.append(mistakes.add_without_two_inputs(len(add.inputs)))
        return
    first = structure.graph.chain_back(add.inputs[0])
    second = structure.graph.chain_back(add.inputs[1])
    first_ids = {id(n) for n in first}
    branch_point = next((n for n in second if id(n) in first_ids), None)
    if branch_point is None:
        structure.problems.append(mistakes.branches_without_common_input())
        return
    first_segment = first[: [id(n) for n in first].index(id(branch_point))]
    second_segment = second[: [id(n) for n in second].index(id(branch_point))]
    main, shortcut = sorted((first_segment, second_segment), key=len, reverse=True)
    structure.main_path = list(reversed(main))
    structure.shortcut_path = list(reversed(shortcut))
    structure.skip_source = branch_point
    if structure.block_input is not None and branch_point is not structure.block_input:
        structure.problems.append(mistakes.skip_from_intermediate(branch_point))


def _locate_final_relu(structure: BlockStructure, output: Node) -> None:
    add = structure.add
    consumers = structure.graph.consumers(add)
    relus = [c for c in consumers if c.kind == RELU]
    if relus and output is relus[0]:
        structure.final_relu = relus[0]
        return
    if output is add:
        if structure.main_path and structure.main_path[-1].kind == RELU:
            structure.problems.append(mistakes.skip_after_final_relu())
        else:
            structure.problems.append(mistakes.sum_without_relu())
        return
    structure.problems.append(mistakes.output_not_relu_of_add(output))


@dataclasses.dataclass(frozen=True)
class ResidualBlock:
    """One residual block of a network, as the lecture draws it: two paths from a[l] to an Add.

    Attributes:
        main_path: The layers from the block input a[l] to z[l+3], in the order they are applied
            (a `keras.ops` call stands as its operation).
        shortcut: The layers on the shortcut, in order: empty for an identity block, the
            projection's Conv2D and BatchNormalization for a convolutional block.
        add: The layer (or operation) that adds the two paths.
    """

    main_path: tuple
    shortcut: tuple
    add: object

    @property
    def kind(self) -> str:
        """``"identity"`` when the shortcut carries a[l] unchanged, else ``"convolutional"``."""
        return "convolutional" if self.shortcut else "identity"


def residual_blocks(model) -> list[ResidualBlock]:
    """Lists every residual block of a functional model, with the layers on each of its paths.

    Args:
        model: A functional Keras model, e.g. the one `ResNet50()` returns.

    Returns:
        One `ResidualBlock` per residual addition, in the order the network applies them. A
        layer with a fused activation (``Conv2D(..., activation="relu")``) is listed once.
    """
    graph = Graph.from_model(model)
    blocks = []
    for add in graph.find(ADD):
        structure = locate_block(graph, add)
        blocks.append(
            ResidualBlock(
                main_path=_operations(structure.main_path),
                shortcut=_operations(structure.shortcut_path),
                add=add.op,
            )
        )
    return blocks


def _operations(nodes: list[Node]) -> tuple:
    """The layers or operations behind ``nodes``, without the split-out fused activations."""
    return tuple(node.op for node in nodes if not node.virtual)
