"""The proofreading checker (editorial/proofreading.py): each kind of error is found at its place
with the right fix, clean texts give nothing, and fixes apply to the HTML body."""

import pytest

from editorial import proofreading as pr
from editorial.proofreading import Context, Wording, find

OCT_2020 = Context(year=2020, month=10)


def only(text, kind=None, context=OCT_2020):
    found = [f for f in find(text, context=context) if kind is None or f.kind == kind]
    assert len(found) == 1, [(f.kind, f.text, f.message) for f in found]
    return found[0]


def spans(text, kind, context=OCT_2020):
    return [(f.start, f.end, f.text, f.fix) for f in find(text, context=context) if f.kind == kind]


# --- punctuation (GB/T 15834) ---------------------------------------------------------------


@pytest.mark.parametrize("mark,full", [(",", "，"), (";", "；"), (":", "："), ("?", "？"), ("!", "！")])
def test_halfwidth_punctuation_between_chinese_characters(mark, full):
    text = f"区政府召开会议{mark}研究部署工作。"
    f = only(text)
    assert (f.kind, f.start, f.end, f.text, f.fix, f.severity) == (pr.HALFWIDTH_PUNCT, 7, 8, mark, full, pr.ERROR)
    assert full in f.message


def test_halfwidth_punctuation_not_in_numbers_times_or_latin_text():
    assert find("会议于9:30召开，投资1,000万元，网址www.zyq.gov.cn。Hello, world.", context=OCT_2020) == []


def test_halfwidth_period_at_chinese_sentence_end_and_between_characters():
    f = only("会议圆满结束.")
    assert (f.start, f.text, f.fix) == (6, ".", "。")
    middle = only("阿卜杜拉.买买提参加会议。")
    assert (middle.start, middle.fix) == (4, None)  # 。 or ·: no certain fix
    assert "间隔号" in middle.message


def test_halfwidth_brackets_pair_is_one_finding_with_the_whole_fix():
    text = "印发《规范(暂行)》等文件。"
    f = only(text)
    assert (f.kind, f.start, f.end, f.text, f.fix) == (pr.HALFWIDTH_PUNCT, 5, 9, "(暂行)", "（暂行）")
    assert find("见附件(1)和Python (3.11)。", context=OCT_2020)[0].text == "(1)"  # 件( is Chinese context
    assert spans("run(x) and f(y)", pr.HALFWIDTH_PUNCT) == []


def test_unpaired_and_mixed_quotes_and_brackets():
    f = only("他说：“要抓好落实。")
    assert (f.kind, f.start, f.end, f.text) == (pr.BRACKETS, 3, 4, "“")
    assert "”" in f.message
    f = only("学习《决定》》精神。")
    assert (f.kind, f.start, f.text) == (pr.BRACKETS, 6, "》")
    f = only("出台办法（试行)。")
    assert (f.kind, f.start, f.end, f.fix) == (pr.BRACKETS, 4, 8, "（试行）")
    assert "混用" in f.message
    f = only("提出“三个全覆盖’要求。")
    assert (f.kind, f.start, f.end, f.fix) == (pr.BRACKETS, 2, 9, None)
    assert find("提出“三个‘全覆盖’”要求（试行），学习《决定》。", context=OCT_2020) == []


def test_doubled_punctuation():
    found = [(f.start, f.end, f.text, f.fix) for f in find("会议强调，，要抓好落实。。", context=OCT_2020)]
    assert found == [(4, 6, "，，", "，"), (11, 13, "。。", "。")]
    f = only("会议强调，。要抓好落实。")
    assert (f.kind, f.text, f.fix) == (pr.DOUBLED_PUNCT, "，。", None)
    assert find("要求……继续——落实。", context=OCT_2020) == []


def test_stray_spaces_between_chinese_characters():
    f = only("区委 书记出席会议。")
    assert (f.kind, f.start, f.end, f.text, f.fix) == (pr.STRAY_SPACE, 2, 3, " ", "")
    f = only("区委\u3000\u3000书记出席。")
    assert (f.start, f.end) == (2, 4)
    # Not: a space beside digits or Latin letters, nor the paragraph's indent.
    assert find("\u3000\u3000召开 2020 年度第九次会议，APP 上线。", context=OCT_2020) == []


def test_stray_spaces_beside_chinese_punctuation():
    # Typed after a full stop (often saved as &nbsp; by the editor), before a comma, after a quote.
    f = only("排查隐患。\u00a0 区长强调，要抓好落实。")
    assert (f.kind, f.text, f.fix) == (pr.STRAY_SPACE, "\u00a0 ", "")
    assert only("会议 ，部署工作。").text == " "
    assert only("“十四五” 规划编制启动。").text == " "
    # Not: a space between punctuation and digits, nor after a colon before a number.
    assert find("电话： 0371-61290268。", context=OCT_2020) == []


