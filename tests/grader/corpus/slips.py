"""Real slips the hidden checks must catch, each on its own exercise and no other.

Each entry rewrites one function of the corpus's reference solution with a mistake students make,
or with a construction the grader cannot read (a layer class of one's own, a Lambda), whose message
must say why and what to write instead.
"""

from __future__ import annotations

from corpus.mutations import (
    BLOCK_NUMERIC,
    DR_ALL,
    ID_ALL,
    RESNET_ALL,
    _mistake,
    rewrite,
)

DENSE_WIDTHS = "test_dense_layers_are_units_wide_with_biases"

WIDE_HIDDEN_LAYER_DENSE = """
def dense_residual_block(a_prev, units, initializer=glorot_uniform):
    a1 = layers.ReLU()(layers.Dense(2 * units, kernel_initializer=initializer(seed=0))(a_prev))
    z2 = layers.Dense(units, kernel_initializer=initializer(seed=1))(a1)
    return layers.ReLU()(layers.Add()([z2, a_prev]))
"""

NO_BIAS_DENSE = """
def dense_residual_block(a_prev, units, initializer=glorot_uniform):
    a1 = layers.ReLU()(layers.Dense(units, kernel_initializer=initializer(seed=0))(a_prev))
    z2 = layers.Dense(units, use_bias=False, kernel_initializer=initializer(seed=1))(a1)
    return layers.ReLU()(layers.Add()([z2, a_prev]))
"""

SIGMOID_DENSE = """
def dense_residual_block(a_prev, units, initializer=glorot_uniform):
    z1 = layers.Dense(units, kernel_initializer=initializer(seed=0))(a_prev)
    a1 = layers.Activation('sigmoid')(z1)
    z2 = layers.Dense(units, kernel_initializer=initializer(seed=1))(a1)
    return layers.ReLU()(layers.Add()([z2, a_prev]))
"""

RETURNS_INPUT_DENSE = """
def dense_residual_block(a_prev, units, initializer=glorot_uniform):
    return a_prev
"""

RETURNS_INPUT_IDENTITY = """
def identity_block(X, f, filters, initializer=glorot_uniform):
    return X
"""

RELU_ONLY_IDENTITY = """
def identity_block(X, f, filters, initializer=glorot_uniform):
    return layers.ReLU()(X)
"""

RELU_INSIDE_SEQUENTIAL_IDENTITY = """
def identity_block(X, f, filters, initializer=glorot_uniform):
    F1, F2, F3 = filters
    main_path = keras.Sequential([
        layers.Conv2D(F1, 1, kernel_initializer=initializer(seed=0)),
        layers.BatchNormalization(axis=3),
        layers.ReLU(),
        layers.Conv2D(F2, f, padding='same', kernel_initializer=initializer(seed=0)),
        layers.BatchNormalization(axis=3),
        layers.ReLU(),
        layers.Conv2D(F3, 1, kernel_initializer=initializer(seed=0)),
        layers.BatchNormalization(axis=3),
        layers.ReLU(),
    ])
    return layers.ReLU()(layers.Add()([main_path(X), X]))
"""

ONE_SIDED_PADDING_IDENTITY = """
def identity_block(X, f, filters, initializer=glorot_uniform):
    F1, F2, F3 = filters
    X_shortcut = X
    X = layers.ReLU()(layers.BatchNormalization(axis=3)(
        layers.Conv2D(F1, 1, kernel_initializer=initializer(seed=0))(X)))
    X = layers.ZeroPadding2D(padding=((0, f - 1), (0, f - 1)))(X)
    X = layers.Conv2D(F2, f, kernel_initializer=initializer(seed=0))(X)
    X = layers.ReLU()(layers.BatchNormalization(axis=3)(X))
    X = layers.Conv2D(F3, 1, kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    return layers.ReLU()(layers.Add()([X, X_shortcut]))
"""

CUSTOM_LAYER_IDENTITY = """
class IdentityBlock(layers.Layer):
    def __init__(self, f, filters, **kwargs):
        super().__init__(**kwargs)
        F1, F2, F3 = filters
        self.convs = [
            layers.Conv2D(F1, 1), layers.Conv2D(F2, f, padding='same'), layers.Conv2D(F3, 1)
        ]
        self.norms = [layers.BatchNormalization(axis=3) for _ in range(3)]

    def call(self, X, training=None):
        shortcut = X
        for position, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            X = norm(conv(X), training=training)
            if position < 2:
                X = keras.ops.relu(X)
        return keras.ops.relu(X + shortcut)


def identity_block(X, f, filters, initializer=glorot_uniform):
    return IdentityBlock(f, filters)(X)
"""

