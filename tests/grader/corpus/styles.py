"""Correct constructions the hidden checks must grade full marks: real students' styles.

Each entry rewrites one function of the corpus's reference solution the way students write it:
sub-models, every spelling of the ReLU and of the addition, padding written out, loops, helper
functions, their own initializers, names or none. A careful grader gives each full marks.
"""

from __future__ import annotations

from corpus.mutations import rewrite

NESTED_SEQUENTIAL_IDENTITY = """
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
    ], name='main_path')
    return layers.ReLU()(layers.Add()([main_path(X), X]))
"""

FUNCTIONAL_SUBMODEL_CONVOLUTIONAL = """
def convolutional_block(X, f, filters, s=2, initializer=glorot_uniform):
    F1, F2, F3 = filters
    block_input = keras.Input(shape=X.shape[1:])
    main = layers.Conv2D(F1, 1, strides=s, kernel_initializer=initializer(seed=0))(block_input)
    main = layers.Activation('relu')(layers.BatchNormalization(axis=3)(main))
    main = layers.Conv2D(F2, f, padding='same', kernel_initializer=initializer(seed=0))(main)
    main = layers.Activation('relu')(layers.BatchNormalization(axis=3)(main))
    main = layers.BatchNormalization(axis=3)(
        layers.Conv2D(F3, 1, kernel_initializer=initializer(seed=0))(main))
    shortcut = layers.Conv2D(F3, 1, strides=s, kernel_initializer=initializer(seed=0))(block_input)
    shortcut = layers.BatchNormalization(axis=3)(shortcut)
    output = layers.Activation('relu')(layers.Add()([main, shortcut]))
    return keras.Model(block_input, output, name='conv_block')(X)
"""

SEQUENTIAL_SHORTCUT_CONVOLUTIONAL = """
def convolutional_block(X, f, filters, s=2, initializer=glorot_uniform):
    F1, F2, F3 = filters
    shortcut = keras.Sequential([
        layers.Conv2D(F3, 1, strides=s, kernel_initializer=initializer(seed=0)),
        layers.BatchNormalization(axis=3),
    ])(X)
    X = layers.Conv2D(F1, 1, strides=s, kernel_initializer=initializer(seed=0))(X)
    X = layers.ReLU()(layers.BatchNormalization(axis=3)(X))
    X = layers.Conv2D(F2, f, padding='same', kernel_initializer=initializer(seed=0))(X)
    X = layers.ReLU()(layers.BatchNormalization(axis=3)(X))
    X = layers.Conv2D(F3, 1, kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    return layers.ReLU()(X + shortcut)
"""

ZERO_PADDING_IDENTITY = """
def identity_block(X, f, filters, initializer=glorot_uniform):
    F1, F2, F3 = filters
    X_shortcut = X
    X = layers.Conv2D(F1, 1, padding='valid', kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.ReLU()(X)
    X = layers.ZeroPadding2D(padding=f // 2)(X)
    X = layers.Conv2D(F2, f, padding='valid', kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.ReLU()(X)
    X = layers.Conv2D(F3, 1, padding='valid', kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    return layers.ReLU()(layers.Add()([X, X_shortcut]))
"""

ZERO_PADDING_CONVOLUTIONAL = """
def convolutional_block(X, f, filters, s=2, initializer=glorot_uniform):
    F1, F2, F3 = filters
    X_shortcut = X
    X = layers.Conv2D(F1, (1, 1), strides=(s, s), kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.Activation('relu')(X)
    X = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(X)
    X = layers.Conv2D(F2, (f, f), kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.Activation('relu')(X)
    X = layers.Conv2D(F3, (1, 1), kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X_shortcut = layers.Conv2D(
        F3, (1, 1), strides=(s, s), kernel_initializer=initializer(seed=0)
    )(X_shortcut)
    X_shortcut = layers.BatchNormalization(axis=3)(X_shortcut)
    X = layers.Add()([X, X_shortcut])
    return layers.Activation('relu')(X)
"""

ACTIVATION_FUNCTION_IDENTITY = """
def identity_block(X, f, filters, initializer=glorot_uniform):
    F1, F2, F3 = filters
    X_shortcut = X
    X = layers.Conv2D(F1, 1, kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.Activation(keras.activations.relu)(X)
    X = layers.Conv2D(F2, f, padding='same', kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = keras.activations.relu(X)
    X = layers.Conv2D(F3, 1, kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    return keras.ops.maximum(layers.add([X_shortcut, X]), 0.0)
"""

LOOP_IDENTITY = """
def identity_block(X, f, filters, initializer=glorot_uniform):
    X_shortcut = X
    settings = [(filters[0], 1, 'valid'), (filters[1], f, 'same'), (filters[2], 1, 'valid')]
    for position, (count, kernel, padding) in enumerate(settings):
        X = layers.Conv2D(count, kernel, padding=padding, kernel_initializer=initializer(seed=0))(X)
        X = layers.BatchNormalization(axis=3)(X)
        if position < 2:
            X = layers.ReLU()(X)
    X = layers.Add()([X, X_shortcut])
    return layers.ReLU()(X)
"""

