"""The depth sweep.

Train plain and residual networks of several depths and log errors per epoch to CSV.
"""

import csv
import dataclasses
import math
import time
from pathlib import Path

import keras
import numpy as np

from resnet_course.degradation.models import blocks_per_stage, build_cifar_net

CSV_FIELDS = (
    "preset",
    "seed",
    "network",
    "depth",
    "shortcut",
    "epoch",
    "epochs",
    "train_loss",
    "train_error",
    "test_loss",
    "test_error",
    "epoch_seconds",
    "image_size",
    "n_train",
    "n_test",
    "optimizer",
    "learning_rate",
    "batch_size",
)


@dataclasses.dataclass(frozen=True)
class Preset:
    """Everything that fixes one sweep apart from the seed.

    Attributes:
        name: the preset's name, written to every CSV row.
        depths: network depths, each 6n+2.
        epochs: training epochs per network.
        image_size: side of the square images fed to the networks (the data are downsampled to it).
        n_train: number of training images used (None: all of them).
        batch_size: mini-batch size.
        optimizer: 'sgd' (with momentum 0.9) or 'adam'.
        learning_rate: peak learning rate, reached after a linear warm-up from a tenth of it,
            then cosine-decayed to 0.
        warmup_epochs: epochs of linear warm-up.
        shortcut: 'A' or 'B' for the residual networks.
        jit_compile: passed to Model.compile. The quick preset turns XLA off: on a CPU, compiling
            a deep network up front costs more than a short run can win back.
    """

    name: str
    depths: tuple
    epochs: int
    image_size: int
    n_train: int | None
    batch_size: int = 32
    optimizer: str = "sgd"
    learning_rate: float = 0.05
    warmup_epochs: int = 1
    shortcut: str = "A"
    jit_compile: bool | str = "auto"

    def __post_init__(self):
        for depth in self.depths:
            blocks_per_stage(depth)
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam', got {self.optimizer!r}")
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(
                f"epochs and batch_size must be >= 1, got {self.epochs} and {self.batch_size}"
            )


PRESETS = {
    # Sized for a 2-core CPU: 6-7 minutes per seed there (docs/degradation/README.md).
    # 16x16 images keep ResNet-56 affordable; 0.025 is the paper's 0.1 scaled to batch 32.
    "quick": Preset(
        name="quick",
        depths=(8, 20, 56),
        epochs=30,
        image_size=16,
        n_train=540,
        learning_rate=0.025,
        jit_compile=False,
    ),
    # The paper's depths at full resolution and on all training images; meant for a GPU. At 0.05
    # (the paper's 0.1 scaled to batch 64) ResNet-110 never left chance level; at 0.02 it trains.
    "full": Preset(
        name="full",
        depths=(20, 32, 44, 56, 110),
        epochs=40,
        image_size=64,
        n_train=None,
        batch_size=64,
        learning_rate=0.02,
        warmup_epochs=5,
    ),
}


def get_preset(name, **overrides):
    """Returns a preset by name, with some fields replaced.

    Args:
        name: 'quick' or 'full'.
        **overrides: Preset fields to replace.

    Returns:
        A Preset.

    Raises:
        ValueError: if the name is unknown.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; expected one of {sorted(PRESETS)}")
    return dataclasses.replace(PRESETS[name], **overrides)


def downsample(images, size):
    """Averages square blocks of pixels so that the images become size x size.

    Args:
        images: uint8 or float array (m, H, W, C) with H == W divisible by size.
        size: the new side.

    Returns:
        float32 array (m, size, size, C) scaled to [0, 1].

    Raises:
        ValueError: if the images are not square or their side is not a multiple of size.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1] != images.shape[2]:
        raise ValueError(f"expected square images of shape (m, H, H, C), got {images.shape}")
    side = images.shape[1]
    if size < 1 or side % size:
        raise ValueError(f"image side {side} is not a multiple of the requested size {size}")
    factor = side // size
    x = images.astype(np.float32) / 255.0
    if factor > 1:
        m, _, _, c = x.shape
        x = x.reshape(m, size, factor, size, factor, c).mean(axis=(2, 4))
    return x


