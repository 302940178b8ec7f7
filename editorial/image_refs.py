"""Which uploaded images a body shows: every revision is linked to the images its HTML uses.

The reader site serves an image only to those who may read an article that shows it
(bulletin.access.media_access); that needs to know, for a published issue's pinned revisions,
which images they contain, without searching every body for a file name on each request.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db.models import Q

# Bodies are cleaned by nh3 (editorial.sanitize), which writes attributes double-quoted; single
# quotes are accepted too for bodies written before that.
_IMG_SRC = re.compile(r"""<img\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def media_names(html: str, *, media_url: str | None = None) -> set[str]:
    """Storage names (relative to MEDIA_ROOT) of the images under MEDIA_URL an HTML body shows."""
    prefix = urlsplit(media_url or settings.MEDIA_URL).path
    if not prefix.endswith("/"):
        prefix += "/"
    names = set()
    for match in _IMG_SRC.finditer(html or ""):
        src = (match.group(1) or match.group(2) or "").replace("&amp;", "&")
        path = unquote(urlsplit(src).path)
        if path.startswith(prefix):
            name = path[len(prefix):]
            if name and ".." not in name.split("/"):
                names.add(name)
    return names


def images_in(html: str):
    """The Image rows (either rendition) a body shows."""
    from .models import Image

    names = media_names(html)
    if not names:
        return Image.objects.none()
    return Image.objects.filter(Q(web__in=names) | Q(print_file__in=names))


def link_revision_images(revision) -> None:
    """Record which images the revision's body shows (revision.images)."""
    images = list(images_in(revision.body))
    if images:
        revision.images.add(*images)