LAMBDA_IDENTITY = """
def identity_block(X, f, filters, initializer=glorot_uniform):
    F1, F2, F3 = filters
    X_shortcut = X
    X = layers.Conv2D(F1, 1, kernel_initializer=initializer(seed=0))(X)
    X = layers.Lambda(lambda t: keras.ops.relu(t))(layers.BatchNormalization(axis=3)(X))
    X = layers.Conv2D(F2, f, padding='same', kernel_initializer=initializer(seed=0))(X)
    X = layers.ReLU()(layers.BatchNormalization(axis=3)(X))
    X = layers.Conv2D(F3, 1, kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    return layers.ReLU()(X + X_shortcut)
"""

UNANSWERED_IDENTITY = """
def identity_block(X, f, filters, initializer=glorot_uniform):
    F1, F2, F3 = filters
    X_shortcut = X

    # YOUR CODE HERE
    raise NotImplementedError()
    return X
"""

RELU_ON_SHORTCUT_CONVOLUTIONAL = """
def convolutional_block(X, f, filters, s=2, initializer=glorot_uniform):
    F1, F2, F3 = filters
    shortcut = layers.ReLU()(layers.BatchNormalization(axis=3)(
        layers.Conv2D(F3, 1, strides=s, kernel_initializer=initializer(seed=0))(X)))
    X = layers.ReLU()(layers.BatchNormalization(axis=3)(
        layers.Conv2D(F1, 1, strides=s, kernel_initializer=initializer(seed=0))(X)))
    X = layers.ReLU()(layers.BatchNormalization(axis=3)(
        layers.Conv2D(F2, f, padding='same', kernel_initializer=initializer(seed=0))(X)))
    X = layers.Conv2D(F3, 1, kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    return layers.ReLU()(X + shortcut)
"""

SHORTCUT_BN_WRONG_AXIS_CONVOLUTIONAL = """
def convolutional_block(X, f, filters, s=2, initializer=glorot_uniform):
    F1, F2, F3 = filters
    shortcut = layers.BatchNormalization(axis=1)(
        layers.Conv2D(F3, 1, strides=s, kernel_initializer=initializer(seed=0))(X))
    X = layers.ReLU()(layers.BatchNormalization(axis=3)(
        layers.Conv2D(F1, 1, strides=s, kernel_initializer=initializer(seed=0))(X)))
    X = layers.ReLU()(layers.BatchNormalization(axis=3)(
        layers.Conv2D(F2, f, padding='same', kernel_initializer=initializer(seed=0))(X)))
    X = layers.Conv2D(F3, 1, kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    return layers.ReLU()(X + shortcut)
"""

STAGE_2_DEFAULT_STRIDE = (
    "X = convolutional_block(X, f=3, filters=[64, 64, 256], s=1)",
    "X = convolutional_block(X, f=3, filters=[64, 64, 256])",
)
STAGE_3_NARROW_IDENTITY = (
    "    X = identity_block(X, 3, [128, 128, 512])\n    X = identity_block",
    "    X = identity_block(X, 3, [128, 128, 256])\n    X = identity_block",
)
STAGE_4_STRIDE_1 = (
    "X = convolutional_block(X, f=3, filters=[256, 256, 1024], s=2)",
    "X = convolutional_block(X, f=3, filters=[256, 256, 1024], s=1)",
)
POOLING_WITHOUT_SIZE = (
    "X = layers.AveragePooling2D((2, 2))(X)",
    "X = layers.AveragePooling2D()(X)",
)
SIGMOID_HEAD = (
    "layers.Dense(classes, activation='softmax'",
    "layers.Dense(classes, activation='sigmoid'",
)

UNANSWERED_RESNET = """
def ResNet50(input_shape=(64, 64, 3), classes=6):
    X_input = keras.Input(input_shape)

    # YOUR CODE HERE
    raise NotImplementedError()

    return keras.Model(inputs=X_input, outputs=X, name="ResNet50")
"""


def _resnet(name, edit, fails, says):
    return _mistake(name, "ResNet50", [edit], fails, says, "ResNet-50 assembly", others=())


