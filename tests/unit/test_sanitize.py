"""Tests for editorial.sanitize: hostile input, Word paste, text helpers."""

import re

import pytest

from editorial.sanitize import clean_html, count_words, html_to_text

# -- scripts, handlers, styles ---------------------------------------------


def test_script_tag_and_its_content_removed():
    out = clean_html("<p>前</p><script>alert('xss')</script><p>后</p>")
    assert out == "<p>前</p><p>后</p>"


def test_script_inside_paragraph_removed():
    out = clean_html("<p>a<script>document.cookie</script>b</p>")
    assert out == "<p>ab</p>"


@pytest.mark.parametrize(
    "html",
    [
        '<img src="/media/x.jpg" onerror="alert(1)">',
        '<p onclick="alert(1)">x</p>',
        '<a href="https://example.com" onmouseover="alert(1)">x</a>',
        '<p ONCLICK="alert(1)">x</p>',
    ],
)
def test_event_handlers_removed(html):
    out = clean_html(html)
    assert "alert" not in out
    assert not re.search(r"\son\w+=", out, re.IGNORECASE)


def test_style_attribute_and_style_tag_removed():
    html = (
        "<style>body{background:url(javascript:alert(1))}</style>"
        '<p style="position:fixed;top:0;background:red" class="evil">文字</p>'
    )
    assert clean_html(html) == "<p>文字</p>"


def test_comments_removed():
    assert clean_html("<p>a<!-- secret --></p>") == "<p>a</p>"


# -- links -------------------------------------------------------------------


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "JaVaScRiPt:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "jav&#10;ascript:alert(1)",
        "&#106;avascript:alert(1)",
        " javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    ],
)
def test_dangerous_link_schemes_removed_text_kept(href):
    out = clean_html(f'<p><a href="{href}">点我</a></p>')
    assert out == "<p>点我</p>"


def test_safe_links_kept_with_rel():
    out = clean_html(
        '<p><a href="https://example.com/a?b=1&amp;c=2" title="T" target="_blank">x</a>'
        '<a href="mailto:news@example.com">m</a><a href="/articles/1/">r</a></p>'
    )
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" title="T" rel="noopener noreferrer">x</a>'
        in out
    )
    assert '<a href="mailto:news@example.com" rel="noopener noreferrer">m</a>' in out
    assert '<a href="/articles/1/" rel="noopener noreferrer">r</a>' in out
    assert "target" not in out


def test_other_schemes_removed():
    assert clean_html('<a href="ftp://example.com/f">f</a>') == "f"


# -- embedded documents and foreign content ------------------------------


def test_svg_with_script_removed_entirely():
    html = '<p>a</p><svg onload="alert(1)"><script>alert(2)</script><circle r="5"/></svg><p>b</p>'
    out = clean_html(html)
    assert out == "<p>a</p><p>b</p>"


def test_math_iframe_object_embed_form_removed():
    html = (
        "<math><mtext>m</mtext></math>"
        '<iframe src="https://evil.example/">frame text</iframe>'
        '<object data="x.swf"><param name="a" value="b">obj</object>'
        '<embed src="x.swf">'
        '<form action="https://evil.example/"><input name="pw"><textarea>t</textarea>'
        "<button>提交</button></form><p>正文</p>"
    )
    out = clean_html(html)
    assert out == "<p>正文</p>"


# -- images --------------------------------------------------------------


def test_external_image_dropped_entirely():
    out = clean_html('<p>图<img src="https://tracker.example/p.gif" alt="x"></p>')
    assert out == "<p>图</p>"


@pytest.mark.parametrize(
    "src",
    [
        "data:image/png;base64,iVBORw0KGgo=",
        "//evil.example/media/x.jpg",
        "/mediaevil/x.jpg",
        "/media/../admin/logout/",
        "/media/%2e%2e/admin/logout/",
        "javascript:alert(1)",
        "",
    ],
)
def test_non_media_image_sources_dropped(src):
    assert "<img" not in clean_html(f'<p>x<img src="{src}"></p>')


def test_own_media_image_kept_with_safe_attributes():
    out = clean_html(
        '<figure><img src="/media/articles/2024/a.jpg" alt="说明" width="600" '
        'height="400" style="float:left" class="x" onerror="alert(1)">'
        "<figcaption>图注</figcaption></figure>"
    )
    assert out == (  # the figure is shaped like CKEditor's block image: it gets its class
        '<figure class="image"><img src="/media/articles/2024/a.jpg" alt="说明" width="600" height="400">'
        "<figcaption>图注</figcaption></figure>"
    )


def test_image_dimension_must_be_numeric():
    out = clean_html('<img src="/media/a.jpg" width="100%" height="50">')
    assert out == '<img src="/media/a.jpg" height="50">'


def test_custom_absolute_media_url():
    media = "https://cdn.example.com/media/"
    html = (
        '<img src="https://cdn.example.com/media/a.jpg">'
        '<img src="/media/b.jpg">'
        '<img src="https://other.example.com/media/c.jpg">'
    )
    out = clean_html(html, media_url=media)
    assert "a.jpg" in out and "b.jpg" in out and "c.jpg" not in out


