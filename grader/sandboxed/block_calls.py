"""ResNet50 built with the lecture's blocks, its block calls recorded as data.

The ResNet50 exercise asks for the network's assembly: the stem, which block each stage calls with
which ``f``, ``filters`` and ``s``, and the head. While the student's ``ResNet50`` runs,
:func:`lecture_blocks_recorded` replaces the ``convolutional_block`` and ``identity_block`` it looks
up in its globals by the lecture's blocks, called with the arguments the student's own signature
binds (its defaults included). A mistake inside a block is then graded on that block's exercise
alone, and every call is recorded, so that a network that cannot be built still says which stage and
block asked for what.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator

from grader.sandboxed.contract import (
    BLOCK_FUNCTIONS,
    MAX_BLOCK_CALLS,
    MAX_CALL_ERROR_CHARS,
    BlockCall,
)
from grader.sandboxed.lecture_blocks import reference_block


@contextlib.contextmanager
def lecture_blocks_recorded(network_function, calls: list[BlockCall]) -> Iterator[None]:
    """Runs the ``with`` body with the lecture's blocks in place of the student's.

    Args:
        network_function: the student's ``ResNet50``; its globals are where its blocks are found.
        calls: receives one :class:`BlockCall` per block call (at most ``MAX_BLOCK_CALLS``).

    Yields:
        Nothing; the student's blocks are back in place afterwards, whatever happens.
    """
    namespace = getattr(network_function, "__globals__", None)
    originals = {
        name: namespace[name]
        for name in BLOCK_FUNCTIONS
        if isinstance(namespace, dict) and callable(namespace.get(name))
    }
    for name, student_block in originals.items():
        namespace[name] = _lecture_block(name, student_block, calls)
    try:
        yield
    finally:
        namespace.update(originals)


def _lecture_block(name: str, student_block, calls: list[BlockCall]):
    convolutional = name == "convolutional_block"

    def block(*args, **kwargs):
        arguments = inspect.signature(student_block).bind(*args, **kwargs)
        arguments.apply_defaults()
        values = arguments.arguments
        block_input = next(iter(values.values()), None)
        shape = getattr(block_input, "shape", None)
        call = BlockCall(
            function=name,
            f=_integer(values.get("f")),
            filters=_integers(values.get("filters")),
            s=_integer(values.get("s")) if convolutional else None,
            input_shape=[_integer(size) for size in shape[1:]] if shape is not None else None,
        )
        if len(calls) < MAX_BLOCK_CALLS:
            calls.append(call)
        try:
            return reference_block(
                block_input,
                values.get("f"),
                values.get("filters"),
                s=values.get("s") if convolutional else None,
            )
        except Exception as error:
            text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            call.error = text[:MAX_CALL_ERROR_CHARS]
            raise

    return block


def _integer(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number == value and abs(number) < 10**6 else None


def _integers(value) -> list[int] | None:
    try:
        numbers = [_integer(v) for v in value]
    except TypeError:
        return None
    return None if None in numbers or len(numbers) > 3 else numbers
