"""Hidden checks of the training exercise: the handed-in model, a retrain of the blocks.

The saved model is judged on fixed subsets of the training set and of the grader's hidden split (see
:mod:`grader.judge.bars` for the bars and why subsets). The retrain check grades every submission,
including one that handed in no model: it trains a small ResNet made of the student's blocks from
scratch.
"""

import pytest

from grader.judge import bars, evaluation, retrain
from grader.sandboxed.cases import get_case
from grader.sandboxed.contract import NOT_CHECKED
from resnet_course import mistakes, spec, stages
from resnet_course.graph import Graph
from resnet_course.network import analyse_graph

RETRAIN_CASE = get_case("train_resnet50", "retrain")
CLASSES = spec.CLASSES
INPUT_SHAPE = spec.INPUT_SHAPE
BELOW_TRAINING_BAR = (
    "the saved model classifies {accuracy:.1%} of {count} training images correctly; the bar is "
    "{bar:.0%}. Train for the notebook's number of epochs and save the model afterwards."
)
BELOW_HIDDEN_BAR = (
    "on {count} images it has never seen, the saved model is right {accuracy:.1%} of the time; "
    "the bar is {bar:.0%}. A model that does much better on the training set is overfitting: "
    "train as the notebook does and keep the BatchNormalization statistics up to date."
)


def _architecture_problem(model) -> str:
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return (
            f"it has {len(model.inputs)} inputs and {len(model.outputs)} outputs, not one of each"
        )
    shapes = (tuple(model.input.shape), tuple(model.output.shape))
    if shapes != ((None,) + INPUT_SHAPE, (None, CLASSES)):
        return (
            f"it maps {shapes[0]} to {shapes[1]}, not {(None,) + INPUT_SHAPE} images to "
            f"{(None, CLASSES)} class probabilities"
        )
    graph = Graph.from_model(model)
    problem = (
        stages.stages_problem(analyse_graph(graph))
        or stages.additions_problem(graph)
        or mistakes.head_problem(graph, CLASSES)
    )
    if problem:
        return problem
    if model.count_params() != spec.PARAMETERS:
        return (
            f"it has {model.count_params():,} parameters, not the {spec.PARAMETERS:,} of this "
            "notebook's ResNet-50"
        )
    return ""


@pytest.fixture
def trained(submission):
    model = submission.trained_model()
    problem = _architecture_problem(model)
    if problem:
        pytest.fail(
            f"{NOT_CHECKED}the saved model is not this notebook's ResNet-50 ({problem}).",
            pytrace=False,
        )
    return model


def test_saved_model_is_resnet50(submission):
    problem = _architecture_problem(submission.trained_model())
    assert not problem, (
        f"resnet50_signs.keras is not this notebook's ResNet-50: {problem}. Save the model built "
        "by ResNet50() after training it."
    )


def test_training_accuracy_bar(trained):
    _expect_bar(trained, evaluation.training_subset(), bars.TRAINING_SET_BAR, BELOW_TRAINING_BAR)


def test_hidden_split_accuracy_bar(trained):
    _expect_bar(trained, evaluation.hidden_subset(), bars.HIDDEN_SPLIT_BAR, BELOW_HIDDEN_BAR)


def _expect_bar(model, subset, bar: float, below: str) -> None:
    images, labels = subset
    accuracy = evaluation.accuracy(model, images, labels)
    assert accuracy >= bar, below.format(accuracy=accuracy, count=len(labels), bar=bar)


def test_retrain_from_scratch_learns(submission):
    model = submission.model(RETRAIN_CASE)
    accuracy = retrain.retrain_accuracy(model, retrain.retrain_data())
    assert accuracy >= bars.RETRAIN_BAR, (
        "a small ResNet built from your convolutional_block and identity_block, trained from "
        f"scratch for {retrain.EPOCHS} epochs on {retrain.TRAIN_IMAGES} images, reached "
        f"{accuracy:.1%} test accuracy; the lecture's blocks clear {bars.RETRAIN_BAR:.0%} (chance "
        f"is {1 / CLASSES:.1%}). Blocks that pass the structure checks but do not learn usually "
        "add a[l] after the ReLU or drop the skip connection."
    )
