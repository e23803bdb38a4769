"""Checks shared by the residual-block exercises.

Each function fails the calling test with a message.
"""

from __future__ import annotations

import numpy as np
import pytest

from grader.sandboxed.contract import NOT_CHECKED
from resnet_course import mistakes
from resnet_course.blocks import BlockStructure, analyse_block
from resnet_course.graph import ADD, BN, CONV, INPUT, RELU, Graph, Node, describe
from resnet_course.stages import BOTTLENECK_MAIN_PATH

# Keras's messages when the two tensors of an Add cannot be added.
_SHAPE_CLASH = (
    "Cannot broadcast",
    "incompatible shapes",
    "Incompatible shapes",
    "Inputs have incompatible",
)


def fail(message: str):
    """Fails the current check with a message for the student (no traceback)."""
    pytest.fail(message, pytrace=False)


def builds(submission, case, shape_hint: str) -> None:
    """Passes when the case's artifact exists, loads and applies at least one layer.

    A build error with a known cause (an unanswered exercise, a pooling layer without its size)
    is explained first; a shape clash at the Add gets a hint.
    """
    problem = submission.build_problem(case)
    if problem:
        known = mistakes.build_error_problem(case.exercise, problem)
        if known:
            problem = f"{known}\n({problem})"
        elif any(marker in problem for marker in _SHAPE_CLASH):
            problem += (
                f"\nHint: z[l+2] and the shortcut have different shapes at the Add. {shape_hint}"
            )
        fail(problem)
    expect_some_layer(submission, case)


def expect_some_layer(submission, case) -> None:
    """Fails the check when the function returned its input without applying any layer."""
    if all(node.kind == INPUT for node in Graph.from_model(submission.model(case)).nodes):
        fail(mistakes.builds_nothing(case.exercise))


def expect_input_shape_kept(submission, case, message: str) -> None:
    """Fails the check unless the block's output has its input's shape, batch axis included.

    Args:
        submission: the student's artifacts.
        case: the exercise's case.
        message: what to tell the student; ``{expected}`` and ``{shape}`` stand for the input's and
            the output's shapes, other fields for the case's arguments (``{units}``, ``{f}``, ...).
    """
    expect_some_layer(submission, case)
    shape = tuple(submission.model(case).output.shape)
    expected = (None,) + case.input_shape
    if shape != expected:
        fail(message.format(expected=expected, shape=shape, **case.kwargs))


def structure_of(submission, case) -> BlockStructure:
    """Returns the block's analysis (the model's load failure fails the check)."""
    return analyse_block(submission.model(case))


def main_chain(structure: BlockStructure) -> list[Node]:
    """The main path from the block input to where z[l+2] is complete, whatever the skip does.

    Follows single-input nodes back from the Add's longer input (or from the block output when there
    is no Add) to the block input. A ReLU that ends the chain with nothing after the Add is the
    block's final ReLU in the wrong place; the skip check reports it, so it is left off here.
    """
    graph = structure.graph
    if structure.add is not None:
        chains = [_path_to(graph, node) for node in structure.add.inputs]
        chain = max(chains, key=len)
        misplaced_final = not structure.add_feeds_final_relu and graph.outputs[0] is structure.add
    else:
        chain = _path_to(graph, graph.outputs[0])
        misplaced_final = True
    if misplaced_final and chain and chain[-1].kind == RELU:
        chain = chain[:-1]
    return chain


def _path_to(graph, node: Node) -> list[Node]:
    """The single-input chain that ends at ``node``, in order, without the input it starts from."""
    return [n for n in reversed(graph.chain_back(node)) if n.kind != INPUT]