def prepare_data(data, image_size, n_train):
    """Downsamples the images and takes a class-balanced training subset.

    The subset does not depend on the run's seed, so that seeds vary only the initialization
    and the order of the mini-batches.

    Args:
        data: (X_train, Y_train, X_test, Y_test) as returned by signs_data.load_signs (first four
            items).
        image_size: side of the images fed to the networks.
        n_train: number of training images to keep, or None for all.

    Returns:
        (x_train, y_train, x_test, y_test): float32 images in [0, 1] and int64 labels.

    Raises:
        ValueError: if the arrays do not match or n_train is out of range.
    """
    x_train, y_train, x_test, y_test = data[:4]
    y_train, y_test = np.asarray(y_train).reshape(-1), np.asarray(y_test).reshape(-1)
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise ValueError(
            f"images and labels differ in length: train {len(x_train)} vs {len(y_train)}, "
            f"test {len(x_test)} vs {len(y_test)}"
        )
    if n_train is not None:
        if not 1 <= n_train <= len(x_train):
            raise ValueError(f"n_train must be between 1 and {len(x_train)}, got {n_train}")
        order = np.random.default_rng(0).permutation(len(x_train))
        # Round-robin over classes keeps the subset balanced.
        ranks = np.empty(len(order), dtype=np.int64)
        for label in np.unique(y_train):
            members = order[y_train[order] == label]
            ranks[members] = np.arange(len(members))
        keep = np.lexsort((order.argsort(), ranks))[:n_train]
        x_train, y_train = x_train[np.sort(keep)], y_train[np.sort(keep)]
    return (
        downsample(x_train, image_size),
        y_train.astype(np.int64),
        downsample(x_test, image_size),
        y_test.astype(np.int64),
    )


def make_optimizer(preset, steps_per_epoch):
    """Builds the optimizer with a linear warm-up followed by a cosine decay to zero.

    Args:
        preset: the Preset.
        steps_per_epoch: number of mini-batches per epoch.

    Returns:
        A keras optimizer.
    """
    total = preset.epochs * steps_per_epoch
    warmup = min(preset.warmup_epochs * steps_per_epoch, total - 1)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=preset.learning_rate / 10 if warmup else preset.learning_rate,
        decay_steps=max(total - warmup, 1),
        warmup_target=preset.learning_rate if warmup else None,
        warmup_steps=warmup,
    )
    if preset.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate=schedule)
    return keras.optimizers.SGD(learning_rate=schedule, momentum=0.9)


def evaluate_eagerly(model, x, y, batch_size=256):
    """Returns (loss, accuracy) of the model in inference mode, without tracing a test function.

    Tracing costs tens of seconds for a deep network on a busy CPU, far more than a forward pass
    over a small test set.

    Args:
        model: a compiled or uncompiled classifier with softmax outputs.
        x: images.
        y: integer labels.
        batch_size: images per forward pass.

    Returns:
        (mean cross-entropy, accuracy) as floats.
    """
    losses, hits = [], []
    for start in range(0, len(x), batch_size):
        probabilities = model(x[start : start + batch_size], training=False)
        labels = y[start : start + batch_size]
        losses.append(
            keras.ops.convert_to_numpy(
                keras.losses.sparse_categorical_crossentropy(labels, probabilities)
            )
        )
        hits.append(keras.ops.convert_to_numpy(keras.ops.argmax(probabilities, axis=-1)) == labels)
    return float(np.concatenate(losses).mean()), float(np.concatenate(hits).mean())


class _EpochLogger(keras.callbacks.Callback):
    """Evaluates the test set after each epoch, prints one progress line and appends one CSV row."""

    def __init__(self, row_base, x_test, y_test, batch_size, writer, log):
        super().__init__()
        self.row_base, self.x_test, self.y_test = row_base, x_test, y_test
        self.batch_size, self.writer, self.log = batch_size, writer, log
        self.rows = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self.started
        test_loss, test_accuracy = evaluate_eagerly(self.model, self.x_test, self.y_test)
        row = dict(
            self.row_base,
            epoch=epoch + 1,
            train_loss=round(float(logs["loss"]), 5),
            train_error=round(1.0 - float(logs["accuracy"]), 5),
            test_loss=round(float(test_loss), 5),
            test_error=round(1.0 - float(test_accuracy), 5),
            epoch_seconds=round(seconds, 2),
        )
        self.rows.append(row)
        self.writer(row)
        self.log(
            f"  seed {row['seed']} {row['network']}-{row['depth']:<3d} epoch "
            f"{row['epoch']:>3d}/{row['epochs']}  train err {row['train_error']:.3f}  test err "
            f"{row['test_error']:.3f}  ({seconds:.1f} s)"
        )


