"""The serialized objects a layer's configuration may hold, and what a refused one is told.

Keras rebuilds every ``{"module": ..., "class_name": ...}`` object it meets in a configuration by
importing the module and calling the class. Only Keras's own initializers, regularizers,
constraints and dtype policies may appear inside a layer's options; anything else is refused
with a message that names it.
"""

from __future__ import annotations

import importlib.util

from grader.judge.validation.errors import ModelFileError
from resnet_course import mistakes

_INITIALIZERS = (
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
)
ALLOWED_OBJECTS = frozenset(
    {("keras.initializers", name) for name in _INITIALIZERS}
    | {("keras.regularizers", name) for name in ("L1", "L2", "L1L2", "OrthogonalRegularizer")}
    | {("keras.constraints", name) for name in ("MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm")}
    | {("keras", "DTypePolicy"), ("keras", "FloatDTypePolicy")}
)
#: Dtype policies a layer may compute in, and the bytes of each variable it then creates.
VARIABLE_BYTES = {
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "float64": 8,
    "mixed_float16": 4,
    "mixed_bfloat16": 4,
}
#: Dtypes an input may declare.
INPUT_DTYPES = frozenset(
    {"float16", "float32", "float64", "bfloat16", "uint8", "int8", "int16", "int32", "int64"}
)
# Values of the special kinds Keras serializes without a module: a tuple.
_TUPLE = "__tuple__"


def refuse_foreign(class_name: object, module: object, registered: object) -> None:
    """Raises the message for an object that is not one of Keras's own layers or options.

    Args:
        class_name: the object's ``class_name``.
        module: its ``module``.
        registered: its ``registered_name``.

    Raises:
        ModelFileError: always.
    """
    if class_name == "Lambda":
        raise ModelFileError(
            "the model has a Lambda layer: loading it would run Python code from the file, and the "
            "grader runs none. Use Keras's own layers (layers.ReLU, layers.Add, ...) or keras.ops "
            "(keras.ops.relu, x + y) instead."
        )
    if class_name == "TFSMLayer":
        raise ModelFileError(
            "the model wraps a TensorFlow SavedModel (TFSMLayer), which the grader does not load. "
            "Save the Keras model itself with model.save('resnet50_signs.keras')."
        )
    if registered not in (None, class_name) or not isinstance(module, str):
        raise ModelFileError(
            f"the model holds a custom class {class_name!r} (registered as {registered!r}): a "
            "class of your own cannot be rebuilt without running your code. Build the model from "
            "keras.layers and keras.ops only."
        )
    if isinstance(module, str) and not (module == "keras" or module.startswith("keras.")):
        if _students_own(module):
            raise ModelFileError(mistakes.custom_class(str(class_name)))
        raise ModelFileError(
            f"the model names {class_name!r} from module {module!r}, which is not part of Keras: "
            "only Keras's own layers and operations are loaded."
        )
    raise ModelFileError(
        f"the model uses {module}.{class_name}, which the grader does not load: a ResNet needs "
        "only Conv2D, BatchNormalization, ReLU or Activation, Add, pooling, Flatten and Dense "
        "(and keras.ops for relu and +)."
    )


def check_options(value: object, where: str, depth: int, max_depth: int) -> None:
    """Accepts a layer option: JSON scalars, lists of them, and Keras's own option objects.

    Args:
        value: the option's value.
        where: the option's name, for messages.
        depth: how deep in the configuration the value lies.
        max_depth: how deep it may lie.

    Raises:
        ModelFileError: for any object that is not allowed, or nesting past ``max_depth``.
    """
    if depth > max_depth:
        raise ModelFileError(f"the option {where} nests deeper than {max_depth} levels")
    if isinstance(value, list):
        for item in value:
            check_options(item, where, depth + 1, max_depth)
    elif isinstance(value, dict):
        class_name = value.get("class_name")
        if class_name is None:
            for key, item in value.items():
                check_options(item, f"{where}.{key}", depth + 1, max_depth)
            return
        if class_name == _TUPLE and set(value) <= {"class_name", "config"}:
            check_options(value.get("config"), where, depth + 1, max_depth)
            return
        module, registered = value.get("module"), value.get("registered_name")
        named = all(isinstance(n, (str, type(None))) for n in (module, class_name, registered))
        if not named or (module, class_name) not in ALLOWED_OBJECTS:
            refuse_foreign(class_name, module, registered)
        if registered not in (None, class_name):
            refuse_foreign(class_name, module, registered)
        check_options(value.get("config"), where, depth + 1, max_depth)
    elif not (value is None or isinstance(value, (str, int, float, bool))):
        raise ModelFileError(f"the option {where} holds {type(value).__name__}")


def variable_bytes(dtype: object) -> int:
    """Returns the bytes of one weight of a layer computing in ``dtype`` (a policy or a name).

    Raises:
        ModelFileError: for a dtype policy a plain Keras layer does not use (quantized ones).
    """
    if dtype is None:
        return 4
    name = dtype
    if isinstance(dtype, dict):
        if dtype.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy"):
            refuse_foreign(
                dtype.get("class_name"), dtype.get("module"), dtype.get("registered_name")
            )
        config = dtype.get("config")
        name = config.get("name") if isinstance(config, dict) else None
    if not isinstance(name, str) or name not in VARIABLE_BYTES:
        raise ModelFileError(f"the dtype policy {name!r} is not one a plain Keras layer uses")
    return VARIABLE_BYTES[name]


def _students_own(module: str) -> bool:
    """Whether ``module`` is the notebook's own (``__main__``) or no module the judge can find."""
    top = module.split(".")[0]
    if top == "__main__":
        return True
    try:
        return importlib.util.find_spec(top) is None
    except (ImportError, ValueError):
        return True