def expect_main_path(structure: BlockStructure, expected: list[str], z_name: str) -> list[Node]:
    """Checks the main path's kinds in order; returns the main path."""
    chain = main_chain(structure)
    kinds = [n.kind for n in chain]
    if kinds == expected:
        return chain
    wanted = " -> ".join(expected)
    found = describe(chain)
    if kinds[:-1] == expected and kinds[-1] == RELU:
        fail(mistakes.relu_before_add(z_name, chain))
    if any(n.kind == ADD for n in chain) or (chain and len(chain[0].inputs) > 1):
        fail(
            f"the main path joins other tensors on the way ({found}); it should be the single "
            f"chain {wanted}."
        )
    missing = [k for k in set(expected) if kinds.count(k) < expected.count(k)]
    extra = [k for k in set(kinds) if kinds.count(k) > expected.count(k)]
    detail = ""
    if missing:
        detail += f" It has fewer {', '.join(sorted(missing))} nodes than the lecture's block."
    if extra:
        detail += f" It has more {', '.join(sorted(extra))} nodes than the lecture's block."
    fail(f"the main path is {found}; the lecture's block has {wanted}.{detail}")


def main_convs(structure: BlockStructure) -> list[Node]:
    """The main path's three convolutions; fails the check when there are not three."""
    convs = [n for n in main_chain(structure) if n.kind == CONV]
    if len(convs) != 3:
        fail(
            f"{NOT_CHECKED}the main path has {len(convs)} Conv2D layers, the lecture's block has 3."
        )
    return convs


def expect_kernels(structure: BlockStructure, f: int) -> None:
    """Checks the 1×1, f×f 'same', 1×1 kernels of the main path."""
    convs = main_convs(structure)
    kernels = [tuple(c.config["kernel_size"]) for c in convs]
    wanted = [(1, 1), (f, f), (1, 1)]
    if kernels != wanted:
        fail(
            f"the main path's kernels are {_sizes(kernels)}; the lecture's block uses "
            f"{_sizes(wanted)} (here f={f}): a 1×1 conv, then the f×f conv, then a 1×1 conv."
        )
    if convs[1].config["padding"] != "same":
        fail(mistakes.valid_padding(convs[1].config["padding"]))


def expect_filters(structure: BlockStructure, filters) -> None:
    """Checks F1, F2, F3 in order."""
    found = [c.config["filters"] for c in main_convs(structure)]
    if found != list(filters):
        fail(
            f"the main path's convolutions have {found} filters; filters={list(filters)} means "
            "F1, F2, F3 for the first, second and third conv, in that order."
        )


def expect_channel_axis_batchnorm(structure: BlockStructure) -> None:
    """Checks that the block has BatchNormalization, each normalizing the channel axis."""
    norms = _batchnorms(structure)
    problem = mistakes.batchnorm_axis_problem(norms)
    if problem:
        fail(problem)


def _batchnorms(structure: BlockStructure) -> list[Node]:
    """The block's BatchNormalization nodes; fails the check when it has none."""
    norms = structure.graph.find(BN)
    if not norms:
        fail(mistakes.nothing_to_check("BatchNormalization layer"))
    return norms


def expect_skip_before_final_relu(structure: BlockStructure, z_name: str) -> None:
    """Checks that the Add comes before the final ReLU and feeds it, and the ReLU is the output."""
    graph = structure.graph
    if structure.add is None:
        fail(mistakes.no_skip())
    if len(structure.adds) > 1:
        fail(mistakes.several_additions(len(structure.adds)))
    output = graph.outputs[0]
    if output is structure.add:
        if any(n.kind == RELU for n in structure.add.inputs):
            fail(mistakes.skip_after_final_relu())
        fail(mistakes.sum_without_relu())
    if not structure.add_feeds_final_relu:
        fail(mistakes.output_not_relu_of_add(output))


def expect_identity_skip(structure: BlockStructure) -> None:
    """Checks that the shortcut is a[l] itself: it starts at the block input and changes nothing."""
    expect_skip_from_block_input(structure)
    if structure.shortcut_path:
        fail(mistakes.shortcut_not_identity(structure.shortcut_path))


def expect_skip_from_block_input(structure: BlockStructure) -> None:
    """Checks that there is a skip connection and that it starts at the block input."""
    if structure.add is None:
        fail(mistakes.no_skip())
    if structure.skip_source is None or structure.skip_source is not structure.block_input:
        fail(mistakes.skip_from_intermediate(structure.skip_source))


