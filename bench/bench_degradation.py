"""Times the quick depth sweep: seconds per epoch for each network, first (tracing) epoch apart.

Usage: python bench/bench_degradation.py [--epochs 3] [--preset quick]

Prints one line per network and the projected wall time of one seed of the preset.
Timings depend on the machine and on whatever else runs on it: report them with the load.
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from resnet_course.degradation.sweep import get_preset, read_runs, run_sweep


def main():
    """Runs the degradation sweep's quick preset on one seed and prints its time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="quick")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    preset = get_preset(args.preset)
    measured = get_preset(args.preset, epochs=args.epochs)
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        rows = read_runs(run_sweep(measured, [0], out, log=lambda line: None))
        total = time.perf_counter() - started
    projected = 0.0
    print(
        f"preset {preset.name}: {preset.image_size}x{preset.image_size} images, "
        f"n_train={preset.n_train}, batch {preset.batch_size}, {preset.epochs} epochs; load "
        f"average {os.getloadavg()[0]:.1f}"
    )
    for network in ("plain", "resnet"):
        for depth in preset.depths:
            seconds = [
                r["epoch_seconds"] for r in rows if r["network"] == network and r["depth"] == depth
            ]
            steady = sum(seconds[1:]) / max(len(seconds) - 1, 1)
            projected += seconds[0] + steady * (preset.epochs - 1)
            print(
                f"  {network}-{depth:<4d} first epoch {seconds[0]:6.1f} s, then {steady:5.1f} "
                "s/epoch"
            )
    print(
        f"measured {total:.0f} s for {args.epochs} epochs; projected {projected:.0f} s of "
        f"training per seed of the {preset.name} preset (plus test evaluation)"
    )


if __name__ == "__main__":
    main()
