"""The publication's own fonts in the PDF: checking an uploaded file, and the faces a render uses.

An office that holds licences for 方正小标宋, 仿宋_GB2312 or 黑体 uploads them in the admin
(Publication → 排版字体, bulletin.models.PublicationFont); the PDF then sets titles, body text and
headings in them, each falling back to Noto CJK for a character the font lacks. The files are
kept in the private storage's fonts/ folder (PRIVATE_ROOT/fonts or the bucket, common.storage)
and never served (they are licensed to the office, not to readers).

- ``inspect_font(upload)`` — refuses anything but a TrueType/OpenType font (a collection gives
  its Simplified Chinese face) of at most MAX_FONT_BYTES that covers COMMON_HANZI, with a
  Chinese message; returns the family name and the bytes to store.
- ``pdf_fonts(publication)`` — the uploaded faces as the renderer wants them (bulletin.pdf.render).
- ``font_face_css(fonts)`` — the @font-face rules and the face variables static/css/pdf.css reads.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from common.storage import local_path

MAX_FONT_BYTES = 30 * 1024 * 1024
MIN_COVERAGE = 0.95

# The 500 most frequent hanzi: a font that lacks more than 5 % of them is not a Chinese text face.
COMMON_HANZI = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
    "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使"
    "点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明"
    "看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料"
    "象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶"
    "油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议"
    "声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影"
    "算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何"
    "除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属"
    "圆包火住调满县局照参红细引听该铁价严龙飞"
)

# Each role's face is declared at the weights the stylesheet asks it for, so a regular face
# (方正小标宋 has one weight) is never emboldened by the renderer: 小标宋 is heavy by design.
ROLE_WEIGHTS = {"title": (700, 900), "body": (400, 700), "heading": (400, 700)}
# The variable static/css/pdf.css reads for each role (its default is the Noto CJK face).
ROLE_VARIABLES = {"title": "--title-face", "body": "--body-face", "heading": "--heading-face"}

_SIGNATURES = {
    b"\x00\x01\x00\x00": "ttf", b"true": "ttf", b"OTTO": "otf", b"ttcf": "ttc",
}
# A collection's faces: the one whose names say Simplified Chinese is preferred.
_SIMPLIFIED_NAME = re.compile(r"(\bSC\b|\bGB|\bCN\b|简|SimpChinese|\bsc\b)")


@dataclass(frozen=True)
class FontInfo:
    family: str  # as the font names itself (English name table entry when it has one)
    extension: str  # ".ttf" or ".otf": what is stored (a collection's face is stored alone)
    data: bytes
    covered: int  # how many of COMMON_HANZI the font maps


def _read_upload(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FONT_BYTES:
        raise ValidationError(f"字体文件过大（{size / 1024 / 1024:.1f} MB），最大 {MAX_FONT_BYTES // 1024 // 1024} MB。")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_FONT_BYTES + 1)
    if len(data) > MAX_FONT_BYTES:
        raise ValidationError(f"字体文件过大，最大 {MAX_FONT_BYTES // 1024 // 1024} MB。")
    return data


def _covered(font) -> int:
    cmap = font.getBestCmap() or {}
    return sum(1 for char in COMMON_HANZI if ord(char) in cmap)


def _family(font) -> str:
    name = font["name"]
    family = name.getBestFamilyName() or name.getDebugName(1) or ""
    return " ".join(family.split())


def _says_simplified(font) -> bool:
    name = font["name"]
    if any(record.platformID == 3 and record.langID == 0x0804 for record in name.names):
        return True
    return any(
        _SIMPLIFIED_NAME.search(str(name.getDebugName(name_id) or "")) for name_id in (1, 4, 6, 16)
    )


def inspect_font(upload) -> FontInfo:
    """Check an uploaded font file; raise ValidationError (Chinese) if the PDF cannot use it."""
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    data = _read_upload(upload)
    kind = _SIGNATURES.get(data[:4])
    if kind is None:
        raise ValidationError("这不是 TrueType/OpenType 字体文件（.ttf、.otf 或 .ttc），请上传字体文件本身。")
    needed = math.ceil(len(COMMON_HANZI) * MIN_COVERAGE)
    not_readable = ValidationError("字体文件已损坏或格式不受支持，无法读取，请换一个文件。")
    try:
        if kind == "ttc":
            faces = TTCollection(io.BytesIO(data), lazy=True).fonts
        else:
            faces = [TTFont(io.BytesIO(data), lazy=True)]
        scored = []
        for index, face in enumerate(faces):
            covered = _covered(face)
            scored.append((covered >= needed, _says_simplified(face), covered, -index, face))
    except (TTLibError, KeyError, ValueError, AssertionError, EOFError, OverflowError, IndexError, TypeError) as exc:
        raise not_readable from exc
    if not scored:
        raise not_readable
    _enough, _simplified, covered, _index, face = max(scored, key=lambda item: item[:4])
    if covered < needed:
        raise ValidationError(
            f"这个字体缺少常用汉字（{len(COMMON_HANZI)} 个最常用的汉字中只有 {covered} 个），"
            "不能用来排印中文；请上传中文字体，如方正小标宋、仿宋_GB2312、黑体。"
        )
    try:
        fs_type = face["OS/2"].fsType if "OS/2" in face else 0
        family = _family(face)
        extension = ".otf" if "CFF " in face or "CFF2" in face else ".ttf"
        if kind == "ttc":
            out = io.BytesIO()
            face.save(out)  # the face alone: tables not read are copied as they are
            data = out.getvalue()
    except (TTLibError, KeyError, ValueError, AssertionError, EOFError, OverflowError, IndexError, TypeError) as exc:
        raise not_readable from exc
    if fs_type & 0x000F == 0x0002:
        raise ValidationError(
            "这个字体的授权标记为“受限”（不允许嵌入文档），不能用于 PDF。请向字体厂商索取允许嵌入的版本。"
        )
    if not family:
        raise ValidationError("字体文件里没有字体名称，无法使用。")
    return FontInfo(family=family, extension=extension, data=data, covered=covered)


# ---------------------------------------------------------------------------------------------
# Rendering with them.


def pdf_fonts(publication) -> list[dict]:
    """The publication's uploaded faces whose files are present: [{"role", "family", "path"}]."""
    fonts = []
    for font in publication.fonts.all():
        if not font.file:
            continue
        path = local_font_file(font.file.storage, font.file.name)
        if path is not None:
            fonts.append({"role": font.role, "family": font.family_name, "path": str(path)})
    return fonts


