"""The notebook's gradient measurement shows what the prose claims, and the figures are labelled."""

import matplotlib
import numpy as np

from resnet_course import plots

matplotlib.use("Agg")


def test_plain_stack_with_small_weights_loses_the_gradient_towards_the_input():
    norms = plots.gradient_norms_by_layer(12, width=16, weight_variance=1.0, batch_size=32)
    assert norms[0] < norms[-1] / 10


def test_plain_stack_with_large_weights_amplifies_the_gradient_towards_the_input():
    norms = plots.gradient_norms_by_layer(12, width=16, weight_variance=4.0, batch_size=32)
    assert norms[0] > norms[-1] * 10


def test_residual_stack_does_not_lose_the_gradient():
    norms = plots.gradient_norms_by_layer(
        12, width=16, residual=True, weight_variance=1.0, batch_size=32
    )
    assert norms[0] >= norms[-1]


def test_gradient_figure_has_labelled_log_axes():
    fig = plots.plot_gradient_norms({"plain": np.array([1e-3, 1e-2, 1e-1])})
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


def test_history_figure_plots_training_and_validation():
    history = {
        "loss": [1.0, 0.5],
        "val_loss": [1.2, 0.7],
        "accuracy": [0.5, 0.8],
        "val_accuracy": [0.4, 0.7],
    }
    fig = plots.plot_history(history)
    assert [len(ax.get_lines()) for ax in fig.axes] == [2, 2]


def test_misclassified_grid_shows_only_wrong_predictions():
    images = np.zeros((4, 8, 8, 3), np.uint8)
    fig = plots.show_misclassified(images, np.array([0, 1, 2, 3]), np.array([0, 2, 2, 1]))
    assert sum(1 for ax in fig.axes if ax.images) == 2