@pytest.mark.parametrize("byline", [
    "（记者 张伟）", "（通讯员 李明）", "（记者 张伟 通讯员 李明）", "（通讯员\u3000李明 摄）",
    "（记者 张伟、王芳）", "(记者 张伟)", "（特约记者 欧阳 明）", "（文/图 李明）",
])
def test_spaces_inside_a_byline_in_parentheses_are_not_stray(byline):
    text = f"会议要求各单位抓好落实。{byline}"
    assert spans(text, pr.STRAY_SPACE) == []


def test_spaces_outside_a_byline_or_in_other_parentheses_are_still_stray():
    text = "区委 书记出席会议（记者 张伟）。会议（第一 阶段）结束。"
    assert spans(text, pr.STRAY_SPACE) == [(2, 3, " ", ""), (22, 23, " ", "")]
    # A parenthesis that only starts like a byline but reads on as a sentence is text.
    assert spans("（记者 张伟，李明）", pr.STRAY_SPACE) == [(3, 4, " ", "")]


# --- numbers (GB/T 15835) -----------------------------------------------------------------


@pytest.mark.parametrize("year", ["二O二O", "二零二零", "二0二0", "二○二○", "二o二o"])
def test_zero_in_years_is_ling_circle(year):
    text = f"于{year}年十月召开。"
    f = only(text, pr.YEAR_ZERO)
    assert (f.start, f.end, f.text, f.fix) == (1, 5, year, "二〇二〇")


def test_correct_chinese_year_and_numbers_are_not_flagged():
    assert spans("二〇二〇年十月十五日", pr.YEAR_ZERO) == []
    assert spans("零点零五", pr.YEAR_ZERO) == []


def test_fullwidth_digits():
    f = only("共有１２个项目。")
    assert (f.kind, f.start, f.end, f.text, f.fix) == (pr.FULLWIDTH_DIGIT, 2, 4, "１２", "12")


def test_mixed_numeral_styles_in_one_article():
    text = "9月17日，召开会议。\n9月20日，开展督查。\n九月二十五日，召开推进会。"
    found = find(text, context=OCT_2020)
    assert [(f.kind, f.paragraph, f.offset, f.text) for f in found] == [
        (pr.MIXED_NUMERALS, 2, 0, "九月二十五日")
    ]
    assert found[0].start == len("9月17日，召开会议。\n9月20日，开展督查。\n")
    assert "9月17日" in found[0].message
    assert find("9月17日，召开会议。9月20日，开展督查。", context=OCT_2020) == []
    assert find("九月十七日召开会议，九月二十日开展督查。", context=OCT_2020) == []


def test_impossible_dates():
    f = only("2月30日，召开会议。")
    assert (f.kind, f.start, f.end, f.text) == (pr.BAD_DATE, 0, 5, "2月30日")
    f = only("13月5日，召开会议。")
    assert (f.kind, f.text) == (pr.BAD_DATE, "13月5日")
    f = only("9月31日召开。")
    assert "30" in f.message
    assert find("2020年2月29日召开。", context=OCT_2020) == []
    f = only("2021年2月29日召开。", context=Context())
    assert (f.kind, f.text) == (pr.BAD_DATE, "2021年2月29日")
    f = only("二月三十日召开。")
    assert (f.kind, f.text) == (pr.BAD_DATE, "二月三十日")
    assert find("项目工期13个月，9月30日完工。", context=OCT_2020) == []


def test_dates_after_the_issues_month():
    f = only("11月3日，召开会议。")
    assert (f.kind, f.start, f.end, f.severity) == (pr.LATE_DATE, 0, 5, pr.WARNING)
    assert "2020年10月" not in f.message and "10月" in f.message
    f = only("2020年11月，召开会议。")
    assert f.kind == pr.LATE_DATE and "2020年10月" in f.message
    # Earlier months, another year before the issue, a plan by month alone: none.
    assert find("10月31日召开，2019年12月5日开工，力争11月底完成。", context=OCT_2020) == []
    assert find("11月3日，召开会议。", context=Context()) == []


# --- traditional characters (OpenCC t2s) -----------------------------------------------------