def test_image_only_paragraph_is_not_empty():
    assert (
        clean_html('<p><img src="/media/a.jpg"></p>')
        == '<p><img src="/media/a.jpg"></p>'
    )


# -- structure ------------------------------------------------------------


def test_tables_kept_with_spans_only():
    html = (
        '<table border="1" style="width:100%"><thead><tr><th colspan="2">表头</th></tr></thead>'
        '<tbody><tr><td rowspan="2" width="50">1</td><td>2</td></tr></tbody></table>'
    )
    assert clean_html(html) == (
        '<table><thead><tr><th colspan="2">表头</th></tr></thead>'
        '<tbody><tr><td rowspan="2">1</td><td>2</td></tr></tbody></table>'
    )


def test_allowed_formatting_kept():
    html = (
        "<h2>二</h2><h3>三</h3><h4>四</h4><blockquote><p>引用</p></blockquote>"
        "<ul><li>a</li></ul><ol><li>b</li></ol><hr>"
        "<p><strong>s</strong><b>b</b><em>e</em><i>i</i><u>u</u><s>x</s>"
        "H<sub>2</sub>O x<sup>2</sup><br>下一行</p>"
    )
    assert clean_html(html) == html


def test_headings_mapped_to_site_levels():
    out = clean_html("<h1>一</h1><h5>五</h5><h6>六</h6>")
    assert out == "<h2>一</h2><h4>五</h4><h4>六</h4>"


def test_unknown_tags_stripped_text_kept():
    out = clean_html(
        '<p><span style="color:red">红</span><font face="宋体">字</font></p>'
    )
    assert out == "<p>红字</p>"


def test_divs_become_paragraphs_or_are_unwrapped():
    out = clean_html("<div><p>a</p><p>b</p></div><div>行一</div><div>行二</div>")
    assert out == "<p>a</p><p>b</p><p>行一</p><p>行二</p>"


@pytest.mark.parametrize(
    "empty",
    [
        "<p></p>",
        "<p>&nbsp;</p>",
        "<p> &nbsp; </p>",
        "<p><br></p>",
        "<p><br/></p>",
        "<p>\u3000</p>",
        "<p><span>&nbsp;</span></p>",
        "<p><strong></strong></p>",
        "<h2> </h2>",
    ],
)
def test_empty_paragraphs_dropped(empty):
    assert clean_html(f"<p>a</p>{empty}<p>b</p>") == "<p>a</p><p>b</p>"


def test_entities_preserved_safely():
    out = clean_html("<p>a &lt;script&gt; &amp; b&nbsp;c</p>")
    assert out == "<p>a &lt;script&gt; &amp; b&nbsp;c</p>"


def test_source_whitespace_between_and_around_blocks_trimmed():
    out = clean_html(
        "<div>\n  <p>\n   <b> 甲</b>乙\n  </p>\n  <ul>\n <li> x </li>\n</ul>\n</div>"
    )
    assert out == "<p><b>甲</b>乙</p><ul><li>x</li></ul>"


def test_empty_and_plain_input():
    assert clean_html("") == ""
    assert clean_html("纯文本") == "纯文本"


def test_output_is_stable_when_cleaned_twice():
    html = '<div class=x><p style="a">x<b>y</b></p><p>&nbsp;</p><img src="/media/a.png"></div>'
    once = clean_html(html)
    assert clean_html(once) == once


# -- Word / WPS paste -------------------------------------------------------

WORD_PASTE = """
<html xmlns:o="urn:schemas-microsoft-com:office:office">
<head><meta name=Generator content="Microsoft Word 15">
<style><!-- p.MsoNormal {mso-style-unhide:no; font-family:"Calibri",sans-serif;} --></style>
<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View></w:WordDocument></xml><![endif]-->
</head>
<body lang=ZH-CN style='tab-interval:21.0pt'>
<div class=WordSection1 style='layout-grid:15.6pt'>
<p class=MsoNormal style='mso-margin-top-alt:auto;mso-pagination:widow-orphan'>
<b><span style='font-family:宋体;mso-ascii-font-family:Calibri;mso-bidi-font-family:Arial'>
本报讯</span></b><span style='font-family:宋体'>今天上午，市政府召开新闻发布会。</span>
<span lang=EN-US><o:p></o:p></span></p>
<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
<p class=MsoListParagraph style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'>
<![if !supportLists]><span lang=EN-US>1.<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;</span></span><![endif]>
<span style='font-family:宋体'>第二段</span><i>强调</i><o:p></o:p></p>
<p class=MsoNormal><o:p></o:p></p>
</div>
</body>
</html>
"""


