"""The inputs on which the producer calls each exercise function, and how it wraps the result.

Every case is small and fixed, so artifacts are quick to build, save and judge, except the one
full-size ResNet-50, whose parameter count is itself a check. Its checks read only its graph, so its
artifact holds the structure alone (:func:`save_artifact`): no untrained weights to write, validate
and read back. The ``retrain`` case is not an exercise: it is a small ResNet assembled from the
student's own ``convolutional_block`` and ``identity_block``, which the judge trains from scratch
for a few seconds to see that the blocks can learn. The ``silence_residual_branches`` cases are
small ResNets of the lecture's blocks with seeded weights, which the student's function changes in
place; the judge builds the same network again to compare.

The producer (sandboxed, with the student's functions) calls :func:`build_case`; the judge reads
:data:`CASES` for the arguments it has to compare against (``f``, ``filters``, ``s``, ``classes``).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import zipfile
from typing import Any, Callable, Mapping

from grader.sandboxed.contract import CONFIG_ENTRY, METADATA_ENTRY


class CaseError(ValueError):
    """A function returned what its case cannot use: no tensor from its input, no model."""


@dataclasses.dataclass(frozen=True)
class Case:
    """One call of an exercise function on symbolic inputs.

    Attributes:
        exercise: the name of the graded exercise whose checks read this artifact.
        name: the case's name, unique within the exercise (the artifact is
            ``<exercise>__<name>.keras``).
        input_shape: the shape of one example (no batch dimension).
        kwargs: the keyword arguments passed to the function besides its input.
        uses: the student functions the case calls.
        weights: whether its artifact holds the weights; False where the checks read only the
            graph (the configuration alone is saved, see :func:`save_artifact`).
    """

    exercise: str
    name: str
    input_shape: tuple
    kwargs: Mapping[str, Any]
    uses: tuple[str, ...]
    weights: bool = True

    @property
    def file_name(self) -> str:
        """The artifact file name, e.g. ``identity_block__small.keras``."""
        return f"{self.exercise}__{self.name}.keras"

    def describe(self) -> str:
        """Returns the call in words, e.g. ``identity_block on a (8, 8, 12) input with f=3``."""
        if self.exercise == SILENCE_EXERCISE:
            batch_norm = (
                "random BN parameters and statistics"
                if self.kwargs["trained_batch_norm"]
                else "BN as Keras initializes it"
            )
            return (
                f"{self.exercise} on a small ResNet of the lecture's blocks (2 convolutional and 2 "
                f"identity blocks, {batch_norm})"
            )
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{'/'.join(self.uses)} on a {self.input_shape} input with {arguments}"


# The small retrain network: two stages of one convolutional and one identity block each.
RETRAIN_STAGES = (
    {"f": 3, "filters": [8, 8, 32], "s": 1},
    {"f": 3, "filters": [16, 16, 64], "s": 2},
)
RETRAIN_STEM_FILTERS = 16
RETRAIN_CLASSES = 6
RETRAIN_IMAGE_SIZE = 32

SILENCE_EXERCISE = "silence_residual_branches"
# The silencing network: the retrain network's stages, each a convolutional and an identity block.
SILENCE_IMAGE_SIZE = 16

CASES: tuple[Case, ...] = (
    Case("dense_residual_block", "small", (16,), {"units": 16}, ("dense_residual_block",)),
    Case(
        "identity_block", "small", (8, 8, 12), {"f": 3, "filters": [4, 6, 12]}, ("identity_block",)
    ),
    Case(
        "convolutional_block",
        "small",
        (8, 8, 6),
        {"f": 3, "filters": [4, 6, 12], "s": 2},
        ("convolutional_block",),
    ),
    Case("ResNet50", "full", (64, 64, 3), {"classes": 6}, ("ResNet50",), weights=False),
    Case(
        "train_resnet50",
        "retrain",
        (RETRAIN_IMAGE_SIZE, RETRAIN_IMAGE_SIZE, 3),
        {"stages": RETRAIN_STAGES, "classes": RETRAIN_CLASSES},
        ("convolutional_block", "identity_block"),
    ),
    # As the training cell finds them: every batch normalization as Keras initializes it.
    Case(
        SILENCE_EXERCISE,
        "fresh",
        (SILENCE_IMAGE_SIZE, SILENCE_IMAGE_SIZE, 3),
        {"seed": 11, "trained_batch_norm": False},
        (SILENCE_EXERCISE,),
    ),
    # Every gamma, beta and moving statistic away from its initial value, so a change to any shows.
    Case(
        SILENCE_EXERCISE,
        "trained_bn",
        (SILENCE_IMAGE_SIZE, SILENCE_IMAGE_SIZE, 3),
        {"seed": 12, "trained_batch_norm": True},
        (SILENCE_EXERCISE,),
    ),
)


def get_case(exercise: str, name: str) -> Case:
    """Returns one case.

    Raises:
        KeyError: if there is no such case.
    """
    for case in CASES:
        if case.exercise == exercise and case.name == name:
            return case
    raise KeyError(
        f"no case {name!r} for {exercise!r}; known: {[(c.exercise, c.name) for c in CASES]}"
    )


def save_artifact(case: Case, model, path) -> None:
    """Saves a case's model as a ``.keras`` file: whole, or its structure alone.

    Where ``case.weights`` is False, the archive holds Keras's ``config.json`` and
    ``metadata.json`` and no weights file: the judge rebuilds the graph from the configuration
    (:func:`grader.judge.artifacts.load_artifact`), with fresh weights.

    Args:
        case: the case the model was built for.
        model: the built model.
        path: the file to write; its name ends in ``.keras``.
    """
    if case.weights:
        model.save(path)
        return
    import keras

    metadata = {
        "keras_version": keras.__version__,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(METADATA_ENTRY, json.dumps(metadata))
        archive.writestr(CONFIG_ENTRY, json.dumps(keras.saving.serialize_keras_object(model)))


def build_case(
    case: Case,
    functions: Mapping[str, Callable],
    block_calls: list | None = None,
    returned: dict | None = None,
):
    """Calls the student's functions for one case and returns the resulting functional model.

    ResNet50 is built with the lecture's blocks in place of the student's (see
    :mod:`grader.sandboxed.block_calls`): its exercise is the network's assembly.
    ``silence_residual_branches`` is called on :func:`silencing_network` and that network, as the
    function left it, is the result.

    Args:
        case: the case to build.
        functions: the student's functions by name; must hold every name in ``case.uses``.
        block_calls: receives the block calls ResNet50 makes, even when its build fails.
        returned: receives, under the case's name, what a function that changes a network returned
            (see :func:`returned_text`).

    Returns:
        A ``keras.Model`` whose graph is the student's computation.

    Raises:
        CaseError: if a function is missing or returns something that is not built from its input.
        Exception: whatever the student's code raises while building.
    """
    import keras

    from grader.sandboxed.block_calls import lecture_blocks_recorded

    missing = [name for name in case.uses if not callable(functions.get(name))]
    if missing:
        raise CaseError(f"no function named {', '.join(missing)} is defined")
    if case.exercise == SILENCE_EXERCISE:
        model = silencing_network(case)
        value = functions[SILENCE_EXERCISE](model)
        if returned is not None:
            returned[case.name] = returned_text(value)
        return model
    if case.exercise == "ResNet50":
        network = functions["ResNet50"]
        with lecture_blocks_recorded(network, [] if block_calls is None else block_calls):
            model = network(input_shape=case.input_shape, **case.kwargs)
        if not isinstance(model, keras.Model) or not getattr(model, "outputs", None):
            raise CaseError(
                f"ResNet50 returned {type(model).__name__}, not a functional keras.Model: "
                "finish with model = Model(inputs=X_input, outputs=X) and return model"
            )
        return model
    inputs = keras.Input(
        shape=case.input_shape, name="a_prev" if len(case.input_shape) == 1 else "X"
    )
    if case.name == "retrain":
        outputs = _retrain_network(inputs, functions, case)
    else:
        outputs = _checked_output(
            case.uses[0], functions[case.uses[0]](inputs, **case.kwargs), inputs
        )
    return keras.Model(inputs, outputs, name=f"{case.exercise}__{case.name}")


def silencing_network(case: Case):
    """Builds the network of a ``silence_residual_branches`` case, its weights drawn from its seed.

    The judge calls it too: the same case gives the same network, weight for weight.

    Args:
        case: a ``silence_residual_branches`` case.

    Returns:
        A small ResNet of the lecture's blocks (two convolutional and two identity blocks).
    """
    from grader.sandboxed.lecture_blocks import set_seeded_weights, small_resnet

    model = small_resnet(case.input_shape, RETRAIN_STAGES, RETRAIN_STEM_FILTERS, RETRAIN_CLASSES)
    set_seeded_weights(model, case.kwargs["seed"], case.kwargs["trained_batch_norm"])
    return model


def returned_text(value) -> str:
    """What a function returned, as the manifest records it: an integer's digits, else its type.

    Args:
        value: the returned object (the student's; only its type and an integer's value are read).

    Returns:
        ``"4"`` for an integer (a NumPy one too), ``"None"``, or ``"<type name>"``, e.g.
        ``"<float>"``; never longer than 100 characters.
    """
    import numbers

    if value is None:
        return "None"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        number = int(value)
        if abs(number) < 10**9:
            return str(number)
    return f"<{type(value).__name__[:90]}>"


def _retrain_network(inputs, functions: Mapping[str, Callable], case: Case):
    """Builds a small ResNet of the student's blocks.

    A strided conv stem, then per stage a convolutional and an identity block, then a softmax.
    """
    from keras import layers

    x = layers.Conv2D(RETRAIN_STEM_FILTERS, 3, strides=2, padding="same", name="stem_conv")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    for stage in case.kwargs["stages"]:
        x = _checked_output(
            "convolutional_block",
            functions["convolutional_block"](
                x, f=stage["f"], filters=list(stage["filters"]), s=stage["s"]
            ),
            inputs,
        )
        x = _checked_output(
            "identity_block",
            functions["identity_block"](x, f=stage["f"], filters=list(stage["filters"])),
            inputs,
        )
    x = layers.GlobalAveragePooling2D(name="head_pool")(x)
    return layers.Dense(case.kwargs["classes"], activation="softmax", name="head_softmax")(x)


def _checked_output(function_name: str, output, inputs):
    """Returns ``output`` if it is a symbolic tensor computed from ``inputs``; raises otherwise."""
    import keras

    if not isinstance(output, keras.KerasTensor):
        raise CaseError(
            f"{function_name} returned {type(output).__name__}, not a symbolic tensor built from "
            "its input: apply Keras layers to X (a keras.Input here) and return the result, "
            "without computing values in advance"
        )
    if not _depends_on(output, inputs):
        raise CaseError(
            f"{function_name} returned a tensor that does not depend on its input X: build the "
            "block by applying layers to X itself, not to a tensor prepared elsewhere"
        )
    return output


def _depends_on(output, inputs) -> bool:
    """True when ``inputs`` is among the tensors ``output`` was computed from."""
    target = id(inputs._keras_history[0])
    seen = set()
    pending = [output]
    while pending:
        tensor = pending.pop()
        history = getattr(tensor, "_keras_history", None)
        if history is None:
            continue
        operation, node_index, _ = history
        if id(operation) == target:
            return True
        key = (id(operation), node_index)
        if key in seen:
            continue
        seen.add(key)
        pending.extend(operation._inbound_nodes[node_index].input_tensors)
    return False