SAME_PADDING_ONE_BY_ONE_CONVOLUTIONAL = """
def convolutional_block(X, f, filters, s=2, initializer=glorot_uniform):
    F1, F2, F3 = filters
    X_shortcut = X
    X = layers.Conv2D(F1, 1, strides=s, padding='same', kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.ReLU()(X)
    init = initializer(seed=0)
    X = layers.Conv2D(F2, f, strides=[1, 1], padding='same', kernel_initializer=init)(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.ReLU()(X)
    X = layers.Conv2D(F3, 1, strides=1, padding='same', kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X_shortcut = layers.Conv2D(F3, 1, strides=s, padding='same', kernel_initializer=init)(
        X_shortcut
    )
    X_shortcut = layers.BatchNormalization(axis=3)(X_shortcut)
    return layers.ReLU()(layers.Add()([X, X_shortcut]))
"""

OWN_INITIALIZER_NO_BIAS_IDENTITY = """
def identity_block(X, f, filters, initializer=glorot_uniform):
    F1, F2, F3 = filters
    X_shortcut = layers.Identity()(X)
    X = layers.Conv2D(F1, 1, use_bias=False, kernel_initializer='he_normal')(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.ReLU()(X)
    X = layers.Conv2D(F2, f, padding='same', use_bias=False, kernel_initializer='he_normal')(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.ReLU()(X)
    he_normal = keras.initializers.HeNormal(seed=1)
    X = layers.Conv2D(F3, 1, use_bias=False, kernel_initializer=he_normal)(X)
    X = layers.BatchNormalization(axis=3)(X)
    return layers.ReLU()(layers.Add()([X, X_shortcut]))
"""

APPLICATIONS_STYLE_CONVOLUTIONAL = """
BLOCKS_BUILT = []


def convolutional_block(X, f, filters, s=2, initializer=glorot_uniform):
    F1, F2, F3 = filters
    BLOCKS_BUILT.append(filters)
    name = f'conv{len(BLOCKS_BUILT)}_block1'
    shortcut = layers.Conv2D(F3, 1, strides=s, name=name + '_0_conv')(X)
    shortcut = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + '_0_bn')(shortcut)
    X = layers.Conv2D(F1, 1, strides=s, name=name + '_1_conv')(X)
    X = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + '_1_bn')(X)
    X = layers.Activation('relu', name=name + '_1_relu')(X)
    X = layers.Conv2D(F2, f, padding='SAME', name=name + '_2_conv')(X)
    X = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + '_2_bn')(X)
    X = layers.Activation('relu', name=name + '_2_relu')(X)
    X = layers.Conv2D(F3, 1, name=name + '_3_conv')(X)
    X = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + '_3_bn')(X)
    X = layers.Add(name=name + '_add')([shortcut, X])
    return layers.Activation('relu', name=name + '_out')(X)
"""

SEQUENTIAL_DENSE = """
def dense_residual_block(a_prev, units, initializer=glorot_uniform):
    z2 = keras.Sequential([
        layers.Dense(units, kernel_initializer=initializer(seed=0)),
        layers.ReLU(),
        layers.Dense(units, kernel_initializer=initializer(seed=1)),
    ])(a_prev)
    return layers.ReLU()(z2 + a_prev)
"""

OPS_MAXIMUM_DENSE = """
def dense_residual_block(a_prev, units, initializer=glorot_uniform):
    a1 = keras.ops.maximum(layers.Dense(units, kernel_initializer=initializer(seed=0))(a_prev), 0)
    z2 = layers.Dense(units, kernel_initializer=initializer(seed=1))(a1)
    return keras.activations.relu(layers.add([a_prev, z2]))
"""

EXPLICIT_DEFAULTS_DENSE = """
def dense_residual_block(a_prev, units, initializer=glorot_uniform):
    z1 = layers.Dense(
        units=units, activation=None, use_bias=True, kernel_initializer=initializer(seed=0),
        name='W1',
    )(a_prev)
    a1 = layers.ReLU(max_value=None, negative_slope=0.0, threshold=0.0, name='g1')(z1)
    z2 = layers.Dense(
        units=units, activation=None, use_bias=True, kernel_initializer=initializer(seed=1),
        name='W2',
    )(a1)
    return layers.Activation('relu', name='g2')(layers.Add(name='skip')([z2, a_prev]))
"""

FUNCTIONAL_SUBMODEL_DENSE = """
def _two_layers(units, initializer):
    inputs = keras.Input((units,))
    hidden = layers.Dense(units, activation='relu', kernel_initializer=initializer(seed=0))(inputs)
    return keras.Model(inputs, layers.Dense(units, kernel_initializer=initializer(seed=1))(hidden))


def dense_residual_block(a_prev, units, initializer=glorot_uniform):
    return layers.ReLU()(layers.Add()([_two_layers(units, initializer)(a_prev), a_prev]))
"""

