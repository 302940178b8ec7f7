"""The PDF's content version follows the print stylesheet: an edited stylesheet means a new file,
even though the fingerprint is remembered between requests."""

from bulletin.pdf import store


def test_an_edited_stylesheet_changes_the_fingerprint_at_once(tmp_path, monkeypatch):
    css = tmp_path / "pdf.css"
    css.write_text("body { font-size: 10.5pt; }", encoding="utf-8")
    monkeypatch.setattr(store, "PDF_CSS_PATH", css)
    monkeypatch.setattr(store, "_fingerprint_cache", None)

    first = store._design_fingerprint()
    assert store._design_fingerprint() == first  # remembered, same answer

    css.write_text("body { font-size: 12pt; color: #000; }", encoding="utf-8")
    changed = store._design_fingerprint()
    assert changed != first

    css.unlink()  # a missing file is a different design too, not an error
    assert store._design_fingerprint() not in (first, changed)
