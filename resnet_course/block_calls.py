"""What a ResNet-50 function asks of its blocks: the calls, recorded, and compared with the spec.

A ResNet-50 that fails to build (a stage left at the default ``s=2``, the wrong filters for a stage)
leaves no model to read, only Keras's error from deep inside a block. The calls the function made
before the error say more: :func:`recording` wraps the ``convolutional_block`` and
``identity_block`` the function calls while it runs, and :func:`calls_problem` compares their
arguments with :func:`resnet_course.spec.block_calls` to name the stage and block at fault.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
from collections.abc import Iterator, Sequence

from resnet_course import mistakes, spec

BLOCK_FUNCTIONS = (spec.CONVOLUTIONAL_BLOCK, spec.IDENTITY_BLOCK)


@dataclasses.dataclass
class RecordedCall:
    """One call of a block function, as the network's function made it.

    Attributes:
        function: ``convolutional_block`` or ``identity_block``.
        f: the ``f`` argument, when it is an integer.
        filters: the ``filters`` argument, when it is a sequence of integers.
        s: the ``s`` argument (its default included) of a convolutional block.
        input_shape: the block input's shape without the batch dimension, when known.
        error: the exception the call raised, ``"TypeName: message"``; empty when it returned.
    """

    function: str
    f: int | None = None
    filters: tuple[int, ...] | None = None
    s: int | None = None
    input_shape: tuple | None = None
    error: str = ""


@contextlib.contextmanager
def recording(network_function) -> Iterator[list[RecordedCall]]:
    """Records the block calls ``network_function`` makes while the ``with`` block runs.

    The block functions are looked up, and wrapped, where the function looks them up: in its
    module's globals (a notebook's namespace). They are restored afterwards, whatever happens.

    Args:
        network_function: the student's ``ResNet50``.

    Yields:
        The list that receives one :class:`RecordedCall` per call, in call order.
    """
    namespace = getattr(network_function, "__globals__", None)
    calls: list[RecordedCall] = []
    originals = {
        name: namespace[name]
        for name in BLOCK_FUNCTIONS
        if isinstance(namespace, dict) and callable(namespace.get(name))
    }
    for name, function in originals.items():
        namespace[name] = _recorder(name, function, calls)
    try:
        yield calls
    finally:
        namespace.update(originals)


def _recorder(name: str, function, calls: list[RecordedCall]):
    @functools.wraps(function)
    def record(*args, **kwargs):
        __tracebackhide__ = True
        call = describe_call(name, function, args, kwargs)
        calls.append(call)
        try:
            return function(*args, **kwargs)
        except Exception as error:
            call.error = error_text(error)
            raise

    return record


def error_text(error: BaseException) -> str:
    """An exception as ``"TypeName: message"``, or its type's name alone when it has no message."""
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def describe_call(name: str, function, args: tuple, kwargs: dict) -> RecordedCall:
    """Reads a block call's arguments as the function's own signature binds them.

    Args:
        name: the block function's name.
        function: the function called (its defaults fill in what the call leaves out).
        args: the call's positional arguments.
        kwargs: the call's keyword arguments.

    Returns:
        The call; an argument that does not bind or is not what the exercise takes is None.
    """
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
        bound.apply_defaults()
        values = list(bound.arguments.values())
        arguments = dict(bound.arguments)
    except (TypeError, ValueError):
        values, arguments = list(args), dict(kwargs)
    block_input = values[0] if values else None
    shape = getattr(block_input, "shape", None)
    return RecordedCall(
        function=name,
        f=_integer(arguments.get("f")),
        filters=_integers(arguments.get("filters")),
        s=_integer(arguments.get("s")) if name == spec.CONVOLUTIONAL_BLOCK else None,
        input_shape=tuple(shape[1:]) if shape is not None else None,
    )


def _integer(value) -> int | None:
    try:
        return int(value) if int(value) == value else None
    except (TypeError, ValueError):
        return None


def _integers(value) -> tuple[int, ...] | None:
    try:
        numbers = tuple(_integer(v) for v in value)
    except TypeError:
        return None
    return None if None in numbers else numbers


