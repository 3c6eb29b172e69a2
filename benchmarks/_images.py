"""Test images and image comparisons for the benchmarks (runs inside a venv with Pillow).

Usage (``run.py`` calls it; it needs Pillow and pilkit, not Django)::

    python _images.py build OUT_DIR KIND:WIDTHxHEIGHT ...
    python _images.py psnr PAIRS_JSON

``build`` writes one source image per argument into OUT_DIR (reusing those
already there) plus, next to each, the PSNR references: a full-resolution
decode of the source turned upright as its EXIF orientation says (pilkit's
``Transpose()``), passed through ``pilkit.processors.ResizeToFill(100, 50)``
and ``pilkit.utils.prepare_image(image, "JPEG")``, stored losslessly as PNG
(``reference_raw``) and encoded as the spec encodes it, JPEG with Pillow's
default quality (``reference_jpeg``). It prints a JSON object
``{name: {"path", "reference_raw", "reference_jpeg", "bytes", "size", "mode"}}``.

``psnr`` reads a JSON list of ``[image_a, image_b]`` paths and prints the
list of PSNR values in dB (null when a file is missing or the sizes differ).

Kinds: ``jpeg`` (RGB, quality 90), ``jpeg-cmyk`` (CMYK, quality 90),
``jpeg-exif6`` (RGB, quality 90, EXIF orientation 6 = rotated 90° clockwise
for display) and ``png-rgba`` (RGBA PNG).
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

# Bump when the texture recipe changes, so cached images are rebuilt.
RECIPE_VERSION = 1
# Bump when the references change (3: turned upright by EXIF orientation).
REFERENCE_VERSION = 3
SEED = 20240605
THUMB_SIZE = (100, 50)
EXTENSIONS = {"jpeg": ".jpg", "jpeg-cmyk": ".jpg", "jpeg-exif6": ".jpg", "png-rgba": ".png"}


def _gradient_channel(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A smooth 0-255 ramp in a random direction, or a radial falloff."""
    if rng.random() < 0.5:
        base = Image.linear_gradient("L").rotate(rng.uniform(0, 360), resample=Image.BICUBIC)
    else:
        base = Image.radial_gradient("L")
    # Crop the middle so that rotation corners do not show, then stretch.
    base = base.crop((48, 48, 208, 208))
    return base.resize(size, Image.BICUBIC)


