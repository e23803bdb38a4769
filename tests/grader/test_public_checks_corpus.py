"""The notebook's public checks agree with the hidden checks on the whole grading corpus.

Every valid construction passes its exercise's public check, and every mistake fails it; for the
corpus's newer mistakes the student reads the same diagnosis as from the hidden checks.
"""

import pytest
from corpus import catalogue, mutations

from resnet_course import public_tests
from resnet_course.public_tests import CheckFailed

CHECKS = {
    "dense_residual_block": public_tests.check_dense_residual_block,
    "identity_block": public_tests.check_identity_block,
    "convolutional_block": public_tests.check_convolutional_block,
    "ResNet50": public_tests.check_ResNet50,
}
# Where the public check (on its own small inputs) words the same mistake differently.
PUBLIC_SAYS = {
    "dr_hidden_layer_twice_as_wide": "has 10 units",
    "dr_sigmoid_for_g": "dense -> activation -> dense",
    "id_relu_of_its_input": "no skip connection",
    "id_padding_on_one_side": "padding='valid'",
}


def _function(entry):
    namespace: dict = {"__name__": "corpus_submission"}
    exec(compile(entry.source(), "corpus_submission.py", "exec"), namespace)
    return namespace[entry.exercise]


@pytest.mark.parametrize("entry", catalogue.VALID, ids=lambda e: e.name)
def test_public_check_passes_valid_construction(entry, capsys):
    CHECKS[entry.exercise](_function(entry))
    assert "All checks passed" in capsys.readouterr().out


@pytest.mark.parametrize("entry", mutations.MISTAKES, ids=lambda e: e.name)
def test_public_check_fails_mistake(entry):
    with pytest.raises(CheckFailed):
        CHECKS[entry.exercise](_function(entry))


@pytest.mark.parametrize("entry", catalogue.NEW_MISTAKES, ids=lambda e: e.name)
def test_public_check_names_the_mistake_as_the_hidden_check_does(entry):
    with pytest.raises(CheckFailed) as failure:
        CHECKS[entry.exercise](_function(entry))
    assert PUBLIC_SAYS.get(entry.name, entry.says) in str(failure.value)
