"""The gradient-flow measurement covers every layer of both networks."""

import numpy as np
import pytest

from resnet_course.degradation.gradient_flow import (
    gradient_flow,
    plot_gradient_flow,
    save_gradient_csv,
)


@pytest.fixture(scope="module")
def flow():
    rng = np.random.default_rng(0)
    x = rng.random((8, 8, 8, 3), dtype=np.float32)
    y = np.arange(8) % 6
    return gradient_flow(8, x, y, steps=1, batch_size=4, log=lambda line: None)


@pytest.mark.parametrize("network", ["plain", "resnet"])
def test_gradient_norms_cover_every_weighted_layer(flow, network):
    for stage in ("init", "trained"):
        norms = flow[network][stage]
        assert norms.shape == (8,)
        assert np.all(np.isfinite(norms)) and np.all(norms > 0)


def test_gradient_flow_figure_and_csv_are_written(flow, tmp_path):
    plot_gradient_flow(flow, tmp_path / "g.png")
    csv_path = save_gradient_csv(flow, tmp_path / "g.csv")
    assert (tmp_path / "g.png").stat().st_size > 0
    assert len(csv_path.read_text().splitlines()) == 1 + 2 * 2 * 8