def train_one(preset, depth, residual, seed, data, writer=lambda row: None, log=print):
    """Trains one network and reports its errors after every epoch.

    The training error of an epoch is the error on the mini-batches seen during that epoch
    (in training mode), as in He et al.'s figures; the test error is measured after the epoch.

    Args:
        preset: the Preset.
        depth: network depth, 6n+2.
        residual: True for the ResNet, False for the plain network.
        seed: random seed for initialization and mini-batch order (the same for both networks).
        data: (x_train, y_train, x_test, y_test) as returned by prepare_data.
        writer: called with each epoch's CSV row (a dict with CSV_FIELDS).
        log: called with each progress line.

    Returns:
        The list of per-epoch rows.
    """
    x_train, y_train, x_test, y_test = data
    keras.utils.set_random_seed(seed)
    model = build_cifar_net(
        depth,
        residual,
        shortcut=preset.shortcut,
        input_shape=x_train.shape[1:],
        classes=int(max(y_train.max(), y_test.max())) + 1,
    )
    steps_per_epoch = math.ceil(len(x_train) / preset.batch_size)
    model.compile(
        optimizer=make_optimizer(preset, steps_per_epoch),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=preset.jit_compile,
    )
    row_base = dict(
        preset=preset.name,
        seed=seed,
        network="resnet" if residual else "plain",
        depth=depth,
        shortcut=preset.shortcut if residual else "",
        epochs=preset.epochs,
        image_size=x_train.shape[1],
        n_train=len(x_train),
        n_test=len(x_test),
        optimizer=preset.optimizer,
        learning_rate=preset.learning_rate,
        batch_size=preset.batch_size,
    )
    logger = _EpochLogger(row_base, x_test, y_test, preset.batch_size, writer, log)
    model.fit(
        x_train,
        y_train,
        batch_size=preset.batch_size,
        epochs=preset.epochs,
        shuffle=True,
        verbose=0,
        callbacks=[logger],
    )
    keras.backend.clear_session()
    return logger.rows


def load_data():
    """Loads the SIGNS data set (generated on first use).

    Returns:
        (X_train, Y_train, X_test, Y_test).
    """
    from signs_data import load_signs

    return load_signs()[:4]


def run_sweep(preset, seeds, out_dir, data=None, log=print):
    """Trains plain and residual networks of every depth of the preset, for each seed.

    Rows are appended to `out_dir/runs.csv` after every epoch, so a long sweep can be
    watched (and survives an interruption).

    Args:
        preset: a Preset (see get_preset).
        seeds: iterable of integer seeds.
        out_dir: folder for runs.csv (created if missing).
        data: (X_train, Y_train, X_test, Y_test) raw arrays; None loads the SIGNS data.
        log: called with each progress line.

    Returns:
        The path of the CSV file.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "runs.csv"
    prepared = prepare_data(
        data if data is not None else load_data(), preset.image_size, preset.n_train
    )
    new_file = not csv_path.exists() or csv_path.stat().st_size == 0
    with open(csv_path, "a", newline="") as handle:
        csv_writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        if new_file:
            csv_writer.writeheader()

        def write(row):
            csv_writer.writerow(row)
            handle.flush()

        for seed in seeds:
            started = time.perf_counter()
            for depth in preset.depths:
                for residual in (False, True):
                    train_one(preset, depth, residual, seed, prepared, writer=write, log=log)
            log(f"seed {seed} done in {time.perf_counter() - started:.0f} s")
    return csv_path


def read_runs(csv_path):
    """Reads a runs CSV written by run_sweep.

    Args:
        csv_path: path of the CSV file.

    Returns:
        A list of dicts with numbers converted (seed, depth, epoch as int; errors and losses as
        float).
    """
    rows = []
    with open(csv_path, newline="") as handle:
        for row in csv.DictReader(handle):
            for key in (
                "seed",
                "depth",
                "epoch",
                "epochs",
                "image_size",
                "n_train",
                "n_test",
                "batch_size",
            ):
                row[key] = int(row[key])
            for key in (
                "train_loss",
                "train_error",
                "test_loss",
                "test_error",
                "epoch_seconds",
                "learning_rate",
            ):
                row[key] = float(row[key])
            rows.append(row)
    return rows


def final_errors(rows):
    """Returns the last epoch's row of every (preset, seed, network, depth) run.

    Args:
        rows: rows from read_runs.

    Returns:
        A list of rows, sorted by network, depth and seed.
    """
    last = {}
    for row in rows:
        key = (row["preset"], row["seed"], row["network"], row["depth"])
        if key not in last or row["epoch"] >= last[key]["epoch"]:
            last[key] = row
    return sorted(last.values(), key=lambda r: (r["preset"], r["network"], r["depth"], r["seed"]))
