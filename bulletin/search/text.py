"""Cutting Chinese text into the words and characters that the index and queries share.

jieba in dictionary mode (no HMM), plus each publication's own dictionary (SearchTerm).
"""

from __future__ import annotations

import logging
import re
import threading

import jieba
from django.db.models import Count, Max

from common.cjk import CJK_RE

from .models import SearchTerm

# A "term" is a run of letters/digits/ideographs; quotes and punctuation separate terms.
TERM_RE = re.compile(r"[^\W_]+")
MAX_QUERY_TERMS = 10
MAX_QUERY_LENGTH = 100

_lock = threading.Lock()
_tokenizer = None
_loaded_terms: dict[str, int | None] = {}
_loaded_stamp = None


def load_jieba():
    """The process's jieba tokenizer, created lazily (building its prefix dict costs ~1 s)."""
    global _tokenizer
    if _tokenizer is None:
        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        _tokenizer = tokenizer
    return _tokenizer


def _sync_dictionary(tokenizer):
    """Bring the tokenizer's extra words in line with SearchTerm (all publications).

    One small aggregate query decides whether anything changed since the last call, so an
    edit in admin takes effect in every process without a restart.
    """
    global _loaded_terms, _loaded_stamp
    stamp = SearchTerm.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    stamp = (stamp["n"], stamp["last"])
    if stamp == _loaded_stamp:
        return
    wanted = dict(SearchTerm.objects.values_list("word", "freq"))
    wanted = {word.strip(): freq for word, freq in wanted.items() if word.strip()}
    for word in set(_loaded_terms) - set(wanted):
        tokenizer.del_word(word)
    for word, freq in wanted.items():
        if word not in _loaded_terms or _loaded_terms[word] != freq:
            # Without a frequency jieba computes one just high enough to keep the word whole.
            tokenizer.add_word(word, freq=freq or None)
    _loaded_terms = wanted
    _loaded_stamp = stamp


def segmenter():
    with _lock:
        tokenizer = load_jieba()
        _sync_dictionary(tokenizer)
        return tokenizer


def dictionary_stamp() -> str:
    """What the segmenter's extra words were when it was last synced (segmenter()): part of an
    index row's content hash, so a dictionary edit re-cuts the text it touches."""
    return repr(_loaded_stamp)


# How many documents have been cut into words by this process (tests, benchmarks).
segment_calls = 0


def _words(tokens) -> list[str]:
    return [t for t in (tok.strip() for tok in tokens) if t and TERM_RE.fullmatch(t)]


def segment_document(text: str, tokenizer=None) -> str:
    """Words of a document for the index, search-engine style (long words also as parts)."""
    global segment_calls
    segment_calls += 1
    tokenizer = tokenizer or segmenter()
    words = _words(tokenizer.cut_for_search(text, HMM=False))
    # Single characters too, so any substring of Chinese text can be found through the index.
    characters = CJK_RE.findall(text)
    return " ".join(words + characters).lower()


def segment_query(text: str, tokenizer=None) -> list[str]:
    tokenizer = tokenizer or segmenter()
    return [w.lower() for w in _words(tokenizer.cut(text, HMM=False))]
