"""The hidden checks of silence_residual_branches judge planted mistakes right.

The reference function and one function per likely mistake are built into artifact directories in
this process (as the producer would build them), then one judge process judges all of them. Each
mistake must fail exactly its checks, with the message that names it in the lecture's terms.
"""

import pytest
from corpus import harness

from instructor.run_reference import SOLUTION_NOTEBOOK, cell_sources

EXERCISE = "silence_residual_branches"
CASES = ("fresh", "trained_bn")
HEADER = """
import numpy as np
from keras import layers
from resnet_course.blocks import residual_blocks


def last_bn(block):
    return [layer for layer in block.main_path if isinstance(layer, layers.BatchNormalization)][-1]


def zero_gamma(layer):
    layer.gamma.assign(np.zeros(layer.gamma.shape))
"""
GAMMA = "test_last_main_path_gammas_are_zero"
SHORTCUT = "test_shortcut_batchnorm_is_unchanged"
BETA = "test_beta_and_statistics_are_unchanged"
OTHER = "test_every_other_weight_is_unchanged"
IDENTITY = "test_identity_blocks_compute_their_input"
COUNT = "test_returns_number_of_blocks_changed"
ALL_CHECKS = {GAMMA, SHORTCUT, BETA, OTHER, IDENTITY, COUNT}

#: name -> (the function's body, the checks it fails, what their messages say)
MISTAKES = {
    "zeroed_the_shortcut_bn": (
        """
    for block in residual_blocks(model):
        for layer in (last_bn(block),) + tuple(block.shortcut):
            if isinstance(layer, layers.BatchNormalization):
                zero_gamma(layer)
    return len(residual_blocks(model))""",
        {SHORTCUT},
        "the projection must keep its gamma",
    ),
    "zeroed_beta_instead_of_gamma": (
        """
    for block in residual_blocks(model):
        gamma, beta, mean, variance = last_bn(block).get_weights()
        last_bn(block).set_weights([gamma, np.zeros_like(beta), mean, variance])
    return len(residual_blocks(model))""",
        {GAMMA, BETA, IDENTITY},
        "Set gamma (the layer's first weight, layer.gamma) to zero and leave beta",
    ),
    "zeroed_every_bn": (
        """
    changed = 0
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            zero_gamma(layer)
            changed += 1
    return changed""",
        {SHORTCUT, OTHER, COUNT},
        "which is not the last BatchNormalization of a main path",
    ),
    "zeroed_the_conv_kernel": (
        """
    for block in residual_blocks(model):
        conv = [layer for layer in block.main_path if isinstance(layer, layers.Conv2D)][-1]
        kernel, bias = conv.get_weights()
        conv.set_weights([np.zeros_like(kernel), bias])
    return len(residual_blocks(model))""",
        {GAMMA, OTHER},
        "Small weights do not silence a branch",
    ),
    "only_the_identity_blocks": (
        """
    identity = [block for block in residual_blocks(model) if not block.shortcut]
    for block in identity:
        zero_gamma(last_bn(block))
    return len(identity)""",
        {GAMMA, COUNT},
        "but not in the convolutional blocks",
    ),
    "changed_nothing": (
        """
    return len(residual_blocks(model))""",
        {GAMMA, IDENTITY},
        "no weight of the network changed",
    ),
    "changed_the_moving_statistics": (
        """
    for block in residual_blocks(model):
        gamma, beta, mean, variance = last_bn(block).get_weights()
        last_bn(block).set_weights(
            [np.zeros_like(gamma), beta, np.zeros_like(mean), np.ones_like(variance)]
        )
    return len(residual_blocks(model))""",
        {BETA},
        "the moving mean or variance of the main path's last BatchNormalization changed",
    ),
    "returned_nothing": (
        """
    for block in residual_blocks(model):
        zero_gamma(last_bn(block))""",
        {COUNT},
        "returned nothing (None)",
    ),
    "raised": (
        """
    raise NotImplementedError()""",
        ALL_CHECKS,
        "silence_residual_branches is not written yet",
    ),
}


def _source(body: str) -> str:
    return HEADER + "\n\ndef silence_residual_branches(model):" + body + "\n"


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    root = tmp_path_factory.mktemp("silence")
    solution = cell_sources(SOLUTION_NOTEBOOK)[EXERCISE]
    sources = {"solution": HEADER + "\n\n" + solution}
    sources.update({name: _source(body) for name, (body, _, _) in MISTAKES.items()})
    dirs = [
        harness.make_artifacts(source, (EXERCISE,), root / name, case_names=CASES)
        for name, source in sources.items()
    ]
    return harness.judge_in_one_process(dirs, root / "verdicts", timeout_s=600)


def _failed(verdict) -> dict:
    return {
        check["test"]: check
        for check in verdict["checks"]
        if check["exercise"] == EXERCISE and not check["passed"]
    }


def test_reference_solution_passes_every_check(verdicts):
    failed = _failed(verdicts["solution"])
    assert failed == {}, {name: check["message"] for name, check in failed.items()}


def test_every_check_of_the_exercise_was_judged(verdicts):
    judged = {c["test"] for c in verdicts["solution"]["checks"] if c["exercise"] == EXERCISE}
    assert judged == ALL_CHECKS


@pytest.mark.parametrize("mistake", MISTAKES)
def test_mistake_fails_exactly_its_checks(verdicts, mistake):
    failed = _failed(verdicts[mistake])
    assert set(failed) == MISTAKES[mistake][1], {n: c["message"] for n, c in failed.items()}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_mistake_message_names_the_mistake(verdicts, mistake):
    messages = " | ".join(check["message"] for check in _failed(verdicts[mistake]).values())
    assert MISTAKES[mistake][2] in messages, messages


@pytest.mark.parametrize("mistake", MISTAKES)
def test_mistake_is_no_grader_error(verdicts, mistake):
    assert [c["test"] for c in verdicts[mistake]["checks"] if c["grader_error"]] == []
