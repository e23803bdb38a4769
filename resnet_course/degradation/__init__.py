"""Why ResNets work: the degradation problem and the gradient flow of plain vs residual networks.

Run `python -m resnet_course.degradation --help` for the experiments' command line.
"""

from pathlib import Path

from resnet_course.degradation.models import build_cifar_net, weighted_layers
from resnet_course.degradation.sweep import PRESETS, get_preset, read_runs, run_sweep

__all__ = [
    "PRESETS",
    "build_cifar_net",
    "docs_dir",
    "get_preset",
    "quick_figure_path",
    "read_runs",
    "run_sweep",
    "weighted_layers",
]


def docs_dir():
    """Returns the repository folder holding the committed figures and CSVs (docs/degradation)."""
    return Path(__file__).resolve().parents[2] / "docs" / "degradation"


def quick_figure_path():
    """Returns the committed figure of the quick preset's 4-seed sweep.

    Returns:
        Path of docs/degradation/degradation_quick.png.

    Raises:
        FileNotFoundError: if the figure is missing (an install without the repository's docs),
            with the command that makes it.
    """
    path = docs_dir() / "degradation_quick.png"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing; make it with: python -m resnet_course.degradation sweep --preset "
            "quick --seeds 0 1 2 3 --out runs/degradation && python -m resnet_course.degradation "
            f"plot runs/degradation/runs.csv --out {path}"
        )
    return path
