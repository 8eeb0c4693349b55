"""Pictures are decoded and written anew with Pillow: what a phone hid in them (EXIF GPS, the device, the owner,
XMP, comments, colour profiles) does not survive, and neither does anything that only pretended to be a picture.

The orientation the camera recorded is applied to the pixels first, so the photo still stands upright.
"""
from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from engine.common import Invalid

#: Refused above this many pixels before anything is decoded (a 50-megapixel phone photo is 8160×6120).
MAX_PIXELS = 60_000_000
#: Long edge of the stored picture; larger ones are scaled down (a 4096-pixel photo stays legible when zoomed).
MAX_EDGE = 4096
THUMB_EDGE = 360
ANNEX_EDGE = 1600
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP",
                  "image/bmp": "BMP"}


@dataclass(frozen=True)
class Picture:
    """A re-encoded picture, its thumbnail and its size in pixels."""

    data: bytes
    mime: str
    ext: str
    thumb: bytes
    width: int
    height: int


def _refuse(name: str, message: str, log: str, field: str) -> Invalid:
    return Invalid(message, f"image {name!r} refused: {log}", fields={field: message})


def reencode(data: bytes, mime: str, name: str, field: str = "attachments") -> Picture:
    """Decode a picture and write it again without any metadata: JPEG for photos, PNG where transparency matters.

    :raises Invalid: when the picture cannot be decoded, is not what its bytes claimed, or has too many pixels.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[mime]])
            width, height = im.size
            if width * height > MAX_PIXELS:
                raise _refuse(name, f"「{name}」图片尺寸过大（超过{MAX_PIXELS // 10_000}万像素），请缩小后上传",
                              f"{width}x{height} pixels", field)
            if im.format == "JPEG":
                im.draft("RGB", (MAX_EDGE, MAX_EDGE))  # let libjpeg decode a huge photo at a reduced scale
            im.seek(0)  # an animation keeps its first frame
            im.load()
            im = ImageOps.exif_transpose(im)
    except Invalid:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise _refuse(name, f"「{name}」图片已损坏或格式不正确，无法读取，请重新选择", "undecodable", field) from None
    keep_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
    im = im.convert("RGBA" if keep_alpha else "RGB")
    if max(im.size) > MAX_EDGE:
        im.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    # Pillow writes some of what it read back out (a JPEG comment, a PNG colour profile): keep pixels only.
    im.info = {}
    out = io.BytesIO()
    if keep_alpha:
        im.save(out, "PNG", optimize=True)
        mime, ext = "image/png", "png"
    else:
        im.save(out, "JPEG", quality=85, optimize=True, progressive=True)
        mime, ext = "image/jpeg", "jpg"
    return Picture(out.getvalue(), mime, ext, _small(im, THUMB_EDGE, 75), im.size[0], im.size[1])


def _small(im: Image.Image, edge: int, quality: int) -> bytes:
    """A JPEG at most ``edge`` pixels long (transparent parts on white)."""
    small = im.copy()
    small.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    if small.mode == "RGBA":
        white = Image.new("RGB", small.size, "white")
        white.paste(small, mask=small.getchannel("A"))
        small = white
    out = io.BytesIO()
    small.convert("RGB").save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def annex_image(data: bytes) -> str:
    """A stored picture as a ``data:`` URI small enough to print on an A4 annex page."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        small = _small(im.convert("RGBA" if im.mode in ("RGBA", "LA") else "RGB"), ANNEX_EDGE, 80)
    return "data:image/jpeg;base64," + base64.b64encode(small).decode()
