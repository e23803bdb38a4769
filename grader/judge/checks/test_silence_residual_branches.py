"""Hidden checks of silence_residual_branches(model), the zero-gamma start.

The producer called the student's function on two small ResNets of the lecture's blocks and saved
each network as the function left it. Here the same networks are built again from their seeds,
the reference function silences a copy, and the two are compared weight for weight: the student's
code never runs in the judge. One network is as Keras initializes it (as the training cell finds
it); in the other every BatchNormalization's gamma, beta and statistics are away from their
initial values, so that a change to the wrong one shows.
"""

import numpy as np
import pytest

from grader.judge.checks.blockcheck import fail
from grader.sandboxed.cases import SILENCE_EXERCISE, get_case, silencing_network
from grader.sandboxed.contract import NOT_CHECKED
from resnet_course import mistakes, training, zero_gamma

FRESH = get_case(SILENCE_EXERCISE, "fresh")
TRAINED_BN = get_case(SILENCE_EXERCISE, "trained_bn")
IMAGES = np.random.default_rng(7).random((4,) + FRESH.input_shape, dtype=np.float32)


def _changes(submission, case):
    """What the student's function changed in the case's network, and the blocks it should have."""
    problem = submission.build_problem(case)
    if problem:
        fail(mistakes.build_error_problem(case.exercise, problem) or f"{NOT_CHECKED}{problem}")
    model = submission.model(case)
    reference = silencing_network(case)
    if [type(layer) for layer in model.layers] != [type(layer) for layer in reference.layers]:
        fail(
            "the network's layers are not the ones the function was given: change the weights "
            "of the existing layers in place and add or remove none."
        )
    weights = [layer.get_weights() for layer in reference.layers]
    expected = training.zero_init_residual_branches(reference)
    return model, zero_gamma.compare_silencing(model, weights), expected


@pytest.fixture(scope="module")
def trained_bn(submission):
    return _changes(submission, TRAINED_BN)


@pytest.fixture(scope="module")
def fresh(submission):
    return _changes(submission, FRESH)


def test_last_main_path_gammas_are_zero(trained_bn):
    _, changes, expected = trained_bn
    if len(changes.silenced) != expected:
        fail(zero_gamma.silencing_problem(changes))


def test_shortcut_batchnorm_is_unchanged(trained_bn):
    _, changes, _ = trained_bn
    if changes.shortcut_changed:
        fail(mistakes.silenced_shortcut(changes.shortcut_changed))


def test_beta_and_statistics_are_unchanged(trained_bn):
    _, changes, _ = trained_bn
    if changes.beta_changed:
        fail(mistakes.silenced_beta(changes.beta_changed))
    if changes.statistics_changed:
        fail(mistakes.changed_statistics(changes.statistics_changed))


def test_every_other_weight_is_unchanged(trained_bn):
    _, changes, _ = trained_bn
    if changes.other_bn_silenced:
        fail(mistakes.silenced_every_batchnorm(changes.other_bn_silenced))
    if changes.kernels_zeroed:
        fail(mistakes.zeroed_kernel(changes.kernels_zeroed))
    if changes.other_changed:
        fail(mistakes.changed_other_weights(changes.other_changed))


def test_identity_blocks_compute_their_input(fresh, trained_bn):
    model, changes, _ = fresh
    wrong = zero_gamma.identity_blocks_not_identity(model, IMAGES)
    if wrong:
        # The network with trained BN parameters shows which one was changed; the fresh one says
        # little (beta is already 0 there).
        _, trained_changes, _ = trained_bn
        fail(
            zero_gamma.silencing_problem(trained_changes)
            or zero_gamma.silencing_problem(changes)
            or mistakes.identity_block_not_identity(wrong)
        )


def test_returns_number_of_blocks_changed(submission, fresh, trained_bn):
    record = submission.manifest.exercises[SILENCE_EXERCISE]
    for case, (_, _, expected) in ((FRESH, fresh), (TRAINED_BN, trained_bn)):
        returned = record.returned.get(case.name, "None")
        if returned != str(expected):
            fail(mistakes.silencing_count(returned, expected))
