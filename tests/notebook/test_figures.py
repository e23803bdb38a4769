"""The notebooks' figures: drawn by the repository's code, up to date, shown, and released."""

import re

import matplotlib.image
import numpy as np
import pytest
from claims_text import DEGRADATION, REPO, RESNETS, markdown

from instructor import diagrams, figures
from resnet_course.degradation import docs_dir
from resnet_course.degradation.plots import plot_final_by_depth
from resnet_course.degradation.sweep import read_runs

SOURCES = {
    "resnets": REPO / "solutions" / "resnets",
    "degradation": REPO / "solutions" / "degradation",
}
RELEASES = {"resnets": RESNETS, "degradation": DEGRADATION}


@pytest.mark.parametrize("relative", list(figures.FIGURES), ids=str)
def test_committed_figure_is_what_the_code_draws_now(tmp_path, relative):
    (fresh,) = figures.write_figures(tmp_path, [relative])
    committed = matplotlib.image.imread(REPO / relative)
    redrawn = matplotlib.image.imread(fresh)
    assert committed.shape == redrawn.shape and np.array_equal(committed, redrawn), (
        f"{relative} is out of date: run `python -m instructor.figures`"
    )


@pytest.mark.parametrize("assignment", list(SOURCES))
def test_every_figure_a_notebook_shows_is_in_its_figures_folder_and_every_one_is_shown(assignment):
    shown = set(re.findall(r"!\[[^\]]*\]\((figures/[^)]+)\)", markdown(RELEASES[assignment])))
    committed = {f"figures/{path.name}" for path in (SOURCES[assignment] / "figures").iterdir()}
    assert shown == committed


@pytest.mark.parametrize("assignment", list(SOURCES))
def test_release_holds_the_same_figures_as_the_source(assignment):
    source = SOURCES[assignment] / "figures"
    release = RELEASES[assignment].parent / "figures"
    assert sorted(p.name for p in release.iterdir()) == sorted(p.name for p in source.iterdir())
    for path in source.iterdir():
        assert (release / path.name).read_bytes() == path.read_bytes(), (
            f"run `nbgrader generate_assignment {assignment} --force`"
        )


def test_every_figure_has_alt_text():
    for release in RELEASES.values():
        for alt in re.findall(r"!\[([^\]]*)\]\(figures/", markdown(release)):
            assert len(alt.split()) >= 2


def test_depth_figure_plots_error_and_log_scale_loss_against_depth():
    fig = plot_final_by_depth({"quick": read_runs(docs_dir() / "runs_quick.csv")})
    error_ax, loss_ax = fig.axes
    assert error_ax.get_yscale() == "linear" and loss_ax.get_yscale() == "log"
    assert "depth" in error_ax.get_xlabel() and "depth" in loss_ax.get_xlabel()
    assert [tick for tick in error_ax.get_xticks()] == [8, 20, 56]


def test_depth_figure_rejects_an_empty_sweep():
    with pytest.raises(ValueError, match="has no rows"):
        plot_final_by_depth({"empty": []})


def test_stage_rows_carry_the_shape_after_each_stage(build_solution):
    from resnet_course.network import analyse_network

    resnet = build_solution("ResNet50", depends=("identity_block", "convolutional_block"))
    rows = diagrams.resnet50_stage_rows(
        analyse_network(resnet(input_shape=(64, 64, 3), classes=6)), (64, 64, 3), 6
    )
    assert [row.output_shape for row in rows] == [
        (64, 64, 3),
        (15, 15, 64),
        (15, 15, 256),
        (8, 8, 512),
        (4, 4, 1024),
        (2, 2, 2048),
        (6,),
    ]


def test_write_figures_names_an_unknown_figure(tmp_path):
    with pytest.raises(KeyError, match="no such figure"):
        figures.write_figures(tmp_path, ["figures/missing.png"])
