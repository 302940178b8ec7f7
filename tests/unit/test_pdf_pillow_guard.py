"""Rendering a PDF must not relax Pillow's checks on uploaded images for the whole process."""

from PIL import ImageFile


def test_rendering_a_pdf_keeps_truncated_images_refused():
    from bulletin.pdf.render import weasyprint_api

    weasyprint_api()
    import weasyprint  # noqa: F401  (already imported: the module-level flag is not set again)

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