def expect_no_baked_mode(structure: BlockStructure) -> None:
    """Checks that the block has BatchNormalization, none called with a fixed ``training``."""
    problem = mistakes.baked_mode_problem(_batchnorms(structure))
    if problem:
        fail(problem)


def expect_same_as_reference(
    submission, case, structure: BlockStructure, s, training: bool
) -> None:
    """Compares the block with the reference block, weights transplanted, on random inputs."""
    from grader.judge.reference import RoleError, compare_with_reference

    model = submission.model(case, fresh=True)
    fresh_structure = analyse_block(model)
    mode = (
        "a training-mode forward pass (batch statistics)"
        if training
        else "inference mode (moving averages)"
    )
    try:
        error = compare_with_reference(
            model,
            fresh_structure,
            case.input_shape,
            case.kwargs["f"],
            case.kwargs["filters"],
            s=s,
            training=training,
        )
    except RoleError as exc:
        fail(f"not compared with the lecture's block: {exc}. Fix the structure checks above first.")
    if not np.isfinite(error) or error > 1e-4:
        fail(
            "with the same weights as the lecture's block, your block's output differs from it "
            f"in {mode} (largest relative difference {error:.3g}). Check the order of the layers, "
            "the shortcut and where the Add and the final ReLU are."
        )


def _sizes(kernels) -> str:
    return ", ".join("×".join(str(k) for k in kernel) for kernel in kernels)


def block_checks(case, shape_hint: str, z_name: str) -> dict:
    """Makes the checks every residual-block exercise has, for one case.

    A check file binds them under their names (``globals().update(...)``), so that pytest collects
    them there and the judge files them under that file's exercise.

    Args:
        case: the exercise's case.
        shape_hint: what to say when z[l+2] and the shortcut cannot be added.
        z_name: the layer whose output is z[l+2] (``Dense`` or ``BatchNormalization``).

    Returns:
        The check functions by name: the block builds, and the skip is added before the final ReLU.
    """

    def test_builds_from_symbolic_input(submission):
        builds(submission, case, shape_hint)

    def test_skip_is_added_before_final_relu(block):
        expect_skip_before_final_relu(block, z_name)

    return _by_name(test_builds_from_symbolic_input, test_skip_is_added_before_final_relu)


def bottleneck_checks(case, s: int | None) -> dict:
    """Makes the checks the identity and the convolutional block share, for one case.

    Args:
        case: the exercise's case (its ``f`` and ``filters`` are what the checks expect).
        s: the convolutional block's stride; None for the identity block.

    Returns:
        The check functions by name (see :func:`block_checks`): main path, kernels, filters,
        BatchNormalization axis and mode, and agreement with the lecture's block in both modes.
    """

    def test_main_path_is_conv_bn_relu_conv_bn_relu_conv_bn(block):
        expect_main_path(block, BOTTLENECK_MAIN_PATH, "BatchNormalization")

    def test_kernels_are_1x1_fxf_same_1x1(block):
        expect_kernels(block, case.kwargs["f"])

    def test_filters_are_f1_f2_f3_in_order(block):
        expect_filters(block, case.kwargs["filters"])

    def test_batchnorm_normalizes_channel_axis(block):
        expect_channel_axis_batchnorm(block)

    def test_no_batchnorm_mode_is_baked_in(block):
        expect_no_baked_mode(block)

    def test_matches_reference_in_inference_mode(submission, block):
        expect_same_as_reference(submission, case, block, s=s, training=False)

    def test_matches_reference_in_training_mode(submission, block):
        expect_same_as_reference(submission, case, block, s=s, training=True)

    return _by_name(
        test_main_path_is_conv_bn_relu_conv_bn_relu_conv_bn,
        test_kernels_are_1x1_fxf_same_1x1,
        test_filters_are_f1_f2_f3_in_order,
        test_batchnorm_normalizes_channel_axis,
        test_no_batchnorm_mode_is_baked_in,
        test_matches_reference_in_inference_mode,
        test_matches_reference_in_training_mode,
    )


def _by_name(*checks) -> dict:
    return {check.__name__: check for check in checks}
