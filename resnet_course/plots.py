"""Measurements and figures shown in the Residual Networks notebook.

Every function returns its matplotlib `Figure` (and shows it in a notebook
through the inline backend), so scripts can also save it to a file.
"""

from __future__ import annotations

import numpy as np


def gradient_norms_by_layer(
    depth: int,
    width: int = 64,
    residual: bool = False,
    weight_variance: float = 1.0,
    batch_size: int = 256,
    seed: int = 0,
) -> np.ndarray:
    """Measures how large the gradient is when it reaches each layer of a deep dense ReLU stack.

    The stack has `depth` Dense+ReLU layers of `width` units. A plain stack
    computes a[l] = g(W[l] a[l-1] + b[l]); a residual stack groups the layers
    in pairs and adds the pair's input before the second ReLU,
    a[l+2] = g(z[l+2] + a[l]). Weights are drawn with variance
    `weight_variance / width`, biases are zero. The loss is linear in the
    last activation, L = sum(a[L] * r) for a fixed random r, so the gradient
    that enters the top of the stack is the same for every stack and only
    what happens on the way down differs.

    Args:
        depth: Number of Dense layers (even when `residual`).
        width: Units per layer (and input features).
        residual: Add a skip connection around every pair of layers.
        weight_variance: Weight variance times fan-in (2 is He initialization).
        batch_size: Number of random input vectors.
        seed: Seed for the inputs and the weights.

    Returns:
        Array of shape (depth,): the norm of dL/da[l] for l = 1..depth, averaged
        over the batch.

    Raises:
        ValueError: If a residual stack has an odd depth.
    """
    import keras
    from keras import ops

    from resnet_course.gradients import l2_norms, loss_and_gradients

    if residual and depth % 2:
        raise ValueError(f"a residual stack pairs its layers, so depth must be even, got {depth}")
    rng = np.random.default_rng(seed)
    inputs = ops.convert_to_tensor(rng.normal(size=(batch_size, width)).astype(np.float32))
    direction = ops.convert_to_tensor(rng.normal(size=(batch_size, width)).astype(np.float32))
    dense = []
    for i in range(depth):
        layer = keras.layers.Dense(
            width,
            kernel_initializer=keras.initializers.VarianceScaling(
                weight_variance, "fan_in", "untruncated_normal", seed=seed + i
            ),
        )
        layer.build((None, width))
        dense.append(layer)
    # dL/da[l] is the gradient with respect to a zero added to a[l]: one variable per layer.
    probes = [keras.Variable(np.zeros((batch_size, width), np.float32)) for _ in range(depth)]

    def loss():
        a, activations = inputs, []
        for i, layer in enumerate(dense):
            z = layer(a)
            if residual and i % 2 == 1:
                z = z + (activations[i - 2] if i > 1 else inputs)
            a = ops.relu(z) + probes[i]
            activations.append(a)
        return ops.sum(a * direction)

    _, gradients = loss_and_gradients(loss, probes)
    return l2_norms(gradients) / batch_size