MISTAKES = (
    rewrite(
        "dr_hidden_layer_twice_as_wide",
        "dimensions",
        "dense_residual_block",
        WIDE_HIDDEN_LAYER_DENSE,
        [DENSE_WIDTHS],
        "has 32 units",
    ),
    rewrite(
        "dr_second_dense_without_bias",
        "dimensions",
        "dense_residual_block",
        NO_BIAS_DENSE,
        [DENSE_WIDTHS],
        "has no bias",
    ),
    rewrite(
        "dr_sigmoid_for_g",
        "main path",
        "dense_residual_block",
        SIGMOID_DENSE,
        ["test_main_path_is_dense_relu_dense", "test_output_equals_g_of_z_plus_a"],
        "fewer relu",
    ),
    rewrite(
        "dr_returns_its_input",
        "returns no block",
        "dense_residual_block",
        RETURNS_INPUT_DENSE,
        DR_ALL,
        "returns its input unchanged",
    ),
    rewrite(
        "id_returns_its_input",
        "returns no block",
        "identity_block",
        RETURNS_INPUT_IDENTITY,
        ID_ALL,
        "returns its input unchanged",
        others=("dense_residual_block", "convolutional_block", "ResNet50"),
    ),
    rewrite(
        "id_relu_of_its_input",
        "returns no block",
        "identity_block",
        RELU_ONLY_IDENTITY,
        ID_ALL - {"test_builds_from_symbolic_input", "test_output_shape_equals_input_shape"},
        "no BatchNormalization layer",
    ),
    rewrite(
        "id_relu_inside_sequential_main_path",
        "main path",
        "identity_block",
        RELU_INSIDE_SEQUENTIAL_IDENTITY,
        ["test_main_path_is_conv_bn_relu_conv_bn_relu_conv_bn", *BLOCK_NUMERIC],
        "before the Add",
    ),
    rewrite(
        "id_padding_on_one_side",
        "padding",
        "identity_block",
        ONE_SIDED_PADDING_IDENTITY,
        [
            "test_main_path_is_conv_bn_relu_conv_bn_relu_conv_bn",
            "test_kernels_are_1x1_fxf_same_1x1",
            *BLOCK_NUMERIC,
        ],
        "zeropad",
    ),
    rewrite(
        "id_custom_layer_class",
        "construction that cannot be graded",
        "identity_block",
        CUSTOM_LAYER_IDENTITY,
        ID_ALL,
        "a layer class of your own",
    ),
    rewrite(
        "id_lambda_layer",
        "construction that cannot be graded",
        "identity_block",
        LAMBDA_IDENTITY,
        ID_ALL,
        "Lambda layer",
    ),
    rewrite(
        "id_unanswered",
        "unanswered",
        "identity_block",
        UNANSWERED_IDENTITY,
        ID_ALL,
        "not written yet",
    ),
    rewrite(
        "cb_relu_on_shortcut",
        "shortcut",
        "convolutional_block",
        RELU_ON_SHORTCUT_CONVOLUTIONAL,
        ["test_shortcut_is_strided_1x1_conv_then_bn", *BLOCK_NUMERIC],
        "nothing else",
    ),
    rewrite(
        "cb_shortcut_bn_on_wrong_axis",
        "BatchNormalization",
        "convolutional_block",
        SHORTCUT_BN_WRONG_AXIS_CONVOLUTIONAL,
        ["test_batchnorm_normalizes_channel_axis", *BLOCK_NUMERIC],
        "not the channel axis",
    ),
    _resnet(
        "resnet_stage_2_left_at_default_stride",
        STAGE_2_DEFAULT_STRIDE,
        RESNET_ALL,
        "stage 2, block 1 (convolutional_block) runs with s=2",
    ),
    _resnet(
        "resnet_stage_3_identity_block_too_narrow",
        STAGE_3_NARROW_IDENTITY,
        RESNET_ALL,
        "stage 3, block 2 (identity_block) is called with filters=[128, 128, 256]",
    ),
    _resnet(
        "resnet_stage_4_at_stride_1",
        STAGE_4_STRIDE_1,
        ["test_parameter_count", "test_blocks_have_lecture_filters_and_strides"],
        "stage 4 needs s=2",
    ),
    _resnet(
        "resnet_average_pooling_without_size",
        POOLING_WITHOUT_SIZE,
        RESNET_ALL,
        "AveragePooling2D() has no pool size",
    ),
    _resnet("resnet_sigmoid_head", SIGMOID_HEAD, ["test_head_is_pool_flatten_softmax"], "sigmoid"),
    rewrite(
        "resnet_unanswered",
        "unanswered",
        "ResNet50",
        UNANSWERED_RESNET,
        RESNET_ALL,
        "ResNet50 is not written yet",
        others=(),
    ),
)