def calls_problem(calls: Sequence) -> str:
    """Compares the recorded block calls with ResNet-50's, stage by stage and block by block.

    Args:
        calls: the calls, in order; any objects with the attributes of :class:`RecordedCall`
            (the grader's manifest holds the same fields).

    Returns:
        The first difference, naming the stage and block and saying what to write; '' when every
        call is ResNet-50's (or none was recorded: the blocks were written out in the function).
    """
    if not calls:
        return ""
    if calls[0].function != spec.CONVOLUTIONAL_BLOCK:
        return (
            f"the first block is {calls[0].function}; each stage starts with convolutional_block "
            f"(stage {spec.STAGES[0].number}: convolutional_block(X, f={spec.BLOCK_KERNEL}, "
            f"filters={list(spec.STAGES[0].filters)}, s={spec.STAGES[0].stride}))."
        )
    stages = _split_into_stages(calls)
    expected = spec.block_calls()
    for found, stage in zip(stages, spec.STAGES, strict=False):
        wanted = [call for call in expected if call.stage == stage.number]
        for call, want in zip(found, wanted, strict=False):
            problem = _call_problem(call, want)
            if problem:
                return problem
        if len(found) != len(wanted):
            return (
                f"stage {stage.number} has {len(found)} residual blocks; ResNet-50's stage "
                f"{stage.number} has {stage.blocks}: convolutional_block, then "
                f"{stage.blocks - 1} calls of "
                f"identity_block(X, {spec.BLOCK_KERNEL}, {list(stage.filters)})."
            )
    if len(stages) != len(spec.STAGES):
        return (
            f"the network has {len(stages)} stages (each starts with a call of "
            f"convolutional_block); ResNet-50 has {len(spec.STAGES)}, stages "
            f"{spec.STAGES[0].number} to {spec.STAGES[-1].number}."
        )
    return ""


def _split_into_stages(calls: Sequence) -> list[list]:
    stages: list[list] = []
    for call in calls:
        if call.function == spec.CONVOLUTIONAL_BLOCK or not stages:
            stages.append([])
        stages[-1].append(call)
    return stages


def _call_problem(call, want: spec.BlockCall) -> str:
    """What differs between one recorded call and the spec's, or ''."""
    where = want.label
    if call.filters is not None and tuple(call.filters) != want.filters:
        fix = ""
        if want.function == spec.IDENTITY_BLOCK:
            fix = (
                f" An identity block adds its input unchanged, so its F3 must be the "
                f"{want.input_shape[2]} channels it receives."
            )
        return (
            f"{where} is called with filters={list(call.filters)}; every block of stage "
            f"{want.stage} uses filters={list(want.filters)}.{fix}"
        )
    if call.f is not None and call.f != want.f:
        return f"{where} is called with f={call.f}; every block of ResNet-50 uses f={want.f}."
    if want.s is not None and call.s is not None and call.s != want.s:
        return f"{where} runs with s={call.s}; {mistakes.stage_stride_reason(want.stage, want.s)}"
    shape = tuple(call.input_shape) if call.input_shape is not None else None
    if shape is not None and None not in shape and shape != want.input_shape:
        before = (
            "the stem (zero-padding, the 7×7 convolution with stride 2, the 3×3 max pooling "
            "with stride 2)"
            if want.stage == spec.STAGES[0].number and want.index == 1
            else "what comes before it"
        )
        return (
            f"{where} receives a {shape} input; in ResNet-50 it receives {want.input_shape}: "
            f"check {before}."
        )
    return ""


def build_problem(calls: Sequence, error: str, own_blocks: bool) -> str:
    """Explains why a ResNet-50 function could not build its network, stage and block named.

    Args:
        calls: the block calls it made before the error (see :func:`calls_problem`).
        error: the error, ``"TypeName: message"``.
        own_blocks: whether the calls ran the student's own blocks (the public check) or the
            lecture's (the grader, which grades the blocks on their own exercises).

    Returns:
        What to fix first, then the error itself (shortened); the error alone when its cause is
        not known.
    """
    failed = next((call for call in reversed(calls) if call.error), None)
    expected = spec.block_calls()
    label = "a block"
    if failed is not None:
        position = next(i for i, call in enumerate(calls) if call is failed)
        label = expected[position].label if position < len(expected) else f"block {position + 1}"
    if own_blocks and failed is not None and "NotImplementedError" in failed.error:
        problem = f"{label}: {mistakes.unanswered(failed.function)}"
    else:
        problem = calls_problem(calls) or mistakes.build_error_problem("ResNet50", error)
    if not problem and failed is not None and own_blocks:
        shape = tuple(failed.input_shape) if failed.input_shape is not None else "an"
        problem = (
            f"{label}: your {failed.function} fails on its {shape} input, although ResNet50 calls "
            f"it as the lecture's does. Fix {failed.function} first: its own check says what is "
            "wrong."
        )
    stopped = " ".join(error.split())
    stopped = stopped if len(stopped) <= 400 else stopped[:397] + "..."
    return f"{problem}\n(The build stopped with: {stopped})" if problem else stopped
