"""Command line: python -m resnet_course.degradation {sweep,plot,gradients} ..."""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def build_parser():
    """Returns the argument parser of the three sub-commands."""
    parser = argparse.ArgumentParser(
        prog="python -m resnet_course.degradation",
        description="Reproduce the degradation problem of plain deep networks and the gradient "
        "flow, by depth.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sweep = sub.add_parser(
        "sweep", help="train plain and residual networks of each depth; write runs.csv and a figure"
    )
    sweep.add_argument(
        "--preset",
        default="quick",
        choices=["quick", "full"],
        help="quick: depths 8/20/56 at 16x16 on a CPU; full: depths 20-110 at 64x64, for a GPU",
    )
    sweep.add_argument("--seeds", type=int, nargs="+", default=[0])
    sweep.add_argument(
        "--out", default="runs/degradation", help="output folder (runs.csv, degradation.png)"
    )
    sweep.add_argument(
        "--depths", type=int, nargs="+", help="override the preset's depths (each 6n+2)"
    )
    sweep.add_argument("--epochs", type=int, help="override the preset's number of epochs")
    sweep.add_argument("--n-train", type=int, help="override the number of training images")
    sweep.add_argument("--image-size", type=int, help="override the image side (a divisor of 64)")
    sweep.add_argument("--optimizer", choices=["sgd", "adam"], help="override the optimizer")
    sweep.add_argument("--lr", type=float, help="override the peak learning rate")
    sweep.add_argument("--batch-size", type=int, help="override the mini-batch size")
    sweep.add_argument(
        "--shortcut", choices=["A", "B"], help="A: zero-padding shortcut, B: projection"
    )

    plot = sub.add_parser(
        "plot", help="draw the figure of a runs.csv and print every run's final errors"
    )
    plot.add_argument("csv", help="runs.csv written by the sweep")
    plot.add_argument("--out", help="PNG to write (default: next to the CSV)")

    grads = sub.add_parser(
        "gradients", help="per-layer gradient norms of plain vs ResNet at init and after k steps"
    )
    grads.add_argument("--depth", type=int, default=56)
    grads.add_argument("--steps", type=int, default=20)
    grads.add_argument("--image-size", type=int, default=16)
    grads.add_argument("--seed", type=int, default=0)
    grads.add_argument(
        "--out", default="runs/degradation", help="output folder (gradient_flow.png and .csv)"
    )
    return parser


def _sweep(args):
    from pathlib import Path

    from resnet_course.degradation.plots import plot_csv, summary_table
    from resnet_course.degradation.sweep import get_preset, read_runs, run_sweep

    overrides = dict(
        depths=tuple(args.depths) if args.depths else None,
        epochs=args.epochs,
        n_train=args.n_train,
        image_size=args.image_size,
        optimizer=args.optimizer,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        shortcut=args.shortcut,
    )
    preset = get_preset(
        args.preset, **{key: value for key, value in overrides.items() if value is not None}
    )
    print(f"preset {preset}", flush=True)
    started = time.perf_counter()
    csv_path = run_sweep(preset, args.seeds, args.out, log=lambda line: print(line, flush=True))
    print(f"sweep done in {time.perf_counter() - started:.0f} s; CSV: {csv_path}")
    figure = plot_csv(csv_path, Path(args.out) / "degradation.png")
    print(summary_table(read_runs(csv_path)))
    print(f"figure: {figure}")


def _plot(args):
    from pathlib import Path

    from resnet_course.degradation.plots import plot_csv, summary_table
    from resnet_course.degradation.sweep import read_runs

    figure = plot_csv(args.csv, args.out or Path(args.csv).with_name("degradation.png"))
    print(summary_table(read_runs(args.csv)))
    print(f"figure: {figure}")


def _gradients(args):
    from pathlib import Path

    import matplotlib.pyplot as plt

    from resnet_course.degradation.gradient_flow import (
        gradient_flow,
        plot_gradient_flow,
        save_gradient_csv,
    )
    from resnet_course.degradation.sweep import load_data, prepare_data

    x_train, y_train, _, _ = prepare_data(load_data(), args.image_size, None)
    result = gradient_flow(
        args.depth,
        x_train,
        y_train,
        steps=args.steps,
        seed=args.seed,
        log=lambda line: print(line, flush=True),
    )
    out = Path(args.out)
    fig = plot_gradient_flow(result, out / "gradient_flow.png")
    plt.close(fig)
    print(f"CSV: {save_gradient_csv(result, out / 'gradient_flow.csv')}")
    print(f"figure: {out / 'gradient_flow.png'}")


def main(argv=None):
    """Runs the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        {"sweep": _sweep, "plot": _plot, "gradients": _gradients}[args.command](args)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
