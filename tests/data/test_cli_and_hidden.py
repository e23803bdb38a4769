"""The command line, and the grader's hidden split."""

import os
import subprocess
import sys
from pathlib import Path

import signs_data
from grader.judge.hidden_split import HIDDEN_SEED, HIDDEN_SIZE, ensure_hidden_split


def run_cli(*args):
    env = dict(os.environ, SIGNS_DATA_DIR="/nonexistent-do-not-use")
    return subprocess.run(
        [sys.executable, "-m", "signs_data", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_generate_writes_the_requested_sizes(tmp_path):
    result = run_cli(
        "generate",
        "--data-dir",
        str(tmp_path),
        "--seed",
        "4",
        "--train-size",
        "12",
        "--test-size",
        "6",
    )
    assert result.returncode == 0, result.stderr
    X_train, _, X_test, _, _ = signs_data.load_signs(tmp_path)
    assert X_train.shape[0] == 12 and X_test.shape[0] == 6
    assert signs_data.generator_mark(tmp_path / "train_signs.h5")["seed"] == signs_data.split_seed(
        4, "train"
    )


def test_cli_generate_keeps_existing_files_without_force(small_dir):
    result = run_cli("generate", "--data-dir", str(small_dir), "--train-size", "6")
    assert result.returncode == 0 and "use --force" in result.stdout
    assert signs_data.load_signs(small_dir)[0].shape[0] == 24


def test_cli_samples_writes_a_png(tmp_path):
    result = run_cli("samples", "--out", str(tmp_path / "s.png"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_verify_reports_non_default_files_as_not_checked(small_dir):
    signs_data.generate_files(small_dir, seed=9, train_size=6, test_size=6, force=True)
    result = run_cli("verify", "--data-dir", str(small_dir))
    assert result.returncode == 0 and result.stdout.count("another seed") == 2


def test_hidden_split_is_generated_once_with_the_hidden_seed(tmp_path, capsys):
    path = ensure_hidden_split(tmp_path)
    X, Y = signs_data.load_hidden_split(path)
    assert X.shape == (HIDDEN_SIZE, 64, 64, 3) and set(Y.tolist()) == set(range(6))
    assert signs_data.generator_mark(path)["seed"] == HIDDEN_SEED
    first = path.read_bytes()
    capsys.readouterr()
    assert ensure_hidden_split(tmp_path) == path and path.read_bytes() == first
    assert capsys.readouterr().out == ""


def test_student_package_does_not_contain_the_hidden_seed():
    package = Path(signs_data.__file__).parent
    texts = [p.read_text() for p in package.rglob("*") if p.suffix in {".py", ".json", ".md"}]
    for spelling in (str(HIDDEN_SEED), hex(HIDDEN_SEED), f"{HIDDEN_SEED:_}"):
        assert not any(spelling in text for text in texts)


def test_cli_verify_fails_when_the_files_are_missing(tmp_path):
    result = run_cli("verify", "--data-dir", str(tmp_path))
    assert result.returncode == 1 and "train_signs.h5: missing" in result.stderr
