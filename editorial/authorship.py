"""Who wrote the current text of an article, measured from its revisions.

The four-eyes rule keeps a reviewer from approving words they wrote. "Wrote" is measured on the
article's current body as a reader sees it (the visible text, tags and whitespace left out): each
character belongs to the person whose saved revision last introduced it. Walking the revisions
in order, the text of each is compared with the one before (difflib, character by character):
characters that survive keep their writer, inserted or replaced ones belong to whoever saved the
new revision. A reviewer to whom REVIEWER_SHARE_LIMIT (20 %) or more of the current body belongs
may not approve it: one character changed by an editor does not make a reviewer's rewrite
someone else's work, while a reviewer's fix of a typo or a sentence (well under a fifth of an
article) does not disqualify them.

Consecutive revisions saved by the same person (autosave writes many) are compared as one step:
a character they typed and deleted again is never in the current text anyway.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from difflib import SequenceMatcher

from .models import Article

REVIEWER_SHARE_LIMIT = 0.20

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def visible_text(body: str) -> str:
    """The characters a reader sees: tags, entities resolved, and whitespace removed."""
    return _SPACE.sub("", html.unescape(_TAG.sub("", body or "")))


def _carry(old_text: str, old_owners: list, new_text: str, writer) -> list:
    """Owners of `new_text`'s characters: kept where they survive from `old_text`."""
    if old_text == new_text:
        return old_owners
    # Edits are usually local: match the common prefix and suffix first, diff the middle only.
    start = 0
    limit = min(len(old_text), len(new_text))
    while start < limit and old_text[start] == new_text[start]:
        start += 1
    end = 0
    while (
        end < limit - start
        and old_text[len(old_text) - 1 - end] == new_text[len(new_text) - 1 - end]
    ):
        end += 1
    old_mid = old_text[start : len(old_text) - end]
    new_mid = new_text[start : len(new_text) - end]
    owners = list(old_owners[:start])
    # autojunk off: in Chinese text the common characters (的, 区, 月…) are not noise.
    matcher = SequenceMatcher(None, old_mid, new_mid, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            owners.extend(old_owners[start + i1 : start + i2])
        else:
            owners.extend([writer] * (j2 - j1))
    owners.extend(old_owners[len(old_owners) - end :] if end else [])
    return owners


def body_writers(article: Article) -> Counter:
    """user id → number of characters of the article's current body that user last wrote."""
    text, owners = "", []
    steps: list[tuple] = []  # (writer, text) with consecutive saves by one person merged
    for writer, body in article.revisions.order_by("number").values_list("created_by_id", "body"):
        if steps and steps[-1][0] == writer:
            steps[-1] = (writer, visible_text(body))
        else:
            steps.append((writer, visible_text(body)))
    current = visible_text(article.body)
    if not steps or steps[-1][1] != current:
        # Content not (yet) in a revision belongs to whoever saved the article last.
        steps.append((article.last_edited_by_id or article.author_id, current))
    for writer, new_text in steps:
        owners = _carry(text, owners, new_text, writer)
        text = new_text
    return Counter(owners)


def share_of(article: Article, user) -> float:
    """The share (0–1) of the article's current body last written by `user`."""
    writers = body_writers(article)
    total = sum(writers.values())
    if not total or user is None:
        return 0.0
    return writers.get(user.pk, 0) / total
