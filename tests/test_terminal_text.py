"""Keras's progress bar, written for a terminal, reaches a log as plain lines.

Each line's last state.
"""

import contextlib
import io

import keras
import numpy as np

from instructor.terminal_text import PlainLines, rendered_line


def test_rewritten_line_shows_its_last_state_without_escape_codes():
    raw = (
        "\x1b[1m1/5\x1b[0m \x1b[32m━━\x1b[0m loss: "
        "2.1\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\r\x1b[1m5/5\x1b[0m ━━━━━━ loss: 1.3"
    )
    assert rendered_line(raw) == "5/5 ━━━━━━ loss: 1.3"


def test_shorter_rewrite_keeps_what_the_terminal_would_still_show():
    assert rendered_line("abcdef\rxy") == "xycdef"


def test_line_split_across_writes_is_written_once_finished():
    log = io.StringIO()
    lines = PlainLines(log)
    lines.write("Epoch 1/1\n1/2 [==")
    assert log.getvalue() == "Epoch 1/1\n"
    lines.write("..]\r2/2 [====]\n")
    assert log.getvalue() == "Epoch 1/1\n2/2 [====]\n"


def test_unfinished_line_is_written_on_close():
    log = io.StringIO()
    lines = PlainLines(log)
    lines.write("3/3 done")
    lines.close()
    assert log.getvalue() == "3/3 done\n"


def test_real_keras_fit_log_has_one_plain_line_per_epoch_end():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = np.zeros((64, 3), "float32"), np.zeros(64, "int64")
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        model.fit(x, y, batch_size=8, epochs=2, verbose=1)
    log = io.StringIO()
    lines = PlainLines(log)
    lines.write(captured.getvalue())
    lines.close()
    text = log.getvalue()
    assert any(code in captured.getvalue() for code in ("\r", "\b", "\x1b"))
    assert not any(code in text for code in ("\r", "\b", "\x1b"))
    assert [line.split()[0] for line in text.splitlines() if "loss" in line] == ["8/8", "8/8"]
