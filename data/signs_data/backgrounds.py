"""Backgrounds for the rendered photos: plain, gradient, blotchy, striped, tiled and cluttered."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

SIZE = 64
BACKGROUND_KINDS = ("plain", "gradient", "blotches", "stripes", "tiles", "clutter")
BACKGROUND_WEIGHTS = (0.25, 0.25, 0.15, 0.1, 0.1, 0.15)


def _grid(size: int = SIZE) -> tuple[np.ndarray, np.ndarray]:
    coords = (np.arange(size, dtype=np.float32) + 0.5) / size - 0.5
    return np.meshgrid(coords, coords)


def random_background_colour(rng: np.random.Generator, light: bool) -> np.ndarray:
    """Returns an RGB colour (float 0..255) that is light or dark, of any hue, from grey to tinted.

    Tints as strong as skin's own keep "reddish pixels" from being a linear cue for the hand.
    """
    level = rng.uniform(170, 245) if light else rng.uniform(20, 90)
    chroma = rng.uniform(0.0, 0.4)
    # Skin's hue (red-orange) two times in five: warm walls, wood, beige.
    hue = rng.uniform(-0.5, 0.2) if rng.random() < 0.4 else rng.uniform(0, 2 * np.pi)
    tint = chroma * np.cos(hue - np.array([0.0, 2 * np.pi / 3, 4 * np.pi / 3]))
    return np.clip(level * (1.0 + tint), 0, 255)


def render_background(rng: np.random.Generator, kind: str, light: bool) -> np.ndarray:
    """Renders one background.

    Args:
        rng: the random generator to draw from.
        kind: one of ``BACKGROUND_KINDS``.
        light: whether the background is mostly light (True) or mostly dark (False).

    Returns:
        A float32 array (64, 64, 3) with values in 0..255.
    """
    base = random_background_colour(rng, light)
    other = np.clip(
        base + rng.normal(0, 1, 3) * 12 + (-1 if light else 1) * rng.uniform(8, 20), 0, 255
    )
    xs, ys = _grid()
    if kind == "plain":
        mix = np.zeros_like(xs)
    elif kind == "gradient":
        angle = rng.uniform(0, 2 * np.pi)
        mix = np.clip(0.5 + np.cos(angle) * xs + np.sin(angle) * ys, 0, 1)
    elif kind == "blotches":
        cells = int(rng.integers(3, 7))
        coarse = rng.random((cells, cells)).astype(np.float32)
        mix = np.asarray(Image.fromarray(coarse, mode="F").resize((SIZE, SIZE), Image.BICUBIC))
        mix = np.clip(mix, 0, 1)
    elif kind == "stripes":
        angle = rng.uniform(0, np.pi)
        frequency = rng.uniform(3, 9)
        phase = rng.uniform(0, 2 * np.pi)
        wave = np.sin(2 * np.pi * frequency * (np.cos(angle) * xs + np.sin(angle) * ys) + phase)
        mix = 0.5 + 0.5 * wave
    elif kind == "tiles":
        angle = rng.uniform(0, np.pi / 2)
        period = rng.uniform(0.12, 0.3)
        u = np.floor((np.cos(angle) * xs + np.sin(angle) * ys) / period)
        v = np.floor((-np.sin(angle) * xs + np.cos(angle) * ys) / period)
        mix = ((u + v) % 2).astype(np.float32) * rng.uniform(0.4, 1.0)
    elif kind == "clutter":
        image = Image.new("F", (SIZE, SIZE), 0.0)
        draw = ImageDraw.Draw(image)
        for _ in range(int(rng.integers(2, 6))):
            x0, y0 = rng.uniform(-10, SIZE, 2)
            w, h = rng.uniform(8, 30, 2)
            value = float(rng.uniform(0.3, 1.0))
            if rng.random() < 0.5:
                draw.rectangle([x0, y0, x0 + w, y0 + h], fill=value)
            else:
                draw.ellipse([x0, y0, x0 + w, y0 + h], fill=value)
        mix = np.asarray(image)
    else:
        raise ValueError(f"unknown background kind {kind!r}; expected one of {BACKGROUND_KINDS}")
    mix = mix[..., None].astype(np.float32)
    return (base * (1 - mix) + other * mix).astype(np.float32)