def photo_texture(width: int, height: int, seed: int = SEED) -> Image.Image:
    """An RGB image with the statistics of a photograph rather than flat colour.

    Large smooth colour regions (gradients and blurred blobs), a few hard-edged
    shapes, mid-frequency texture and fine sensor-like grain: JPEG decoding
    and encoding cost about what they cost on a camera picture of that size.
    """
    rng = random.Random(seed + width * 7 + height)
    low = (max(16, width // 16), max(12, height // 16))
    base = Image.merge("RGB", [_gradient_channel(low, rng) for _ in range(3)])

    # Soft blobs of colour at low resolution: sky, foliage, faces...
    blobs = Image.new("RGBA", low, (0, 0, 0, 0))
    draw = ImageDraw.Draw(blobs)
    for _ in range(40):
        x, y = rng.uniform(-0.2, 1.2) * low[0], rng.uniform(-0.2, 1.2) * low[1]
        r = rng.uniform(0.05, 0.35) * low[0]
        color = (rng.randrange(256), rng.randrange(256), rng.randrange(256), rng.randrange(60, 200))
        draw.ellipse((x - r, y - r * rng.uniform(0.5, 1.5), x + r, y + r), fill=color)
    base = Image.alpha_composite(base.convert("RGBA"), blobs).convert("RGB")
    base = base.filter(ImageFilter.GaussianBlur(2)).resize((width, height), Image.BICUBIC)

    # Hard edges at full resolution: buildings, poles, text-like strokes.
    draw = ImageDraw.Draw(base)
    scale = width / 640
    for _ in range(25):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        reach = rng.uniform(0.03, 0.2) * width
        points = [
            (cx + rng.uniform(-reach, reach), cy + rng.uniform(-reach, reach))
            for _ in range(rng.randrange(3, 6))
        ]
        color = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        if rng.random() < 0.5:
            draw.polygon(points, fill=color)
        else:
            draw.line(points, fill=color, width=max(1, int(rng.uniform(1, 6) * scale)))

    # Mid-frequency texture (grass, fabric, skin pores) and fine grain.
    texture = Image.effect_noise((max(1, width // 4), max(1, height // 4)), 20)
    texture = texture.resize((width, height), Image.BICUBIC).convert("RGB")
    base = ImageChops.add(base, texture, 1.0, -128)
    grain = Image.effect_noise((width, height), 5).convert("RGB")
    return ImageChops.add(base, grain, 1.0, -128)


def build_source(kind: str, width: int, height: int, path: Path) -> None:
    image = photo_texture(width, height)
    tmp = path.with_name(path.name + ".tmp")
    if kind == "jpeg":
        image.save(tmp, "JPEG", quality=90)
    elif kind == "jpeg-cmyk":
        image.convert("CMYK").save(tmp, "JPEG", quality=90)
    elif kind == "jpeg-exif6":
        exif = Image.Exif()
        exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
        image.save(tmp, "JPEG", quality=90, exif=exif.tobytes())
    elif kind == "png-rgba":
        alpha = Image.radial_gradient("L").resize((width, height), Image.BICUBIC)
        draw = ImageDraw.Draw(alpha)
        draw.rectangle((0, 0, width // 5, height), fill=0)  # a fully transparent band
        image.putalpha(ImageChops.invert(alpha))
        image.save(tmp, "PNG")
    else:
        raise SystemExit(f"unknown image kind {kind!r}")
    tmp.replace(path)


def spec_pipeline(source: Path) -> Image.Image:
    """Full-resolution decode, upright + the spec's processors + pilkit's JPEG preparation.

    This is what a spec ``ImageSpec(processors=[ResizeToFill(100, 50)],
    format="JPEG")`` should give, computed without any decoding shortcut: the
    image as opened (no draft), turned as its EXIF orientation says (what
    imagekit does by default, ``IMAGEKIT_APPLY_EXIF_ORIENTATION``, and what
    pilkit's ``Transpose()`` does in a spec that asks for it; a photo taken
    with the phone held upright must come out upright), the processor, then
    ``pilkit.utils.prepare_image`` (RGBA is composited on white, CMYK
    converted to RGB). django-imagekit 6.1 does not turn images unless the
    spec starts with ``Transpose()``, so its output differs from this on
    sources with an orientation other than 1.
    """
    from pilkit.processors import ResizeToFill, Transpose
    from pilkit.utils import prepare_image

    with Image.open(source) as im:
        image = Transpose().process(im)
        image = ResizeToFill(*THUMB_SIZE).process(image)
    image, _ = prepare_image(image, "JPEG")
    return image.convert("RGB")


def build_references(source: Path, raw: Path, encoded: Path) -> None:
    """*raw*: :func:`spec_pipeline` kept losslessly (PNG); *encoded*: the same
    written as the spec writes it (JPEG, Pillow's default quality)."""
    reference = spec_pipeline(source)
    for path, fmt in ((raw, "PNG"), (encoded, "JPEG")):
        tmp = path.with_name(path.name + ".tmp")
        reference.save(tmp, fmt)
        tmp.replace(path)


def psnr(a: Image.Image, b: Image.Image) -> float | None:
    """Peak signal-to-noise ratio of two images over their RGB channels, in dB."""
    a, b = a.convert("RGB"), b.convert("RGB")
    if a.size != b.size:
        return None
    histogram = ImageChops.difference(a, b).histogram()
    squared = sum(count * (i % 256) ** 2 for i, count in enumerate(histogram))
    mse = squared / (a.width * a.height * 3)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def build(out_dir: Path, specs: list[str]) -> dict[str, dict]:
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {}
    for spec in specs:
        kind, _, dims = spec.partition(":")
        width, height = (int(v) for v in dims.split("x"))
        name = f"{kind}-{width}x{height}"
        source = out_dir / f"{name}-v{RECIPE_VERSION}{EXTENSIONS[kind]}"
        stem = f"{name}-v{RECIPE_VERSION}.ref{REFERENCE_VERSION}"
        raw, encoded = out_dir / f"{stem}.png", out_dir / f"{stem}.jpg"
        if not source.exists():
            print(f"  building {source.name}", file=sys.stderr, flush=True)
            build_source(kind, width, height, source)
        if not (raw.exists() and encoded.exists()):
            build_references(source, raw, encoded)
        with Image.open(source) as im:
            mode, size = im.mode, im.size
        result[name] = {
            "kind": kind,
            "path": str(source),
            "reference_raw": str(raw),
            "reference_jpeg": str(encoded),
            "bytes": source.stat().st_size,
            "size": list(size),
            "mode": mode,
        }
    return result


def compare(pairs: list[list[str]]) -> list[float | None]:
    values = []
    for a, b in pairs:
        try:
            with Image.open(a) as image_a, Image.open(b) as image_b:
                value = psnr(image_a, image_b)
        except OSError:
            value = None
        values.append(None if value is None else min(value, 99.0))
    return values


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "build":
        print(json.dumps(build(Path(argv[1]), argv[2:])))
        return 0
    if len(argv) == 2 and argv[0] == "psnr":
        print(json.dumps(compare(json.loads(Path(argv[1]).read_text()))))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
