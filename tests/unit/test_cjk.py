"""One table of Chinese characters for search, word count and import; the JS copy matches it."""

from pathlib import Path

from common import cjk
from editorial.sanitize import count_words

DESK_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "desk.js"


def test_desk_js_counts_words_with_the_same_character_class():
    js = DESK_JS.read_text(encoding="utf-8")
    assert f"var CJK = /{cjk.js_character_class(cjk.WORD_COUNT_CHARS)}/gu;" in js


def test_word_count_counts_each_ideograph_and_each_latin_word():
    # Extension B (𠀀) and kana count one each; "GDP" and "2020" are one word each.
    assert count_words("<p>全区GDP增长2020年𠀀かな</p>") == 4 + 2 + 1 + 1 + 2


def test_full_width_letters_and_digits_fold_to_ascii():
    assert "ＴＯＤ２０２０".translate(cjk.FOLD_WIDTH) == "TOD2020"
    assert cjk.CJK_RE.findall("中原区2020年") == ["中", "原", "区", "年"]