def font_cache_dir() -> Path:
    """Where fonts kept on a remote storage (S3) are copied for WeasyPrint, which reads files."""
    return Path(settings.BULLETIN_FONT_CACHE or Path(tempfile.gettempdir()) / "bulletin-font-cache")


def local_font_file(storage, name: str) -> Path | None:
    """A local file with the font `name` of `storage`: the stored file itself on disk; on a remote
    storage a copy in font_cache_dir(), named by the SHA-256 of the file's bytes (an index file
    per stored name, checked against the stored size, saves downloading it for every render).
    None if the file is missing."""
    path = local_path(storage, name)
    if path is not None:
        return path if path.is_file() else None
    cache = font_cache_dir()
    index = cache / f"{hashlib.sha256(name.encode()).hexdigest()}.name"
    try:
        size = storage.size(name)
    except (OSError, ValueError):
        return None
    try:
        cached = cache / index.read_text().strip()
        if cached.is_file() and cached.stat().st_size == size:
            return cached
    except OSError:
        pass
    cache.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=cache, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as out, storage.open(name, "rb") as src:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        cached = cache / f"{digest.hexdigest()}{Path(name).suffix.lower()}"
        os.replace(tmp, cached)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    index.write_text(cached.name)
    return cached


def css_family(family: str, role: str) -> str:
    """The font's name as a quoted CSS family (it is named inside the PDF by it), reduced to
    characters that cannot end the string or the rule."""
    safe = " ".join(re.sub(r"[^0-9A-Za-z _.\-\u3400-\u9fff]", " ", family or "").split())
    return f'"{safe or "Bulletin " + role}"'


def font_face_css(fonts) -> str:
    """@font-face rules for the uploaded faces and the variables that put them first in the
    title, body and heading stacks of static/css/pdf.css (Noto CJK stays behind them)."""
    rules, variables, files = [], [], {}
    for font in fonts or []:
        role = font.get("role")
        if role not in ROLE_VARIABLES:
            continue
        family = css_family(font.get("family", ""), role)
        url = Path(font["path"]).resolve().as_uri()
        if files.setdefault(family, url) != url:  # two files naming themselves alike: one each
            family = css_family(f"{font.get('family', '')} {role}", role)
        for weight in ROLE_WEIGHTS[role]:
            rules.append(f'@font-face {{ font-family: {family}; src: url("{url}"); font-weight: {weight}; }}')
        variables.append(f"{ROLE_VARIABLES[role]}: {family};")
    if not rules:
        return ""
    return "\n".join([*rules, ":root { " + " ".join(variables) + " }"])
