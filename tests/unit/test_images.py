"""Tests for editorial.images.process_image."""

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image

from editorial.images import ImageRejected, ProcessedImage, process_image

MB = 1024 * 1024
LIMITS = {"max_bytes": 20 * MB, "max_pixels": 40_000_000}


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def photo(width: int = 64, height: int = 48) -> Image.Image:
    """A small opaque image with some variation (not a flat colour)."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.putpixel((0, 0), (255, 0, 0))
    return image


def jpeg_with_gps_exif(orientation: int = 1, size=(64, 48)) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (39.0, 54.0, 27.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (116.0, 23.0, 30.0),
    }
    return encode(photo(*size), "JPEG", exif=exif, comment=b"secret comment")


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# -- happy path ---------------------------------------------------------------


def test_jpeg_gps_exif_is_stripped():
    original = jpeg_with_gps_exif()
    # Sanity check: the fixture really carries GPS data.
    assert ExifTags.IFD.GPSInfo in Image.open(io.BytesIO(original)).getexif()

    result = process_image(original, **LIMITS)

    assert isinstance(result, ProcessedImage)
    assert result.original_format == "JPEG"
    assert result.ext == "jpg" and result.content_type == "image/jpeg"
    assert (result.width, result.height) == (64, 48)
    for rendition in (result.web, result.print):
        image = reopen(rendition)
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
        assert "exif" not in image.info
        assert "comment" not in image.info
        assert b"Exif" not in rendition and b"TestCam" not in rendition
        assert b"secret comment" not in rendition


def test_exif_orientation_is_applied():
    # Orientation 6 = "rotate 90° clockwise to display": 64x48 stored → 48x64 shown.
    result = process_image(jpeg_with_gps_exif(orientation=6), **LIMITS)
    assert (result.width, result.height) == (48, 64)
    web = reopen(result.web)
    assert web.size == (48, 64)
    assert len(web.getexif()) == 0  # orientation tag itself gone too


def test_web_rendition_downscaled_print_kept():
    data = encode(photo(2000, 1000), "JPEG")
    result = process_image(data, **LIMITS)
    assert reopen(result.web).size == (1200, 600)
    assert reopen(result.print).size == (2000, 1000)


def test_both_renditions_downscaled_for_large_images():
    data = encode(photo(3000, 1500), "JPEG")
    result = process_image(data, **LIMITS)
    assert reopen(result.web).size == (1200, 600)
    assert reopen(result.print).size == (2400, 1200)


def test_small_images_are_never_upscaled():
    result = process_image(encode(photo(300, 200), "JPEG"), **LIMITS)
    assert reopen(result.web).size == (300, 200)
    assert reopen(result.print).size == (300, 200)


def test_custom_rendition_widths():
    result = process_image(
        encode(photo(500, 100), "JPEG"), web_width=100, print_width=250, **LIMITS
    )
    assert reopen(result.web).size == (100, 20)
    assert reopen(result.print).size == (250, 50)


def test_png_with_transparency_stays_png_with_alpha():
    image = Image.new("RGBA", (40, 30), (255, 0, 0, 255))
    image.putpixel((5, 5), (0, 0, 0, 0))
    result = process_image(encode(image, "PNG"), **LIMITS)
    assert result.ext == "png" and result.content_type == "image/png"
    web = reopen(result.web)
    assert web.format == "PNG" and web.mode == "RGBA"
    assert web.getpixel((5, 5))[3] == 0


def test_opaque_webp_becomes_jpeg():
    result = process_image(encode(photo(), "WEBP"), **LIMITS)
    assert result.original_format == "WEBP"
    assert result.ext == "jpg"
    assert reopen(result.web).format == "JPEG"


def test_png_metadata_stripped():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Secret Person")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS</x:xmpmeta>")
    result = process_image(encode(photo(), "PNG", pnginfo=info), **LIMITS)
    assert result.ext == "png"
    assert b"Secret Person" not in result.web and b"xmpmeta" not in result.web


def test_animated_gif_uses_first_frame():
    frames = [Image.new("P", (20, 10), colour) for colour in (1, 2, 3)]
    data = encode(
        frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0
    )
    result = process_image(data, **LIMITS)
    assert result.original_format == "GIF"
    web = reopen(result.web)
    assert web.size == (20, 10)
    assert getattr(web, "n_frames", 1) == 1


def test_accepts_file_objects():
    data = encode(photo(), "JPEG")
    stream = io.BytesIO(data)
    stream.read(10)  # position is not at the start; process_image rewinds
    result = process_image(stream, **LIMITS)
    assert (result.width, result.height) == (64, 48)


# -- rejections ---------------------------------------------------------------


def test_text_file_rejected():
    with pytest.raises(ImageRejected) as info:
        process_image(b"hello, this is not an image\n" * 10, **LIMITS)
    assert info.value.message == "文件不是有效的图片，或已损坏。"
    assert str(info.value) == info.value.message


def test_empty_file_rejected():
    with pytest.raises(ImageRejected, match="不是有效的图片"):
        process_image(b"", **LIMITS)


def test_truncated_jpeg_rejected():
    data = encode(photo(400, 300), "JPEG")
    with pytest.raises(ImageRejected, match="不是有效的图片"):
        process_image(data[: len(data) // 2], **LIMITS)


def test_png_with_bad_crc_rejected():
    data = bytearray(encode(photo(), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF  # corrupt compressed pixel data, CRC now wrong
    with pytest.raises(ImageRejected, match="不是有效的图片"):
        process_image(bytes(data), **LIMITS)


def test_oversize_bytes_rejected_before_decoding():
    with pytest.raises(ImageRejected) as info:
        process_image(b"\x00" * (2 * MB + 1), max_bytes=2 * MB, max_pixels=40_000_000)
    assert info.value.message == "图片文件过大（最大 2 MB）。"


def test_oversize_stream_rejected_without_reading_everything():
    class Stream(io.BytesIO):
        requested: list[int] = []

        def read(self, size=-1):
            self.requested.append(size)
            return super().read(size)

    stream = Stream(encode(photo(), "JPEG"))
    with pytest.raises(ImageRejected, match="过大"):
        process_image(stream, max_bytes=100, max_pixels=40_000_000)
    assert stream.requested == [101]


def test_default_size_message():
    with pytest.raises(ImageRejected) as info:
        process_image(b"x" * (20 * MB + 1), **LIMITS)
    assert info.value.message == "图片文件过大（最大 20 MB）。"


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def png_with_declared_size(width: int, height: int) -> bytes:
    """A real 1x1 PNG whose IHDR (with a valid CRC) claims width x height."""
    data = encode(Image.new("RGB", (1, 1)), "PNG")
    start = 8  # after the PNG signature; IHDR is always the first chunk
    length = struct.unpack(">I", data[start : start + 4])[0]
    payload = bytearray(data[start + 8 : start + 8 + length])
    payload[0:8] = struct.pack(">II", width, height)
    return (
        data[:start] + png_chunk(b"IHDR", bytes(payload)) + data[start + 12 + length :]
    )


@pytest.mark.parametrize(
    "size",
    [
        (8_000, 8_000),  # 64 MP: over our limit, under Pillow's warning threshold
        (10_000, 10_000),  # 100 MP: Pillow's DecompressionBombWarning range
        (50_000, 50_000),  # 2.5 GP: Pillow raises DecompressionBombError
    ],
)
def test_png_declaring_huge_dimensions_rejected_without_decoding(monkeypatch, size):
    from PIL import ImageFile

    patched = png_with_declared_size(*size)

    def fail_load(self):
        raise AssertionError("pixel data must not be loaded")

    monkeypatch.setattr(Image.Image, "load", fail_load)
    monkeypatch.setattr(ImageFile.ImageFile, "load", fail_load)
    with pytest.raises(ImageRejected) as info:
        process_image(patched, **LIMITS)
    assert info.value.message == "图片像素过大（最大 4000 万像素），请缩小后再上传。"


def test_decompression_bomb_guard_applies_even_with_generous_limit():
    with pytest.raises(ImageRejected, match="像素过大"):
        process_image(
            png_with_declared_size(10_000, 10_000), max_bytes=MB, max_pixels=10**12
        )


def test_pixel_limit_checked_from_header():
    data = encode(photo(100, 100), "PNG")  # 10 000 pixels
    with pytest.raises(ImageRejected, match="像素过大"):
        process_image(data, max_bytes=MB, max_pixels=9_999)
    assert process_image(data, max_bytes=MB, max_pixels=10_000).width == 100


def test_tiny_pixel_limit():
    with pytest.raises(ImageRejected) as info:
        process_image(
            encode(Image.new("RGB", (1, 1)), "PNG"), max_bytes=MB, max_pixels=0.5
        )
    assert info.value.message == "图片像素过大（最大 0.5 像素），请缩小后再上传。"


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_unsupported_formats_rejected(fmt):
    with pytest.raises(ImageRejected) as info:
        process_image(encode(photo(32, 32), fmt), **LIMITS)
    assert info.value.message == "不支持的图片格式：仅支持 JPEG、PNG、GIF、WebP。"


def test_icc_profile_kept_for_rgb():
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    result = process_image(encode(photo(), "JPEG", icc_profile=srgb), **LIMITS)
    assert reopen(result.web).info.get("icc_profile") == srgb


def test_cmyk_jpeg_converted_to_rgb():
    result = process_image(encode(Image.new("CMYK", (10, 10)), "JPEG"), **LIMITS)
    assert result.ext == "jpg"
    assert reopen(result.web).mode == "RGB"