STAGE_TABLE_RESNET = """
def ResNet50(input_shape=(64, 64, 3), classes=6):
    X_input = keras.Input(shape=input_shape)
    X = layers.ZeroPadding2D(padding=3)(X_input)
    X = layers.Conv2D(64, 7, strides=2, name='conv1')(X)
    X = layers.BatchNormalization(axis=-1, name='bn_conv1')(X)
    X = layers.ReLU()(X)
    X = layers.MaxPool2D(pool_size=3, strides=2)(X)
    stages = [([64, 64, 256], 1, 3), ([128, 128, 512], 2, 4), ([256, 256, 1024], 2, 6),
              ([512, 512, 2048], 2, 3)]
    for filters, s, blocks in stages:
        X = convolutional_block(X, 3, filters, s)
        for _ in range(blocks - 1):
            X = identity_block(X, 3, filters)
    X = layers.GlobalAveragePooling2D()(X)
    X = layers.Dense(classes)(X)
    return keras.Model(X_input, layers.Softmax()(X))
"""

SEQUENTIAL_STEM_RESNET = """
def ResNet50(input_shape=(64, 64, 3), classes=6):
    X_input = layers.Input(shape=input_shape)
    stem = keras.Sequential([
        layers.ZeroPadding2D((3, 3)),
        layers.Conv2D(64, (7, 7), strides=(2, 2)),
        layers.BatchNormalization(axis=3),
        layers.Activation('relu'),
        layers.MaxPooling2D((3, 3), strides=(2, 2)),
    ], name='stem')
    X = stem(X_input)
    for filters, s, blocks in (([64, 64, 256], 1, 3), ([128, 128, 512], 2, 4),
                               ([256, 256, 1024], 2, 6), ([512, 512, 2048], 2, 3)):
        X = convolutional_block(X=X, f=3, filters=filters, s=s)
        for _ in range(blocks - 1):
            X = identity_block(X=X, f=3, filters=filters)
    X = layers.AveragePooling2D(pool_size=(2, 2), padding='valid')(X)
    X = layers.Flatten()(X)
    X = layers.Dense(units=classes, activation='softmax')(X)
    return keras.Model(inputs=X_input, outputs=X, name='ResNet50')
"""

VALID = (
    rewrite(
        "nested_sequential_main_path", "sub-model", "identity_block", NESTED_SEQUENTIAL_IDENTITY
    ),
    rewrite(
        "functional_submodel_block",
        "sub-model",
        "convolutional_block",
        FUNCTIONAL_SUBMODEL_CONVOLUTIONAL,
    ),
    rewrite(
        "sequential_shortcut_and_plus",
        "sub-model",
        "convolutional_block",
        SEQUENTIAL_SHORTCUT_CONVOLUTIONAL,
    ),
    rewrite("sequential_dense_main_path", "sub-model", "dense_residual_block", SEQUENTIAL_DENSE),
    rewrite(
        "functional_submodel_dense_helper",
        "sub-model",
        "dense_residual_block",
        FUNCTIONAL_SUBMODEL_DENSE,
    ),
    rewrite(
        "zero_padding_then_valid", "padding written out", "identity_block", ZERO_PADDING_IDENTITY
    ),
    rewrite(
        "zero_padding_pairs_then_valid",
        "padding written out",
        "convolutional_block",
        ZERO_PADDING_CONVOLUTIONAL,
    ),
    rewrite(
        "same_padding_on_1x1_and_list_strides",
        "padding written out",
        "convolutional_block",
        SAME_PADDING_ONE_BY_ONE_CONVOLUTIONAL,
    ),
    rewrite(
        "activation_function_ops_maximum_layers_add",
        "activation and addition spelling",
        "identity_block",
        ACTIVATION_FUNCTION_IDENTITY,
    ),
    rewrite(
        "ops_maximum_activations_relu_layers_add",
        "activation and addition spelling",
        "dense_residual_block",
        OPS_MAXIMUM_DENSE,
    ),
    rewrite(
        "explicit_defaults_and_names",
        "explicit defaults and names",
        "dense_residual_block",
        EXPLICIT_DEFAULTS_DENSE,
    ),
    rewrite("loop_over_convolutions", "loops and helpers", "identity_block", LOOP_IDENTITY),
    rewrite(
        "own_initializer_no_bias_identity_layer",
        "initializer and bias choices",
        "identity_block",
        OWN_INITIALIZER_NO_BIAS_IDENTITY,
    ),
    rewrite(
        "keras_applications_style",
        "explicit defaults and names",
        "convolutional_block",
        APPLICATIONS_STYLE_CONVOLUTIONAL,
    ),
    rewrite(
        "resnet_stage_table_global_pooling_softmax_layer",
        "ResNet-50 assembly",
        "ResNet50",
        STAGE_TABLE_RESNET,
    ),
    rewrite(
        "resnet_sequential_stem_keyword_calls",
        "ResNet-50 assembly",
        "ResNet50",
        SEQUENTIAL_STEM_RESNET,
    ),
)
