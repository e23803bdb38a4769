"""Procedural rendering of one hand photo: a hand showing 0 to 5 raised fingers on a background.

The hand is drawn as polygons (palm, forearm, fingers as capsules) at twice the final resolution,
then box-downscaled for anti-aliasing and composited over a background with lighting, a drop
shadow, exposure, white balance, blur and sensor noise. Every random choice comes from the
``numpy.random.Generator`` passed in, in a fixed order, so a seed fixes the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .backgrounds import BACKGROUND_KINDS, BACKGROUND_WEIGHTS, render_background

IMAGE_SIZE = 64
SUPERSAMPLE = 2
NUM_CLASSES = 6

# Fingers: 0 thumb, 1 index, 2 middle, 3 ring, 4 little. For each count, the raised sets and their
# weights. One set per count, as in the real photo set: alternatives (thumb + index for 2, say) are
# left out to keep the task quick to learn, but the table keeps room for them.
RAISED_FINGER_CHOICES: dict[int, tuple[tuple[tuple[int, ...], float], ...]] = {
    0: (((), 1.0),),
    1: (((1,), 1.0),),
    2: (((1, 2), 1.0),),
    3: (((1, 2, 3), 1.0),),
    4: (((1, 2, 3, 4), 1.0),),
    5: (((0, 1, 2, 3, 4), 1.0),),
}
# Finger geometry in palm units: x of the base on the palm's top edge, relative length.
FINGER_BASE_X = (None, -0.31, -0.10, 0.11, 0.31)
FINGER_LENGTH = (0.62, 0.80, 0.90, 0.82, 0.64)

SKIN_LIGHT = np.array([236.0, 196.0, 168.0])
SKIN_DARK = np.array([92.0, 58.0, 40.0])


@dataclass(frozen=True)
class HandParams:
    """Everything that fixes one rendered image but its background (drawn from the generator)."""

    label: int
    raised: tuple[int, ...]
    skin: tuple[float, float, float]
    palm_size: float
    centre: tuple[float, float]
    rotation: float
    mirrored: bool
    finger_length: float
    finger_width: float
    spread: float
    thumb_angle: float
    light_angle: float
    light_strength: float
    exposure: float
    white_balance: tuple[float, float, float]
    shadow_offset: tuple[float, float]
    shadow_strength: float
    blur_radius: float
    noise_sigma: float
    background: str
    background_light: bool


def _choose_raised(rng: np.random.Generator, label: int) -> tuple[int, ...]:
    options = RAISED_FINGER_CHOICES[label]
    weights = np.array([weight for _, weight in options])
    index = int(rng.choice(len(options), p=weights / weights.sum()))
    return options[index][0]


def _luminance(rgb) -> float:
    r, g, b = rgb
    return 0.299 * r + 0.587 * g + 0.114 * b


def sample_hand_params(rng: np.random.Generator, label: int) -> HandParams:
    """Draws the pose, appearance and camera settings of one image showing ``label`` fingers.

    Args:
        rng: the random generator to draw from.
        label: the number of raised fingers, 0..5.

    Returns:
        The parameters of one image.
    """
    raised = _choose_raised(rng, label)
    tone = rng.uniform(0.0, 1.0)
    skin = SKIN_LIGHT * (1 - tone) + SKIN_DARK * tone
    skin = np.clip(skin * (1 + rng.normal(0, 0.03, 3)), 0, 255)
    palm_size = rng.uniform(17.5, 21.5)
    centre = (rng.uniform(-9, 9), rng.uniform(4, 9))
    rotation = rng.uniform(-22, 22)
    mirrored = bool(rng.random() < 0.5)
    finger_length = rng.uniform(1.0, 1.2)
    finger_width = rng.uniform(0.23, 0.27)
    spread = rng.uniform(9, 15)
    thumb_angle = rng.uniform(35, 65)
    light_angle = rng.uniform(0, 2 * np.pi)
    light_strength = rng.uniform(0.0, 0.35)
    exposure = rng.uniform(0.8, 1.15)
    white_balance = tuple(1 + rng.normal(0, 0.035, 3))
    shadow_offset = tuple(rng.uniform(-2.5, 2.5, 2))
    shadow_strength = rng.uniform(0.0, 0.4)
    blur_radius = rng.uniform(0.0, 0.7) if rng.random() < 0.5 else 0.0
    noise_sigma = rng.uniform(0.0, 5.0)
    background = BACKGROUND_KINDS[int(rng.choice(len(BACKGROUND_KINDS), p=BACKGROUND_WEIGHTS))]
    background_light = bool(rng.random() < 0.5)
    return HandParams(
        label=label,
        raised=raised,
        skin=tuple(float(c) for c in skin),
        palm_size=palm_size,
        centre=centre,
        rotation=rotation,
        mirrored=mirrored,
        finger_length=finger_length,
        finger_width=finger_width,
        spread=spread,
        thumb_angle=thumb_angle,
        light_angle=light_angle,
        light_strength=light_strength,
        exposure=exposure,
        white_balance=white_balance,
        shadow_offset=shadow_offset,
        shadow_strength=shadow_strength,
        blur_radius=blur_radius,
        noise_sigma=noise_sigma,
        background=background,
        background_light=background_light,
    )


_HALF_TURN = np.linspace(-np.pi / 2, np.pi / 2, 9)


def _capsule(start: np.ndarray, end: np.ndarray, radius: float) -> np.ndarray:
    """Polygon points of a stadium shape (a rounded finger) from ``start`` to ``end``."""
    direction = end - start
    angle = np.arctan2(direction[1], direction[0])
    cap_end = angle + _HALF_TURN
    cap_start = cap_end + np.pi
    tip = end + radius * np.stack([np.cos(cap_end), np.sin(cap_end)], axis=1)
    base = start + radius * np.stack([np.cos(cap_start), np.sin(cap_start)], axis=1)
    return np.concatenate([tip, base])


def _rounded_box(
    half_width: float, half_height: float, exponent: float = 3.5, count: int = 40
) -> np.ndarray:
    """Polygon points of a superellipse centred at the origin (the palm)."""
    t = np.linspace(0, 2 * np.pi, count, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    x = half_width * np.sign(c) * np.abs(c) ** (2 / exponent)
    y = half_height * np.sign(s) * np.abs(s) ** (2 / exponent)
    return np.stack([x, y], axis=1)


def _direction(degrees_from_up: float) -> np.ndarray:
    radians = np.deg2rad(degrees_from_up)
    return np.array([np.sin(radians), -np.cos(radians)])


def hand_parts(p: HandParams) -> list[tuple[np.ndarray, float]]:
    """The hand's polygons in palm units, back to front, each with a brightness factor.

    Coordinates: origin at the palm centre, x to the right, y downward, fingers pointing up (-y).
    """
    side = -1.0 if p.mirrored else 1.0
    half_w, half_h = 0.47, 0.5
    radius = p.finger_width / 2
    parts: list[tuple[np.ndarray, float]] = []
    forearm = _capsule(np.array([0.0, 0.3]), np.array([0.0, 3.0]), 0.36)
    parts.append((forearm, 0.93))
    for finger in range(1, 5):
        if finger not in p.raised:
            continue
        base = np.array([side * FINGER_BASE_X[finger], -half_h + 0.1])
        tilt = side * (finger - 2.5) * p.spread
        length = FINGER_LENGTH[finger] * p.finger_length
        parts.append((_capsule(base, base + length * _direction(tilt), radius), 1.0))
    thumb_base = np.array([-side * 0.36, 0.12])
    if 0 in p.raised:
        tip = thumb_base + FINGER_LENGTH[0] * p.finger_length * _direction(-side * p.thumb_angle)
        parts.append((_capsule(thumb_base, tip, radius * 1.2), 1.0))
    parts.append((_rounded_box(half_w, half_h), 1.0))
    for finger in range(1, 5):
        if finger in p.raised:
            continue
        x = side * FINGER_BASE_X[finger]
        knuckle = _capsule(
            np.array([x, -half_h + 0.07]), np.array([x, -half_h + 0.3]), radius * 1.05
        )
        parts.append((knuckle, 0.9))
    if 0 not in p.raised:
        folded_thumb = _capsule(
            thumb_base + np.array([-side * 0.06, 0.05]),
            np.array([side * 0.08, -0.02]),
            radius * 1.15,
        )
        parts.append((folded_thumb, 0.95))
    return parts


def _to_canvas(points: np.ndarray, p: HandParams) -> list[float]:
    angle = np.deg2rad(p.rotation)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    xy = points @ rotation.T * p.palm_size
    xy = (xy + np.array(p.centre) + IMAGE_SIZE / 2) * SUPERSAMPLE
    return xy.ravel().tolist()


def render_hand_layer(p: HandParams) -> tuple[np.ndarray, np.ndarray]:
    """Draws the hand alone.

    Returns:
        ``(colour, alpha)``: colour premultiplied by alpha, float32 (64, 64, 3) in 0..255, and the
        coverage alpha, float32 (64, 64) in 0..1.
    """
    big = IMAGE_SIZE * SUPERSAMPLE
    colour = Image.new("RGB", (big, big), (0, 0, 0))
    mask = Image.new("L", (big, big), 0)
    draw_colour, draw_mask = ImageDraw.Draw(colour), ImageDraw.Draw(mask)
    skin = np.array(p.skin)
    outline = tuple(int(c) for c in skin * 0.5)
    for points, brightness in hand_parts(p):
        polygon = _to_canvas(points, p)
        fill = tuple(int(c) for c in np.clip(skin * brightness, 0, 255))
        draw_colour.polygon(polygon, fill=fill, outline=outline, width=SUPERSAMPLE)
        draw_mask.polygon(polygon, fill=255, outline=255, width=SUPERSAMPLE)
    colour_small = np.asarray(colour.reduce(SUPERSAMPLE), dtype=np.float32)
    alpha_small = np.asarray(mask.reduce(SUPERSAMPLE), dtype=np.float32) / 255.0
    return colour_small, alpha_small


def _lighting(p: HandParams) -> np.ndarray:
    coords = np.arange(IMAGE_SIZE, dtype=np.float32) - IMAGE_SIZE / 2
    xs, ys = np.meshgrid(coords - p.centre[0], coords - p.centre[1])
    along = (np.cos(p.light_angle) * xs + np.sin(p.light_angle) * ys) / (1.5 * p.palm_size)
    return (1.0 + p.light_strength * np.clip(along, -1, 1))[..., None]


def render_image(p: HandParams, rng: np.random.Generator) -> np.ndarray:
    """Renders one photo.

    Args:
        p: the image's parameters (see ``sample_hand_params``).
        rng: the generator for the background texture and the sensor noise.

    Returns:
        A uint8 array (64, 64, 3).
    """
    background = render_background(rng, p.background, p.background_light)
    skin_luminance = _luminance(p.skin)
    if abs(_luminance(background.mean(axis=(0, 1))) - skin_luminance) < 80:
        background = render_background(rng, p.background, skin_luminance < 128)
    colour, alpha = render_hand_layer(p)
    shift = np.round(p.shadow_offset).astype(int)
    shadow = np.roll(alpha, shift=(shift[1], shift[0]), axis=(0, 1))
    background = background * (1.0 - p.shadow_strength * shadow)[..., None]
    image = colour * _lighting(p) + background * (1.0 - alpha[..., None])
    image = image * p.exposure * np.array(p.white_balance, dtype=np.float32)
    image = np.clip(image, 0, 255).astype(np.uint8)
    if p.blur_radius > 0:
        image = np.asarray(Image.fromarray(image).filter(ImageFilter.GaussianBlur(p.blur_radius)))
    noisy = image + rng.normal(0.0, p.noise_sigma, image.shape)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def render_batch(labels: np.ndarray, rng: np.random.Generator, progress=None) -> np.ndarray:
    """Renders one image per label, drawing every random choice from ``rng`` in order.

    Args:
        labels: int array (m,) of finger counts 0..5.
        rng: the random generator; the same state gives the same bytes.
        progress: optional callable ``progress(done, total)`` called as images are made.

    Returns:
        A uint8 array (m, 64, 64, 3).
    """
    images = np.empty((len(labels), IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    for index, label in enumerate(labels):
        params = sample_hand_params(rng, int(label))
        images[index] = render_image(params, rng)
        if progress is not None:
            progress(index + 1, len(labels))
    return images
