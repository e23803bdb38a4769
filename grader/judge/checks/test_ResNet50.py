"""Hidden checks of ResNet50(input_shape, classes).

The lecture's 50-layer network, stage by stage.
"""

import pytest

from grader.judge.checks import blockcheck as bc
from grader.judge.checks import resnetcheck as rc
from grader.sandboxed.cases import get_case
from resnet_course import mistakes, spec
from resnet_course.graph import Graph

CASE = get_case("ResNet50", "full")
CLASSES = CASE.kwargs["classes"]


@pytest.fixture
def graph(submission):
    return Graph.from_model(submission.model(CASE))


def test_builds_a_model(submission):
    bc.builds(
        submission, CASE, "Check that each block's Add receives two tensors of the same shape."
    )


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


def test_stages_have_3_4_6_3_blocks(graph):
    problem = rc.stage_count_problem(rc.residual_blocks(graph))
    assert not problem, problem


def test_blocks_have_lecture_filters_and_strides(graph):
    problems = rc.block_problems(rc.residual_blocks(graph))
    assert not problems, "; ".join(problems[:4]) + ("; ..." if len(problems) > 4 else "") + "."


def test_every_addition_feeds_a_relu(graph):
    problem = rc.additions_problem(graph)
    assert not problem, problem


def test_head_is_pool_flatten_softmax(graph):
    problem = mistakes.head_problem(graph, CLASSES)
    assert not problem, problem
