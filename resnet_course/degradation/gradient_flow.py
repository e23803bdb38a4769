"""Gradient flow by depth: the norm of dL/dW for every weighted layer, plain vs residual."""

from pathlib import Path

import keras
import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from resnet_course.degradation.models import build_cifar_net, weighted_layers
from resnet_course.degradation.plots import save_figure
from resnet_course.gradients import l2_norms, loss_and_gradients

matplotlib.use("Agg")


def _main_path_kernels(model):
    """The kernels of the main path's weighted layers, input to output, without projections."""
    return [layer.kernel for layer in weighted_layers(model) if not layer.name.endswith("_0_conv")]


def _loss_gradients(model, x, y, variables):
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    return loss_and_gradients(
        lambda: loss_fn(y, model(x, training=True)), variables, state=model.non_trainable_variables
    )


def layer_gradient_norms(model, x, y):
    """Returns the L2 norm of the loss gradient w.r.t. each weighted layer's kernel.

    Projection shortcuts (option B) are left out, so that index l is the l-th layer of the
    main path in both the plain and the residual network.

    Args:
        model: a network from build_cifar_net.
        x: float32 images (m, H, W, C).
        y: int labels (m,).

    Returns:
        float64 array of length depth: ||dL/dW[l]|| for l = 1..depth, from input to output.
    """
    _, grads = _loss_gradients(model, x, y, _main_path_kernels(model))
    return l2_norms(grads)


def gradient_flow(
    depth, x_train, y_train, steps=20, batch_size=64, learning_rate=0.05, seed=0, log=print
):
    """Measures per-layer gradient norms at initialization and after some SGD steps.

    Both networks start from the same seed and are trained with the same optimizer
    (SGD, momentum 0.9) on the same mini-batches; the gradient is always taken on the
    same probe batch (the first batch_size training images). The steps run eagerly:
    tracing a deep network costs more than a few steps do.

    Args:
        depth: network depth, 6n+2.
        x_train: float32 images (m, H, W, C) in [0, 1].
        y_train: int labels (m,).
        steps: number of SGD steps before the second measurement.
        batch_size: size of the probe batch and of the training mini-batches.
        learning_rate: SGD learning rate.
        seed: random seed.
        log: called with each progress line.

    Returns:
        {'plain': {'init': array, 'trained': array}, 'resnet': {...}, 'steps': steps, 'depth':
        depth}.
    """
    classes = int(np.max(y_train)) + 1
    probe_x, probe_y = x_train[:batch_size], y_train[:batch_size]
    result = {"steps": steps, "depth": depth}
    for residual in (False, True):
        name = "resnet" if residual else "plain"
        keras.utils.set_random_seed(seed)
        model = build_cifar_net(depth, residual, input_shape=x_train.shape[1:], classes=classes)
        optimizer = keras.optimizers.SGD(learning_rate, momentum=0.9)
        init = layer_gradient_norms(model, probe_x, probe_y)
        rng = np.random.default_rng(seed)
        for step in range(steps):
            batch = rng.choice(len(x_train), size=min(batch_size, len(x_train)), replace=False)
            loss, grads = _loss_gradients(
                model, x_train[batch], y_train[batch], model.trainable_variables
            )
            optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=False))
            if (step + 1) % max(steps // 4, 1) == 0 or step + 1 == steps:
                log(f"  {name}-{depth}: step {step + 1}/{steps}, loss {loss:.3f}")
        result[name] = {"init": init, "trained": layer_gradient_norms(model, probe_x, probe_y)}
        log(
            f"{name}-{depth}: gradient norm at init, first conv / last conv = "
            f"{init[0] / init[-2]:.2e}"
        )
        keras.backend.clear_session()
    return result


def plot_gradient_flow(result, path=None):
    """Plots ||dL/dW[l]|| against the layer index l, on a log scale, plain vs ResNet.

    Args:
        result: the dict returned by gradient_flow.
        path: where to save the PNG, or None to only return the figure.

    Returns:
        The matplotlib Figure.
    """
    depth, steps = result["depth"], result["steps"]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    styles = {"plain": "tab:red", "resnet": "tab:blue"}
    for name, colour in styles.items():
        label = f"{'plain' if name == 'plain' else 'ResNet'}-{depth}"
        layers_idx = np.arange(1, len(result[name]["init"]) + 1)
        ax.semilogy(
            layers_idx,
            result[name]["init"],
            color=colour,
            lw=2,
            label=f"{label}, at initialization",
        )
        ax.semilogy(
            layers_idx,
            result[name]["trained"],
            color=colour,
            lw=1.2,
            ls="--",
            label=f"{label}, after {steps} SGD steps",
        )
    ax.set_xlabel("layer l (1 = first convolution, last = softmax layer)")
    ax.set_ylabel(r"$\|\partial \mathcal{L} / \partial W^{[l]}\|$")
    ax.set_title(f"Gradient reaching each layer: plain-{depth} vs ResNet-{depth}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path, dpi=120)


def save_gradient_csv(result, path):
    """Writes the gradient norms as CSV: network, stage (init/trained), layer, gradient_norm.

    Args:
        result: the dict returned by gradient_flow.
        path: the CSV path.

    Returns:
        The path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["depth,steps,network,stage,layer,gradient_norm"]
    for name in ("plain", "resnet"):
        for stage in ("init", "trained"):
            for index, value in enumerate(result[name][stage], start=1):
                lines.append(
                    f"{result['depth']},{result['steps']},{name},{stage},{index},{value:.6e}"
                )
    path.write_text("\n".join(lines) + "\n")
    return path
