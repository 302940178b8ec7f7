"""Character classes of Chinese text, shared by search, sanitising (word count) and import.

One table each, so the index, the word count and the back-issue parser agree on what a Chinese
character is. static/js/desk.js repeats WORD_COUNT_CHARS for the live word count;
tests/unit/test_cjk.py checks that the copy matches.
"""

import re

# CJK unified ideographs: Extension A, the basic block, compatibility ideographs, and the
# supplementary planes (Extensions B–F, compatibility supplement, Extension G).
IDEOGRAPHS = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002fa1f\U00030000-\U0003134f"
)
# Japanese kana count one each in Word's 字数, like ideographs.
KANA = "\u3040-\u30ff"
WORD_COUNT_CHARS = KANA + IDEOGRAPHS

# Chinese punctuation: CJK symbols, full-width forms, curly quotes, dash, ellipsis, middle dot.
PUNCTUATION = (
    "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
    "\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"
)

CJK_RE = re.compile(f"[{IDEOGRAPHS}]")
WORD_COUNT_RE = re.compile(f"[{WORD_COUNT_CHARS}]")

# Full-width letters and digits (ＴＯＤ, ２０２０, typed by an IME in full-width mode or pasted
# from Word) and the ideographic space, folded to ASCII with str.translate. Chinese punctuation
# (，。) is left alone: it is what readers see.
FOLD_WIDTH = {
    0x3000: " ",
    **{0xFF10 + i: ord("0") + i for i in range(10)},
    **{0xFF21 + i: ord("A") + i for i in range(26)},
    **{0xFF41 + i: ord("a") + i for i in range(26)},
}


def js_character_class(chars: str) -> str:
    """The same class written for a JavaScript regex with the u flag (\\uXXXX / \\u{XXXXX})."""
    out = []
    for ch in chars:
        cp = ord(ch)
        if ch == "-":
            out.append("-")
        elif cp > 0xFFFF:
            out.append(f"\\u{{{cp:x}}}")
        else:
            out.append(f"\\u{cp:04x}")
    return "[" + "".join(out) + "]"
