"""The sweep writes its CSV and figure; the data preparation and CLI behave."""

import numpy as np
import pytest

from resnet_course.degradation import __main__ as cli
from resnet_course.degradation.sweep import (
    CSV_FIELDS,
    final_errors,
    get_preset,
    prepare_data,
    read_runs,
    run_sweep,
)


def _raw_data(m_train=12, m_test=6, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.integers(0, 256, (m_train, 64, 64, 3), dtype=np.uint8),
        np.arange(m_train) % 6,
        rng.integers(0, 256, (m_test, 64, 64, 3), dtype=np.uint8),
        np.arange(m_test) % 6,
    )


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    preset = get_preset("quick", depths=(8,), epochs=1, image_size=8, n_train=None, batch_size=6)
    csv_path = run_sweep(preset, [0], out, data=_raw_data(), log=lambda line: None)
    return csv_path


def test_sweep_writes_one_row_per_network_and_epoch(tiny_sweep):
    rows = read_runs(tiny_sweep)
    assert [(r["network"], r["depth"], r["epoch"]) for r in rows] == [
        ("plain", 8, 1),
        ("resnet", 8, 1),
    ]


def test_sweep_csv_has_every_field_and_errors_in_unit_range(tiny_sweep):
    rows = read_runs(tiny_sweep)
    assert set(rows[0]) == set(CSV_FIELDS)
    assert all(0.0 <= r["train_error"] <= 1.0 and 0.0 <= r["test_error"] <= 1.0 for r in rows)


def test_plot_command_writes_the_figure(tiny_sweep, tmp_path, capsys):
    figure = tmp_path / "fig.png"
    assert cli.main(["plot", str(tiny_sweep), "--out", str(figure)]) == 0
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| plain | 8 | 0 |" in capsys.readouterr().out


def test_final_errors_keeps_the_last_epoch_of_each_run():
    base = dict(preset="p", seed=0, network="plain", depth=8)
    rows = [dict(base, epoch=1, train_error=0.5), dict(base, epoch=2, train_error=0.2)]
    assert [r["train_error"] for r in final_errors(rows)] == [0.2]


def test_prepare_data_downsamples_and_scales_to_unit_range():
    x_train, y_train, x_test, _ = prepare_data(_raw_data(), image_size=16, n_train=None)
    assert x_train.shape == (12, 16, 16, 3) and x_test.shape == (6, 16, 16, 3)
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() and x_train.max() <= 1.0


def test_prepare_data_subset_is_class_balanced():
    _, y_train, _, _ = prepare_data(_raw_data(m_train=60), image_size=8, n_train=30)
    assert np.bincount(y_train, minlength=6).tolist() == [5] * 6


def test_prepare_data_rejects_size_that_does_not_divide_the_images():
    with pytest.raises(ValueError, match="not a multiple"):
        prepare_data(_raw_data(), image_size=24, n_train=None)


def test_prepare_data_rejects_mismatched_labels():
    x_train, y_train, x_test, y_test = _raw_data()
    with pytest.raises(ValueError, match="differ in length"):
        prepare_data((x_train, y_train[:-1], x_test, y_test), image_size=8, n_train=None)


def test_unknown_preset_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="expected one of \\['full', 'quick'\\]"):
        get_preset("huge")


def test_cli_reports_bad_depth_as_error(tmp_path, capsys):
    status = cli.main(["sweep", "--depths", "10", "--out", str(tmp_path)])
    assert status == 2
    assert "6n+2" in capsys.readouterr().err