def test_traditional_characters_are_found_and_converted():
    f = only("推動經濟發展。")  # 推 and 展 are the same in both scripts
    assert (f.kind, f.start, f.end, f.text, f.fix) == (pr.TRADITIONAL, 1, 5, "動經濟發", "动经济发")
    found = spans("中原區召開會議", pr.TRADITIONAL)
    assert found == [(2, 3, "區", "区"), (4, 7, "開會議", "开会议")]


def test_simplified_characters_that_opencc_could_confuse_are_not_flagged():
    # Characters the same in both scripts, and simplified ones t2s leaves alone (乾隆, 瞭望, 著作).
    assert find("乾隆年间的瞭望台，著作等身，干部于是后来到里面。", context=OCT_2020) == []


# --- internal publications and the publication's wordings -----------------------------------

INTERNAL = Context(year=2020, month=10, internal=True)


def test_internal_publication_may_not_call_itself_a_periodical():
    text = "本刊讯：据本报记者王小明报道，杂志社已申请刊号。"
    found = [(f.kind, f.start, f.end, f.text) for f in find(text, context=INTERNAL)]
    assert found == [
        (pr.INTERNAL_WORDING, 0, 2, "本刊"),
        (pr.INTERNAL_WORDING, 5, 7, "本报"),
        (pr.INTERNAL_WORDING, 7, 12, "记者王小明"),
        (pr.INTERNAL_WORDING, 15, 18, "杂志社"),
        (pr.INTERNAL_WORDING, 21, 23, "刊号"),
    ]
    assert find(text, context=OCT_2020) == []  # a public publication may
    # 本报告, 报送 and a 记者会 are no self-description.
    assert find("本报告经区政府同意后报送，召开记者会。", context=INTERNAL) == []
    f = only("（记者 张伟）", pr.INTERNAL_WORDING, context=INTERNAL)
    assert (f.start, f.text) == (1, "记者 张伟")


def test_the_publications_standard_wordings():
    context = Context(wordings=(
        Wording("中原区委", "中共中原区委"),
        Wording("一网通办", "“一网通办”", "专有名称加引号"),
    ))
    text = "中原区委召开会议。中共中原区委书记出席。"
    f = only(text, context=context)
    assert (f.kind, f.start, f.end, f.fix) == (pr.STANDARD_WORDING, 0, 4, "中共中原区委")
    assert "中共中原区委" in f.message
    f = only("推进一网通办改革，“一网通办”取得实效。", context=context)
    assert (f.start, f.fix) == (2, "“一网通办”") and "专有名称" in f.message


# --- positions, keys, HTML ---------------------------------------------------------------------


def test_offsets_keys_and_paragraphs():
    text = "第一段正常。\n第二段有错,要改。"
    f = only(text)
    assert (f.start, f.paragraph, f.offset) == (len("第一段正常。\n") + 5, 1, 5)
    assert text[f.start:f.end] == ","
    assert (f.before, f.after) == ("第二段有错", "要改。")
    # The key depends on the place's text, not on where the paragraph moved.
    moved = only("新加一段。\n" + text)
    assert moved.key == f.key and moved.start != f.start
    # Two identical places are two findings with different keys.
    twice = find("有错,要改。\n有错,要改。", context=OCT_2020)
    assert len({x.key for x in twice}) == 2


def test_paragraphs_of_an_html_body():
    body = "<h2>小标题</h2><p>第一段&nbsp;<strong>加粗</strong>。</p>\n<ul><li>一项</li></ul><p> </p><p>甲<br>乙</p>"
    assert pr.paragraphs(body) == ["小标题", "第一段\u00a0加粗。", "一项", "甲\u2028乙"]
    # A no-break space between Chinese characters is a stray space; a <br> is none.
    (space,) = find(pr.plain_text(body), context=OCT_2020)
    assert (space.kind, space.paragraph, space.offset, space.text) == (pr.STRAY_SPACE, 1, 3, "\u00a0")


def test_replace_in_html_applies_a_fix_and_refuses_across_formatting():
    body = "<p>会议要求&amp;强调,<strong>抓好</strong>落实</p><p>共有１２个项目。</p>"
    found = pr.find_in_html(body, context=OCT_2020)
    comma, digits = found
    assert pr.replace_in_html(body, comma, comma.fix) == "<p>会议要求&amp;强调，<strong>抓好</strong>落实</p><p>共有１２个项目。</p>"
    assert pr.replace_in_html(body, digits, digits.fix).endswith("<p>共有12个项目。</p>")
    spaced = "<p>区委<b> </b>书记</p>"
    (space,) = pr.find_in_html(spaced, context=OCT_2020)
    with pytest.raises(pr.FixError):
        pr.replace_in_html("<p>区委书记</p>", space, "")  # the text changed meanwhile: refused
    assert pr.replace_in_html("<p>区委<b> </b>书记</p>", space, "") == "<p>区委<b></b>书记</p>"
    pair = pr.find_in_html("<p>规范(<em>暂行</em>)。</p>", context=OCT_2020)[0]
    with pytest.raises(pr.FixError, match="格式"):
        pr.replace_in_html("<p>规范(<em>暂行</em>)。</p>", pair, pair.fix)