def plot_gradient_norms(
    curves: dict, title: str = "Gradient reaching each layer at initialization"
):
    """Plots gradient norms against layer index on a log scale.

    Args:
        curves: Mapping from a legend label to the array from `gradient_norms_by_layer`.
        title: Figure title.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5.5))
    styles = ["o-", "s-", "^-", "d-", "v-"]
    for (label, norms), style in zip(curves.items(), styles, strict=False):
        layers_ = np.arange(1, len(norms) + 1)
        ax.semilogy(layers_, norms, style, markersize=3, label=label)
    ax.set_xlabel("layer l (1 = closest to the input)")
    ax.set_ylabel("‖∂L/∂a[l]‖ (log scale)")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.4)
    # Below the axes: inside, the legend would hide the curves that end in the lower corners.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize=9, frameon=False)
    fig.tight_layout()
    return fig


def show_examples(
    images: np.ndarray, labels: np.ndarray, per_class: int = 4, title: str = "Training examples"
):
    """Shows a few images of each class, one row per class.

    Args:
        images: uint8 array (m, height, width, 3).
        labels: int array (m,).
        per_class: Images per row.
        title: Figure title.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    classes = np.unique(labels)
    fig, axes = plt.subplots(
        len(classes), per_class, figsize=(1.6 * per_class, 1.6 * len(classes)), squeeze=False
    )
    for row, cls in zip(axes, classes, strict=False):
        picks = np.flatnonzero(labels == cls)[:per_class]
        for ax in row:
            ax.axis("off")
        for ax, index in zip(row, picks, strict=False):
            ax.imshow(images[index])
        row[0].set_title(f"class {cls}", loc="left", fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_history(history, title: str = "ResNet-50 training"):
    """Plots loss and accuracy per epoch, for training and (if present) validation data.

    Args:
        history: A `keras.callbacks.History` or its `.history` dict.
        title: Figure title.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: If the history has no 'loss' entry.
    """
    import matplotlib.pyplot as plt

    record = getattr(history, "history", history)
    if "loss" not in record:
        raise ValueError(
            f"the history has no 'loss' entry (keys: {sorted(record)}); pass what "
            "model.fit returned"
        )
    epochs = np.arange(1, len(record["loss"]) + 1)
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 4))
    panels = ((loss_ax, "loss", "categorical cross-entropy"), (acc_ax, "accuracy", "accuracy"))
    for ax, metric, label in panels:
        if metric in record:
            ax.plot(epochs, record[metric], "o-", label="training")
        if f"val_{metric}" in record:
            ax.plot(epochs, record[f"val_{metric}"], "s--", label="validation (test split)")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_xticks(epochs)
        ax.grid(True, alpha=0.4)
        ax.legend()
    loss_ax.set_title("Loss")
    acc_ax.set_title("Accuracy")
    acc_ax.set_ylim(0, 1.02)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_misclassified(
    images: np.ndarray,
    true_labels: np.ndarray,
    predicted: np.ndarray,
    max_images: int = 12,
    columns: int = 6,
):
    """Shows the images the model got wrong, with their true and predicted classes.

    Args:
        images: uint8 array (m, height, width, 3).
        true_labels: int array (m,).
        predicted: int array (m,) of predicted classes.
        max_images: Show at most this many.
        columns: Images per row.

    Returns:
        The matplotlib Figure, or None when every image is classified correctly.
    """
    wrong = np.flatnonzero(np.asarray(true_labels) != np.asarray(predicted))
    if wrong.size == 0:
        print("No misclassified images.")
        return None
    shown = wrong[:max_images]
    fig = _labelled_grid(images, shown, true_labels, predicted, columns)
    fig.suptitle(
        f"Misclassified test images ({wrong.size} of {len(true_labels)}, showing {len(shown)})"
    )
    fig.tight_layout()
    return fig


def show_predictions(
    images: np.ndarray,
    true_labels: np.ndarray,
    predicted: np.ndarray,
    max_images: int = 18,
    columns: int = 6,
    title: str = "Predictions",
):
    """Shows images with their true and predicted classes, the wrong ones in red.

    Args:
        images: uint8 array (m, height, width, 3).
        true_labels: int array (m,).
        predicted: int array (m,) of predicted classes.
        max_images: Show at most this many.
        columns: Images per row.
        title: Figure title.

    Returns:
        The matplotlib Figure.
    """
    fig = _labelled_grid(
        images, range(min(len(images), max_images)), true_labels, predicted, columns
    )
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _labelled_grid(images, indices, true_labels, predicted, columns):
    """Draws ``images[indices]`` in a grid, each titled with its true and predicted class.

    Args:
        images: uint8 array (m, height, width, 3).
        indices: the images to draw, in order.
        true_labels: int array (m,).
        predicted: int array (m,) of predicted classes.
        columns: Images per row.

    Returns:
        The matplotlib Figure; a wrong prediction's title is red, a right one's green.
    """
    import matplotlib.pyplot as plt

    rows = max(1, int(np.ceil(len(indices) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(1.9 * columns, 2.2 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, index in zip(axes.ravel(), indices, strict=False):
        ax.imshow(images[index])
        right = true_labels[index] == predicted[index]
        ax.set_title(
            f"true {true_labels[index]}, predicted {predicted[index]}",
            fontsize=8,
            color="darkgreen" if right else "firebrick",
        )
    return fig
