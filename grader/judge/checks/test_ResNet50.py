"""Hidden checks of ResNet50(input_shape, classes).

The lecture's 50-layer network, stage by stage. The producer builds it with the lecture's blocks in
place of the student's (:mod:`grader.sandboxed.block_calls`): these checks grade the assembly, the
stem, the stages' blocks and their arguments, and the head; the blocks have exercises of their own.
"""

import pytest

from grader.judge.checks import blockcheck as bc
from grader.sandboxed.cases import get_case
from resnet_course import block_calls, mistakes, spec, stages
from resnet_course.graph import Graph
from resnet_course.network import analyse_graph

CASE = get_case("ResNet50", "full")
CLASSES = CASE.kwargs["classes"]


@pytest.fixture
def graph(submission):
    return Graph.from_model(submission.model(CASE))


@pytest.fixture
def network(graph):
    return analyse_graph(graph)


def test_builds_a_model(submission):
    problem = submission.build_problem(CASE)
    if problem:
        record = submission.manifest.exercises[CASE.exercise] if submission.manifest else None
        calls = record.block_calls if record is not None else []
        bc.fail(
            "ResNet50 could not be built: "
            f"{block_calls.build_problem(calls, problem, own_blocks=False)}"
        )
    bc.expect_some_layer(submission, CASE)


def test_output_shape_is_batch_by_classes(submission):
    shape = tuple(submission.model(CASE).output.shape)
    assert shape == (None, CLASSES), (
        f"with classes={CLASSES} the model's output shape is {shape}; it should be (None, "
        f"{CLASSES}): one probability per class for each image."
    )


def test_parameter_count(submission):
    count = submission.model(CASE).count_params()
    assert count == spec.PARAMETERS, mistakes.parameter_count(count)


def test_stem(graph):
    problem = mistakes.stem_problem(graph)
    assert not problem, problem


def test_stages_have_3_4_6_3_blocks(network):
    problem = stages.stages_problem(network)
    assert not problem, problem


def test_blocks_have_lecture_filters_and_strides(network):
    problems = stages.block_problems(network)
    assert not problems, "; ".join(problems[:4]) + ("; ..." if len(problems) > 4 else "") + "."


def test_every_addition_feeds_a_relu(graph):
    problem = stages.additions_problem(graph)
    assert not problem, problem


def test_head_is_pool_flatten_softmax(graph):
    problem = mistakes.head_problem(graph, CLASSES)
    assert not problem, problem
