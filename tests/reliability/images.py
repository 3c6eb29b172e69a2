"""Images for the reliability tests, all made here with Pillow, zlib and struct.

``heic()`` uses pillow-heif's own encoder (the ``heif`` extra), without
registering it with Pillow; it is imported only when called.

Nothing binary is committed: each function returns the bytes of a small image
(good, damaged or hostile) built on the spot.
"""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image, ImageCms

# EXIF tags: the orientation (IFD0) and the pointer to the GPS IFD.
ORIENTATION = 0x0112
GPS_IFD = 0x8825


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    """Return *image* saved as *fmt*."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def solid(fmt: str = "JPEG", size=(64, 48), mode: str = "RGB", color="red", **options) -> bytes:
    """Return a one-colour image encoded as *fmt*."""
    return encode(Image.new(mode, size, color), fmt, **options)


def noisy(fmt: str = "JPEG", size=(160, 120), seed: int = 0) -> bytes:
    """Return an image of random pixels: like a photo, it does not compress much.

    Cut in half, its header is intact and only the pixel data is missing, as
    in an interrupted upload.
    """
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    return encode(Image.frombytes("RGB", size, pixels), fmt)


def first_half(data: bytes) -> bytes:
    """Return the first half of *data*: an upload or copy cut off halfway."""
    return data[: len(data) // 2]


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_declaring(width: int, height: int) -> bytes:
    """Return a valid-looking PNG of a few dozen bytes whose header claims *width* x *height*.

    Its one data chunk holds a hundred bytes of pixels: decoding it would
    first allocate the whole declared image, then find the data short.
    """
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + _png_chunk(b"IEND", b"")
    )


def halves(size=(64, 48), left="red", right="blue") -> Image.Image:
    """Return an RGB image whose left half is *left* and right half is *right*."""
    image = Image.new("RGB", size, left)
    image.paste(Image.new("RGB", (size[0] - size[0] // 2, size[1]), right), (size[0] // 2, 0))
    return image


def animated_gif(size=(64, 48), frames: int = 3) -> bytes:
    images = [Image.new("P", size, index) for index in range(frames)]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=40, loop=0)


def palette_png_with_transparency(size=(64, 48)) -> bytes:
    """Return a palette PNG whose left half is transparent (index 0) and right half red."""
    image = Image.new("P", size, 0)
    image.putpalette([0, 0, 0, 255, 0, 0])
    image.paste(1, (size[0] // 2, 0, size[0], size[1]))
    return encode(image, "PNG", transparency=0)


def srgb_profile() -> bytes:
    """Return the bytes of an sRGB ICC profile made by LittleCMS."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def profile_declaring(colour_space: bytes) -> bytes:
    """Return an ICC profile whose header declares *colour_space* (``b"CMYK"``, ``b"GRAY"``).

    LittleCMS makes only RGB and Lab profiles from nothing; what tells a
    reader (and imagekit) a profile's colour space is its header, bytes 16
    to 19.
    """
    profile = bytearray(srgb_profile())
    profile[16:20] = colour_space
    return bytes(profile)


def cmyk_profile() -> bytes:
    """Return an ICC profile for CMYK images (see :func:`profile_declaring`)."""
    return profile_declaring(b"CMYK")


def gps_exif() -> Image.Exif:
    """Return EXIF data holding a camera model and a GPS position."""
    exif = Image.Exif()
    exif[0x0110] = "Test Camera"  # Model
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (48.0, 51.0, 29.0)  # GPSLatitude
    gps[3] = "E"  # GPSLongitudeRef
    gps[4] = (2.0, 17.0, 40.0)  # GPSLongitude
    return exif


def photo_with_location_and_profile(fmt: str = "JPEG") -> bytes:
    """Return a photo (as *fmt*) carrying GPS EXIF and an sRGB ICC profile."""
    return encode(
        Image.new("RGB", (64, 48), "red"), fmt, exif=gps_exif(), icc_profile=srgb_profile()
    )


# --- containers that hide a bigger image than they declare --------------------


def ico_hiding(declared: int, hidden: int) -> bytes:
    """Return an ICO whose directory lists one *declared* x *declared* icon that is a
    *hidden* x *hidden* PNG (one colour, so the file stays a few kilobytes).

    Pillow's ICO plugin decodes the icon inside ``Image.open``.
    """
    png = solid("PNG", size=(hidden, hidden), mode="RGBA")
    side = declared % 256  # 0 stands for 256 in an ICO directory
    entry = struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), 6 + 16)
    return struct.pack("<HHH", 0, 1, 1) + entry + png


def icns_hiding(hidden: int) -> bytes:
    """Return an ICNS whose one entry (type ``ic10``: 1024x1024) is a *hidden* x *hidden* PNG."""
    png = solid("PNG", size=(hidden, hidden), mode="RGBA")
    entry = b"ic10" + struct.pack(">I", 8 + len(png)) + png
    return b"icns" + struct.pack(">I", 8 + len(entry)) + entry


def gif_hiding(declared: int, hidden: int) -> bytes:
    """Return a GIF whose screen is *declared* pixels square and whose one frame is *hidden*."""
    data = bytearray(solid("GIF", size=(hidden, hidden), mode="P", color=1))
    data[6:10] = struct.pack("<HH", declared, declared)  # the logical screen
    return bytes(data)


def pages(fmt: str, *sizes: tuple[int, int], **options) -> bytes:
    """Return a multi-page (multi-frame) *fmt* file with one solid page of each size."""
    images = [Image.new("RGB", size, (index * 40 % 256, 0, 0)) for index, size in enumerate(sizes)]
    return encode(images[0], fmt, save_all=True, append_images=images[1:], **options)


def oriented_jpeg(orientation: int, size=(64, 48)) -> bytes:
    """Return a JPEG whose left half is red and right half blue, tagged with *orientation*."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return encode(halves(size), "JPEG", exif=exif, quality=95)


def animation(fmt: str, size=(64, 48), colors=("red", "green", "blue"), durations=None, **options):
    """Return an animated *fmt* (GIF or WebP): one solid frame per colour."""
    images = [Image.new("RGB", size, color) for color in colors]
    durations = list(durations or [40 * (index + 1) for index in range(len(colors))])
    return encode(
        images[0], fmt, save_all=True, append_images=images[1:], duration=durations, **options
    )


def _gif_blocks(data: bytes) -> tuple[bytes, bytes]:
    """Split a GIF into its head (header, screen, global palette) and its blocks."""
    packed = data[10]
    start = 13 + (3 * 2 ** ((packed & 7) + 1) if packed & 0x80 else 0)
    assert data.endswith(b"\x3b")
    return data[:start], data[start:-1]


def gif_with_a_hidden_frame(declared: int, hidden: int) -> bytes:
    """Return an animated GIF: a *declared*-pixel square frame, then a *hidden* one.

    Pillow only meets the second frame's size when it seeks to it.
    """

    def frame(side: int) -> bytes:
        image = Image.new("P", (side, side), 1)
        image.putpalette([0, 0, 0, 255, 0, 0])
        return encode(image, "GIF", optimize=False)

    head, first = _gif_blocks(frame(declared))
    _other_head, second = _gif_blocks(frame(hidden))
    assert _other_head[13:] == head[13:]  # the same palette
    return head + first + second + b"\x3b"


def heic(size=(64, 48), color="red") -> bytes:
    """Return a one-colour HEIC image, encoded by pillow-heif."""
    import pillow_heif

    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", size, color)).save(buffer, quality=90)
    return buffer.getvalue()