# --- real text ------------------------------------------------------------------------------


def _articles(sample):
    from bulletin.importing.parser import parse_text

    return parse_text(sample.text(), allow_new_sections=True)


def test_the_tests_own_issue_is_clean(own_issue):
    parsed = _articles(own_issue)
    context = Context(year=parsed.year, month=parsed.month, internal=True)
    for article in parsed.articles:
        assert find("\n".join(article.body_paragraphs), context=context) == [], article.title
        assert pr.find_title(article.title, context=context) == [], article.title


# What the office's real issue gives (2020年10月, 内部资料), each checked by hand: three
# half-width parentheses in one paragraph of 《中原区政务服务又出新举措》, in document titles
# (《…规范(暂行)》, 帮(代)办) where GB/T 15834 wants full-width ones.
SHARED_FINDINGS = [
    ("中原区政务服务又出新举措", pr.HALFWIDTH_PUNCT, 1, "(暂行)", "（暂行）"),
    ("中原区政务服务又出新举措", pr.HALFWIDTH_PUNCT, 1, "(代)", "（代）"),
    ("中原区政务服务又出新举措", pr.HALFWIDTH_PUNCT, 1, "(暂行)", "（暂行）"),
]


def test_the_offices_real_issue_gives_exactly_the_findings_checked_by_hand(shared_sample):
    parsed = _articles(shared_sample)
    context = Context(year=parsed.year, month=parsed.month, internal=True)
    found = []
    for article in parsed.articles:
        text = "\n".join(article.body_paragraphs)
        for f in find(text, context=context):
            assert text[f.start:f.end] == f.text
            found.append((article.title, f.kind, f.paragraph, f.text, f.fix))
        assert pr.find_title(article.title, context=context) == [], article.title  # titles are clean
    assert found == SHARED_FINDINGS


# --- the title ------------------------------------------------------------------------------


def test_the_title_is_checked_for_what_makes_sense_in_a_title():
    wordings = (Wording("中原区委", "中共中原区委"),)
    context = Context(year=2020, month=10, wordings=wordings)
    found = pr.find_title("中原区委召开会议,研究“十四五规划，，區域發展", context=context)
    assert [(f.kind, f.offset, f.text, f.fix, f.field) for f in found] == [
        (pr.STANDARD_WORDING, 0, "中原区委", "中共中原区委", pr.TITLE),
        (pr.HALFWIDTH_PUNCT, 8, ",", "，", pr.TITLE),
        (pr.BRACKETS, 11, "“", None, pr.TITLE),
        (pr.DOUBLED_PUNCT, 17, "，，", "，", pr.TITLE),
        (pr.TRADITIONAL, 19, "區", "区", pr.TITLE),
        (pr.TRADITIONAL, 21, "發", "发", pr.TITLE),
    ]
    assert all(f.in_title and f.field_label == "标题" and f.paragraph == 0 for f in found)


def test_a_space_in_a_title_is_not_flagged():
    # Two phrases in one title, or a title with its date: the space is the title's own.
    assert pr.find_title("凝心聚力谋发展 砥砺奋进新征程", context=OCT_2020) == []
    assert pr.find_title("2020年10月 稿件1", context=OCT_2020) == []
    assert only("凝心聚力谋发展 砥砺奋进新征程", pr.STRAY_SPACE).text == " "  # in the body it is


def test_findings_of_an_article_put_the_title_first_with_keys_of_their_own():
    found = pr.find_article("召开会议,研究工作", "<p>召开会议,研究工作</p>", context=OCT_2020)
    assert [(f.field, f.offset) for f in found] == [(pr.TITLE, 4), (pr.BODY, 4)]
    title, body = found
    assert title.key != body.key  # dismissing one leaves the other
    assert body.key == find("召开会议,研究工作", context=OCT_2020)[0].key  # body keys as before
    assert title.as_dict()["field_label"] == "标题" and body.as_dict()["field"] == "body"
    assert pr.replace_in_title("召开会议,研究工作", title, title.fix) == "召开会议，研究工作"
    with pytest.raises(pr.FixError):
        pr.replace_in_title("召开会议，研究工作", title, title.fix)
