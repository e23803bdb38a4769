"""The figures the notebooks show from their `figures/` folders, and the code that makes each.

`python -m instructor.figures` redraws them all. nbgrader copies a source notebook's
`figures/` folder into the release, so the notebooks can show them by relative path.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from instructor import diagrams

REPO_ROOT = Path(__file__).resolve().parents[1]
RESNETS_FIGURES = Path("solutions") / "resnets" / "figures"
DEGRADATION_FIGURES = Path("solutions") / "degradation" / "figures"
#: The measured training recipes, the zero-gamma ablation among them.
RECIPES_CSV = REPO_ROOT / "bench" / "training_recipes_gpu.csv"
#: The sweeps of the depth figure: legend entry -> committed CSV in docs/degradation.
DEPTH_SWEEPS = {
    "full preset: 64×64, 1 seed, GPU": "runs_full_gpu.csv",
    "quick preset: 16×16, 4 seeds (bars: range), CPU": "runs_quick.csv",
}


def depth_figure():
    """Final training error and loss against depth, plain vs ResNet, from the committed sweeps."""
    from resnet_course.degradation import docs_dir
    from resnet_course.degradation.plots import plot_final_by_depth
    from resnet_course.degradation.sweep import read_runs

    return plot_final_by_depth(
        {label: read_runs(docs_dir() / name) for label, name in DEPTH_SWEEPS.items()}
    )


def resnet50_stages_figure():
    """ResNet-50's stages with the shape after each, read from the reference ResNet50."""
    from instructor.run_reference import solution_namespace
    from resnet_course.network import analyse_network

    input_shape, classes = (64, 64, 3), 6
    model = solution_namespace()["ResNet50"](input_shape=input_shape, classes=classes)
    rows = diagrams.resnet50_stage_rows(analyse_network(model), input_shape, classes)
    return diagrams.resnet50_stages_diagram(rows)


def zero_gamma_ablation_figure():
    """Accuracy of the measured runs with and without the zero-gamma start, from the bench CSV."""
    from resnet_course import zero_gamma

    return zero_gamma.plot_ablation(zero_gamma.read_ablation(RECIPES_CSV))


def _residual_block():
    return diagrams.residual_block_diagram()


def _identity_block():
    return diagrams.bottleneck_block_diagram(projection=False)


def _convolutional_block():
    return diagrams.bottleneck_block_diagram(projection=True)


#: Each committed figure (relative to the repository) and the function that draws it.
FIGURES = {
    RESNETS_FIGURES / "training_by_depth.png": depth_figure,
    DEGRADATION_FIGURES / "training_by_depth.png": depth_figure,
    RESNETS_FIGURES / "residual_block.png": _residual_block,
    RESNETS_FIGURES / "identity_block.png": _identity_block,
    RESNETS_FIGURES / "convolutional_block.png": _convolutional_block,
    RESNETS_FIGURES / "resnet50_stages.png": resnet50_stages_figure,
    RESNETS_FIGURES / "zero_gamma_ablation.png": zero_gamma_ablation_figure,
}


def save_figure(figure, path) -> Path:
    """Saves a figure as PNG without a timestamp or version stamp: equal figures, equal files.

    Args:
        figure: A matplotlib Figure.
        path: Where to write the PNG.

    Returns:
        The path.
    """
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=figure.dpi, metadata={"Software": None})
    plt.close(figure)
    return path


def write_figures(root: Path = REPO_ROOT, names=None) -> list[Path]:
    """Draws the figures and writes them under `root`.

    Args:
        root: The folder the paths in `FIGURES` are relative to.
        names: Only the figures whose relative paths are listed (all when None).

    Returns:
        The paths written.

    Raises:
        KeyError: If a name is not a figure of `FIGURES`.
    """
    selected = list(FIGURES) if names is None else [Path(name) for name in names]
    unknown = [str(name) for name in selected if name not in FIGURES]
    if unknown:
        raise KeyError(f"no such figure: {unknown}; the figures are {[str(p) for p in FIGURES]}")
    return [save_figure(FIGURES[name](), Path(root) / name) for name in selected]


def main(argv=None) -> int:
    """Command line: redraws every figure into the repository (or into --root)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--root", type=Path, default=REPO_ROOT, help="folder to write the figures under"
    )
    args = parser.parse_args(argv)
    for path in write_figures(args.root):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