def test_word_paste_gives_clean_paragraphs_with_bold_kept():
    out = clean_html(WORD_PASTE)
    assert "mso" not in out.lower()
    assert "class" not in out and "style" not in out
    assert "o:p" not in out and "<span" not in out and "xml" not in out.lower()
    assert "Calibri" not in out and "WordDocument" not in out
    paragraphs = re.findall(r"<p>(.*?)</p>", out, re.S)
    assert len(paragraphs) == 2
    assert paragraphs[0] == "<b>本报讯</b>今天上午，市政府召开新闻发布会。"
    assert "第二段" in paragraphs[1] and "<i>强调</i>" in paragraphs[1]
    assert "<p></p>" not in out and "&nbsp;</p>" not in out


# -- html_to_text / count_words ------------------------------------------


def test_html_to_text_blocks_on_separate_lines():
    html = (
        "<h2>标题</h2><p>第一段 <strong>加粗</strong>&amp;实体&nbsp;空格</p>"
        "<p>换行前<br>换行后</p><ul><li>甲</li><li>乙</li></ul>"
        "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>"
    )
    assert (
        html_to_text(html)
        == "标题\n第一段 加粗&实体 空格\n换行前\n换行后\n甲\n乙\n1 2\n3 4"
    )


def test_html_to_text_collapses_source_whitespace_and_skips_scripts():
    html = "<p>a\n   b</p>\n\n<script>var x = 1;</script><style>p{}</style><p>  c </p>"
    assert html_to_text(html) == "a b\nc"


def test_html_to_text_empty():
    assert html_to_text("") == ""
    assert html_to_text("<p>&nbsp;</p>") == ""


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("", 0),
        ("<p>你好世界</p>", 4),
        ("<p>你好，世界！</p>", 4),  # punctuation is not counted
        ("<p>hello world</p>", 2),
        ("<p>Django 5.2 发布了</p>", 5),  # Django, 5.2, 发, 布, 了
        ("<p>don't e-mail</p>", 2),
        ("<p>中文English混排</p>", 5),
        ("<h2>标题</h2><p>正文<b>内容</b></p>", 6),
        ("<p>a<script>alert(1)</script></p>", 1),
    ],
)
def test_count_words(html, expected):
    assert count_words(html) == expected


# -- CKEditor's figures ------------------------------------------------------
# Without class="image" CKEditor reads a block image back as an inline image in a paragraph,
# and the next save changes the layout; so figure keeps CKEditor's own classes, and only those.


def test_ckeditor_block_image_keeps_its_figure_class():
    html = (
        '<figure class="image"><img src="/media/images/web/a.jpg" alt="图"><figcaption>说明</figcaption></figure>'
    )
    assert clean_html(html) == html


def test_ckeditor_table_keeps_its_figure_class():
    html = '<figure class="table"><table><tbody><tr><td>1</td></tr></tbody></table></figure>'
    assert clean_html(html) == html


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<figure class="evil image">x</figure>', '<figure class="image">x</figure>'),
        ('<figure class="image image">x</figure>', '<figure class="image">x</figure>'),
        ('<figure class="evil">x</figure>', "<figure>x</figure>"),
        ('<figure class="IMAGE">x</figure>', "<figure>x</figure>"),
        ('<figure class="&quot;&gt;&lt;script&gt;">x</figure>', "<figure>x</figure>"),
        # The width of a resized image lives in the style attribute, which never survives.
        ('<figure class="image image_resized image-style-side" style="width:40%">x</figure>',
         '<figure class="image">x</figure>'),
    ],
)
def test_figure_drops_every_other_class(html, expected):
    assert clean_html(html) == expected


@pytest.mark.parametrize(
    "html",
    ['<p class="image">x</p>', '<img class="image" src="/media/a.png">', '<table class="table"><tr><td>x</td></tr></table>'],
)
def test_class_is_still_removed_from_everything_but_figure(html):
    assert "class" not in clean_html(html)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<figure><img src="/media/a.jpg"><figcaption>说明</figcaption></figure>',
         '<figure class="image"><img src="/media/a.jpg"><figcaption>说明</figcaption></figure>'),
        ('<figure><a href="https://example.org/"><img src="/media/a.jpg"></a></figure>',
         '<figure class="image"><a href="https://example.org/" rel="noopener noreferrer"><img src="/media/a.jpg"></a></figure>'),
        ('<figure class="evil"><table><tr><td>1</td></tr></table></figure>',
         '<figure class="table"><table><tbody><tr><td>1</td></tr></tbody></table></figure>'),
        # Not shaped like CKEditor's figures: left without a class.
        ('<figure>文字<img src="/media/a.jpg"></figure>', '<figure>文字<img src="/media/a.jpg"></figure>'),
        ('<figure><img src="/media/a.jpg"><img src="/media/b.jpg"></figure>',
         '<figure><img src="/media/a.jpg"><img src="/media/b.jpg"></figure>'),
        ('<figure><img src="https://evil.example/a.jpg"></figure>', "<figure></figure>"),
    ],
)
def test_figure_saved_without_its_class_gets_ckeditors_back(html, expected):
    assert clean_html(html) == expected
    assert clean_html(expected) == expected
