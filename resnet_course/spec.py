"""ResNet-50 as the lecture defines it, in one place: stem, stages and head.

The notebook's public checks, the grader's hidden checks and the points table all read these
figures; none of them writes the stage table or the stem's settings again.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Stem:
    """The layers before the first residual block.

    Attributes:
        padding: the zero-padding on each side of the image.
        filters: the stem convolution's filters.
        kernel: the stem convolution's kernel size.
        stride: the stem convolution's stride.
        pool: the max pooling's window.
        pool_stride: the max pooling's stride.
        batchnorm_axis: the axis the stem's BatchNormalization normalizes (the channels).
    """

    padding: int = 3
    filters: int = 64
    kernel: int = 7
    stride: int = 2
    pool: int = 3
    pool_stride: int = 2
    batchnorm_axis: int = 3

    def output_size(self, size: int) -> int:
        """The height (or width) of the stem's output for an image of that height (or width)."""
        convolved = (size + 2 * self.padding - self.kernel) // self.stride + 1
        return (convolved - self.pool) // self.pool_stride + 1


@dataclasses.dataclass(frozen=True)
class Stage:
    """One stage: a convolutional block, then identity blocks, all with the same filters.

    Attributes:
        number: the stage's number in the lecture (2 to 5).
        filters: F1, F2 and F3 of every block of the stage.
        stride: the stride s of the stage's convolutional block.
        blocks: the number of residual blocks, the convolutional block included.
    """

    number: int
    filters: tuple[int, int, int]
    stride: int
    blocks: int

    @property
    def channels(self) -> int:
        """The channels every block of the stage outputs (F3)."""
        return self.filters[2]


@dataclasses.dataclass(frozen=True)
class Head:
    """The layers after the last residual block: average pooling, flatten, a softmax Dense layer.

    Attributes:
        pool: the average pooling's window.
    """

    pool: int = 2


INPUT_SHAPE = (64, 64, 3)
CLASSES = 6
#: The kernel size f of every block's middle convolution.
BLOCK_KERNEL = 3
STEM = Stem()
STAGES = (
    Stage(2, (64, 64, 256), 1, 3),
    Stage(3, (128, 128, 512), 2, 4),
    Stage(4, (256, 256, 1024), 2, 6),
    Stage(5, (512, 512, 2048), 2, 3),
)
HEAD = Head()
CONVOLUTIONAL_BLOCK = "convolutional_block"
IDENTITY_BLOCK = "identity_block"


@dataclasses.dataclass(frozen=True)
class BlockCall:
    """One block of ResNet-50 as the network's function builds it: which function, which arguments.

    Attributes:
        stage: the stage's number (2 to 5).
        index: the block's place in its stage, from 1 (the convolutional block).
        function: ``convolutional_block`` or ``identity_block``.
        f: the middle convolution's kernel size.
        filters: F1, F2 and F3.
        s: the convolutional block's stride; None for an identity block.
        input_shape: the block input's (height, width, channels) for :data:`INPUT_SHAPE`.
    """

    stage: int
    index: int
    function: str
    f: int
    filters: tuple[int, int, int]
    s: int | None
    input_shape: tuple[int, int, int]

    @property
    def label(self) -> str:
        """The block in words, e.g. ``stage 3, block 2 (identity_block)``."""
        return f"stage {self.stage}, block {self.index} ({self.function})"


def block_calls() -> tuple[BlockCall, ...]:
    """Returns ResNet-50's blocks in the order its function calls them, with their arguments."""
    size = STEM.output_size(INPUT_SHAPE[0])
    channels = STEM.filters
    calls = []
    for stage in STAGES:
        for index in range(1, stage.blocks + 1):
            first = index == 1
            calls.append(
                BlockCall(
                    stage=stage.number,
                    index=index,
                    function=CONVOLUTIONAL_BLOCK if first else IDENTITY_BLOCK,
                    f=BLOCK_KERNEL,
                    filters=stage.filters,
                    s=stage.stride if first else None,
                    input_shape=(size, size, channels),
                )
            )
            if first:
                size = (size - 1) // stage.stride + 1
            channels = stage.channels
    return tuple(calls)


#: Parameters for INPUT_SHAPE and CLASSES, the same as keras.applications.ResNet50 (a test checks
#: it).
PARAMETERS = 23_600_006
#: One addition per residual block.
ADDITIONS = sum(stage.blocks for stage in STAGES)
