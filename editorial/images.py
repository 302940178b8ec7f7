"""Validation and re-encoding of uploaded images (independent of Django).

Uploaded files are never served as-is.  :func:`process_image` checks them in
order of increasing cost — byte size, header (format and pixel count), full
decode — and then re-encodes two renditions from the decoded pixels.
Re-encoding is what strips metadata (EXIF incl. GPS position, XMP, comments)
and neutralises anything smuggled into the original file.

All rejections raise :class:`ImageRejected` with a message that can be shown
to the editor as-is (Simplified Chinese).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO
from typing import BinaryIO

from PIL import Image, ImageFile, ImageOps

from common.errors import BulletinError

from .upload_limits import read_limited

__all__ = ["ImageRejected", "ProcessedImage", "process_image"]

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})
# Lossless sources are usually screenshots, diagrams or line art: keep them
# lossless so text stays crisp.  Photos (JPEG/WebP) are re-encoded as JPEG.
_LOSSLESS_SOURCES = frozenset({"PNG", "GIF"})
JPEG_QUALITY = 85

_MSG_TOO_LARGE = "图片文件过大（最大 {limit}）。"
_MSG_INVALID = "文件不是有效的图片，或已损坏。"
_MSG_TOO_MANY_PIXELS = "图片像素过大（最大 {limit}），请缩小后再上传。"
_MSG_UNSUPPORTED = "不支持的图片格式：仅支持 JPEG、PNG、GIF、WebP。"

_RGB_FAMILY = frozenset({"RGB", "RGBA", "RGBX", "P", "PA"})
_GREY_FAMILY = frozenset({"L", "LA"})


class ImageRejected(BulletinError, ValueError):
    """The upload is not an acceptable image; ``message`` is user-facing."""


@dataclass(frozen=True)
class ProcessedImage:
    """Result of :func:`process_image`.

    ``width``/``height`` are those of the original after EXIF orientation was
    applied; ``web`` and ``print`` are the encoded renditions, both in the
    format named by ``ext``.
    """

    original_format: str
    width: int
    height: int
    web: bytes
    print: bytes
    ext: str

    @property
    def content_type(self) -> str:
        return "image/png" if self.ext == "png" else "image/jpeg"


def _trim_number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _format_bytes(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{_trim_number(limit / (1024 * 1024))} MB"
    if limit >= 1024:
        return f"{_trim_number(limit / 1024)} KB"
    return f"{limit} 字节"


def _format_pixels(limit: float) -> str:
    if limit >= 10_000:
        return f"{_trim_number(limit / 10_000)} 万像素"
    return f"{_trim_number(limit)} 像素"


def _decode(content: bytes, max_pixels: float) -> Image.Image:
    """Open, validate and fully decode the image; return it loaded."""
    too_many_pixels = ImageRejected(
        _MSG_TOO_MANY_PIXELS.format(limit=_format_pixels(max_pixels))
    )
    # Pillow warns (and past 2x its limit raises) on decompression bombs;
    # promote the warning to an error so such files never get decoded.
    # (catch_warnings is process-global; the worst a race can do is let the
    # warning through as a warning — our own max_pixels check still applies.)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Image.open only parses the header: format and size are known,
            # no pixel data has been decoded yet.
            probe = Image.open(BytesIO(content))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except Exception:  # Pillow raises many types for garbage input
            raise ImageRejected(_MSG_INVALID) from None

        if probe.format not in ALLOWED_FORMATS:
            raise ImageRejected(_MSG_UNSUPPORTED)
        width, height = probe.size
        if width <= 0 or height <= 0:
            raise ImageRejected(_MSG_INVALID)
        if width * height > max_pixels:
            raise too_many_pixels

        try:
            # verify() checks structure (e.g. PNG chunk CRCs) without decoding;
            # afterwards the image object is unusable and must be reopened.
            probe.verify()
            image = Image.open(BytesIO(content))
            if image.format != probe.format or image.size != probe.size:
                raise ImageRejected(_MSG_INVALID)
            # Decoding catches what verify() cannot, e.g. a truncated JPEG
            # ("image file is truncated").  GIF/WebP: first frame only.
            # WeasyPrint sets Pillow's global LOAD_TRUNCATED_IMAGES = True when imported
            # (any PDF render), which would let truncated uploads through: force it off here.
            previous = ImageFile.LOAD_TRUNCATED_IMAGES
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            try:
                image.load()
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = previous
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except Exception:
            raise ImageRejected(_MSG_INVALID) from None
    return image


def _has_transparency(image: Image.Image) -> bool:
    if image.mode in {"RGBA", "LA"}:
        return image.getchannel("A").getextrema()[0] < 255
    return False


def _normalise_mode(image: Image.Image) -> Image.Image:
    """Convert to L, LA, RGB or RGBA (alpha kept only if actually used)."""
    mode = image.mode
    if mode in {"P", "PA"} or "transparency" in image.info:
        image = image.convert("RGBA")
    elif mode == "1":
        image = image.convert("L")
    elif mode.startswith("I"):
        # 16/32-bit greyscale (e.g. 16-bit PNG): scale into 8 bits.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif mode not in {"L", "LA", "RGB", "RGBA"}:
        image = image.convert("RGB")  # CMYK, YCbCr, LAB, F, …
    if image.mode in {"RGBA", "LA"} and not _has_transparency(image):
        image = image.convert(image.mode[:-1])
    return image


def _render(
    image: Image.Image, width: int, fmt: str, icc_profile: bytes | None
) -> bytes:
    """Encode one rendition at most ``width`` pixels wide (never upscaled)."""
    if image.width > width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize(
            (width, height), Image.Resampling.LANCZOS, reducing_gap=3.0
        )
    else:
        image = image.copy()
    # Start from empty metadata: some encoders fall back to image.info
    # (e.g. JPEG comments, PNG ICC profile).  Only the ICC profile is passed
    # on, explicitly, because dropping it would shift colours.
    image.info = {}
    options: dict[str, object] = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    buffer = BytesIO()
    if fmt == "JPEG":
        image.save(
            buffer,
            "JPEG",
            quality=JPEG_QUALITY,
            optimize=True,
            progressive=True,
            **options,
        )
    else:
        image.save(buffer, "PNG", optimize=True, **options)
    return buffer.getvalue()


def process_image(
    data: bytes | BinaryIO,
    *,
    max_bytes: int,
    max_pixels: float,
    web_width: int = 1200,
    print_width: int = 2400,
) -> ProcessedImage:
    """Validate an uploaded image and produce metadata-free renditions.

    ``data`` is the raw file content or a binary file object (read from the
    start, at most ``max_bytes + 1`` bytes).  Raises :class:`ImageRejected`
    when the file is too large, not a (complete) image, has more than
    ``max_pixels`` pixels, or is not JPEG/PNG/GIF/WebP.

    The image is rotated according to its EXIF orientation, then encoded as
    a ``web_width`` and a ``print_width`` rendition (downscaled only).  Output
    is PNG for images with transparency or lossless sources (PNG/GIF), JPEG
    otherwise.  Pillow's own decompression-bomb limit
    (``Image.MAX_IMAGE_PIXELS``) applies on top of ``max_pixels``.
    """
    content = read_limited(
        data,
        max_bytes,
        too_large=ImageRejected(_MSG_TOO_LARGE.format(limit=_format_bytes(max_bytes))),
        invalid=ImageRejected(_MSG_INVALID),
    )
    image = _decode(content, max_pixels)
    source_format = image.format
    source_mode = image.mode
    icc_profile = image.info.get("icc_profile")

    try:
        image = ImageOps.exif_transpose(image)
        image = _normalise_mode(image)
    except Exception:
        raise ImageRejected(_MSG_INVALID) from None

    # An ICC profile describes one colour space; keep it only if the pixels
    # are still in that family (a CMYK profile on RGB pixels would be wrong).
    if not (
        (source_mode in _RGB_FAMILY and image.mode in {"RGB", "RGBA"})
        or (source_mode in _GREY_FAMILY and image.mode in {"L", "LA"})
    ):
        icc_profile = None

    if image.mode in {"RGBA", "LA"} or source_format in _LOSSLESS_SOURCES:
        fmt, ext = "PNG", "png"
    else:
        fmt, ext = "JPEG", "jpg"

    return ProcessedImage(
        original_format=source_format,
        width=image.width,
        height=image.height,
        web=_render(image, web_width, fmt, icc_profile),
        print=_render(image, print_width, fmt, icc_profile),
        ext=ext,
    )
