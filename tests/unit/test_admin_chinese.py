"""The admin in the office's language: Django's own admin and auth strings, roles, permissions,
names (王小明), help texts, and what the admin must not let anyone do by hand."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import django.contrib.admin
import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse

from bulletin.models import Publication, Section

# English a Django admin page would show if a catalog were missing or a string left untranslated.
DJANGO_ENGLISH = [
    "Choose", "Available", "Chosen", "Remove all", "Filter", "Save and add another",
    "Save and continue editing", "Save", "Delete", "History", "Can add", "Can change",
    "Can delete", "Can view", "Log out", "Welcome", "View site", "Change password", "Home",
    "Toggle theme", "Skip to main content", "Model name", "Add link", "Change or view list link",
    "Select user to change", "Action", "Go", "Personal info", "Permissions", "Important dates",
    "Username", "Password", "First name", "Last name", "Email address", "Groups", "Staff status",
    "Superuser status", "Active", "Hold down", "Required", "After you", "Raw passwords",
    "algorithm", "iterations", "salt", "hash", "Password-based authentication", "If disabled",
    "Enabled", "Disabled", "Reset password", "Name", "Add ", "Change ", "Error",
]

# Latin words that may show: data (user names, addresses, e-mail) and key names in help texts.
ALLOWED_LATIN = {"Control", "Command", "Mac"} | {
    "admin", "xiaoming", "wxm", "example", "org", "office", "test", "dsyb", "zyq",  # data, examples
    "PDF", "TTF", "OTF", "TTC", "MB", "GB",  # file formats and font names (仿宋_GB2312) as written in Chinese
}


class _Visible(HTMLParser):
    """The text a person sees (or hears): text nodes outside script/style, and the attributes
    that are shown or read out (title, placeholder, aria-label, alt, button values)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        attrs = dict(attrs)
        for name in ("title", "placeholder", "aria-label", "alt"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


def english_in(text: str) -> list[str]:
    found = [phrase for phrase in DJANGO_ENGLISH if phrase in text]
    words = set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_LATIN
    return found + sorted(words)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", password="pw-admin", first_name="管理员")


@pytest.fixture
def xiaoming(django_user_model):
    user = django_user_model.objects.create_user(
        "xiaoming", password="pw-xiaoming", first_name="小明", last_name="王", email="wxm@example.org"
    )
    user.groups.add(Group.objects.get_or_create(name="editor")[0])
    return user


def _dismissal(user):
    from editorial.models import Article, ProofreadingDismissal

    article = Article.objects.create(
        publication=Publication.objects.first(), section=Section.objects.first(), title="校对", author=user,
        body="<p>区委 书记出席。</p>",
    )
    return ProofreadingDismissal.objects.create(
        article=article, key="k", kind="stray_space", text=" ", message="汉字之间有多余的空格。", dismissed_by=user,
    )


def _admin_pages(user, group, publication):
    return {
        "user list": reverse("admin:auth_user_changelist"),
        "user change": reverse("admin:auth_user_change", args=[user.pk]),
        "user add": reverse("admin:auth_user_add"),
        "user password": reverse("admin:auth_user_password_change", args=[user.pk]),
        "group list": reverse("admin:auth_group_changelist"),
        "group change": reverse("admin:auth_group_change", args=[group.pk]),
        "group add": reverse("admin:auth_group_add"),
        "publication list": reverse("admin:bulletin_publication_changelist"),
        "publication change": reverse("admin:bulletin_publication_change", args=[publication.pk]),
        "publication add": reverse("admin:bulletin_publication_add"),
        "admin home": reverse("admin:index"),
        "proofreading dismissals": reverse("admin:editorial_proofreadingdismissal_changelist"),
        "proofreading dismissal": reverse("admin:editorial_proofreadingdismissal_change", args=[_dismissal(user).pk]),
    }


def test_admin_pages_show_no_english(client, superuser, xiaoming, publication):
    assert client.get(reverse("admin:login")).status_code == 200
    assert english_in(visible_text(client.get(reverse("admin:login")).content.decode())) == []
    assert client.login(username="admin", password="pw-admin")

    editor_group = Group.objects.get(name="editor")
    for page, url in _admin_pages(xiaoming, editor_group, publication).items():
        response = client.get(url)
        assert response.status_code == 200, page
        assert english_in(visible_text(response.content.decode())) == [], page


def test_roles_permissions_and_names_read_in_chinese(client, superuser, xiaoming, approver):
    client.force_login(superuser)

    users = visible_text(client.get(reverse("admin:auth_user_changelist")).content.decode())
    assert "王小明" in users and "小明 王" not in users
    # roles by their labels, in the filter too; never the codenames
    assert "编辑" in users and "审核" in users

    change = client.get(reverse("admin:auth_user_change", args=[xiaoming.pk])).content.decode()
    text = visible_text(change)
    # 姓 before 名 in the form
    assert text.index("姓氏") < text.index("名字")
    # the role picker offers the four roles by label; the editor role is chosen
    groups = change[change.index('name="groups"') : change.index("</select>", change.index('name="groups"'))]
    options = re.findall(r"<option [^>]*>([^<]+)</option>", groups)
    assert sorted(options) == sorted(["编辑", "审核", "主任", "读者"])
    assert re.search(r"<option [^>]*selected[^>]*>编辑</option>", groups)

    group = client.get(reverse("admin:auth_group_change", args=[Group.objects.get(name="head").pk]))
    text = visible_text(group.content.decode())
    assert "主任" in text and "head" not in text
    assert "认证和授权 | 用户 | 可以增加用户" in text
    assert "管理 | 日志记录 | 可以查看日志记录" in text


def test_full_name_prints_family_name_first_on_the_site(client, xiaoming):
    assert xiaoming.get_full_name() == "王小明"
    client.force_login(xiaoming)
    page = client.get("/desk/").content.decode()
    assert "王小明" in page and "小明 王" not in page
    # a name in Latin letters keeps its own order
    xiaoming.first_name, xiaoming.last_name = "Anna", "Berg"
    assert xiaoming.get_full_name() == "Anna Berg"


def test_role_groups_keep_their_codename(client, superuser):
    client.force_login(superuser)
    editor = Group.objects.get(name="editor")
    url = reverse("admin:auth_group_change", args=[editor.pk])
    page = client.get(url).content.decode()
    assert 'name="name"' not in page  # shown as 编辑, not an input
    client.post(url, {"name": "编辑", "permissions": []})
    editor.refresh_from_db()
    assert editor.name == "editor"
    assert client.get(reverse("admin:auth_group_delete", args=[editor.pk])).status_code == 403

    # a group the office makes for itself is an ordinary group
    response = client.post(reverse("admin:auth_group_add"), {"name": "校对", "permissions": []})
    assert response.status_code == 302
    assert Group.objects.filter(name="校对").exists()


def test_admin_scripts_have_chinese_for_every_string(client, superuser):
    """The two-box selector of roles and permissions, the calendar, actions: every string Django's
    admin scripts ask for is in the catalog /admin/jsi18n/ serves, in Chinese."""
    client.force_login(superuser)
    script = client.get(reverse("admin:jsi18n")).content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S).group(1))
    js_dir = Path(django.contrib.admin.__file__).parent / "static" / "admin" / "js"
    wanted = set()
    for path in js_dir.glob("*.js"):
        source = path.read_text(encoding="utf-8")
        for quote in ("'", '"'):
            pattern = rf"\bn?gettext\(\s*{quote}((?:[^{quote}\\]|\\.)+){quote}"
            wanted |= {re.sub(r"\\(.)", r"\1", m) for m in re.findall(pattern, source)}
    assert "Choose %s by selecting them and then select the \"Choose\" arrow button." in wanted
    cjk = re.compile(r"[\u4e00-\u9fff]")
    untranslated = sorted(
        msgid for msgid in wanted
        if not cjk.search(json.dumps(catalog.get(msgid, ""), ensure_ascii=False))
    )
    assert untranslated == []


def test_help_texts_speak_the_office_language():
    field = Publication._meta.get_field("last_serial_number")
    assert "事务" not in field.help_text and "加锁" not in field.help_text
    assert "自动" in field.help_text


def test_slug_error_says_what_the_help_text_says(client, superuser):
    client.force_login(superuser)
    help_text = Publication._meta.get_field("slug").help_text
    # the add form as the page offers it (its defaults), with a name and no inline rows
    page = client.get(reverse("admin:bulletin_publication_add"))
    data = {"name": "新刊物"}
    inlines = [inline.formset.management_form for inline in page.context["inline_admin_formsets"]]
    for form in [page.context["adminform"].form, *inlines]:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is not None and value is not False and value != "":  # (0 is a value)
                data.setdefault(form.add_prefix(name), value)
    for bad in ("xin_kan", "新刊物", "xin kan"):
        response = client.post(reverse("admin:bulletin_publication_add"), {**data, "slug": bad})
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors["slug"]
        assert errors == ["网址标识只能包含英文字母、数字和连字符（-），如 zyq-dsyb。"]
        assert "只能包含英文字母、数字和连字符（-），如 zyq-dsyb" in help_text
        assert "slug" not in visible_text(response.content.decode())
    response = client.post(reverse("admin:bulletin_publication_add"), {**data, "slug": "xin-kan"})
    assert response.status_code == 302
    assert Publication.objects.filter(slug="xin-kan").exists()


def test_sign_off_cannot_be_made_by_hand(client, superuser):
    sign_off = next(model for model in apps.get_models() if model.__name__ == "SignOff")
    opts = sign_off._meta
    client.force_login(superuser)
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
    listing = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert listing.status_code == 200
    assert reverse(f"admin:{opts.app_label}_{opts.model_name}_add") not in listing.content.decode()


def test_history_lists_name_actions_states_and_people_in_chinese(
    client, superuser, make_article, editor, approver, head, django_assert_max_num_queries
):
    """流转记录, 版本 and 本期记录 show the workflow's actions and states by their labels and people
    by their names (李编辑), never the stored codes (submit, draft) or user names (editor)."""
    from bulletin.models import Issue, IssueEvent
    from editorial import workflow
    from editorial.models import ArticleTransition

    article = make_article(title="秋季防汛演练")
    workflow.perform(workflow.SUBMIT, article, by=editor)
    workflow.perform(workflow.RETURN, article, by=approver, comment="请补充演练时间。")
    submitted = ArticleTransition.objects.get(article=article, action=workflow.SUBMIT)
    assert str(submitted) == "秋季防汛演练：提交审核（草稿 → 待审）"
    issue = Issue.objects.create(publication=article.publication, year=2020, month=10)
    IssueEvent.objects.create(issue=issue, action=IssueEvent.Action.RETURNED, actor=head, comment="重排")
    client.force_login(superuser)

    pages = {
        "transitions": reverse("admin:editorial_articletransition_changelist"),
        "transition": reverse("admin:editorial_articletransition_change", args=[submitted.pk]),
        "revisions": reverse("admin:editorial_revision_changelist"),
        "articles": reverse("admin:editorial_article_changelist"),
        "article": reverse("admin:editorial_article_change", args=[article.pk]),
        "issue events": reverse("admin:bulletin_issueevent_changelist"),
        "issue": reverse("admin:bulletin_issue_change", args=[issue.pk]),
    }
    text = {}
    for page, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, page
        text[page] = visible_text(response.content.decode())
        for code in ("submit", "return", "draft", "submitted", "returned", "editor", "approver", "head"):
            assert not re.search(rf"\b{code}\b", text[page]), (page, code)
    # the list, its filter (every action by its label) and the article's own table
    assert "提交审核" in text["transitions"] and "退回修改" in text["transitions"]
    for label in workflow.ACTION_LABELS.values():
        assert label in text["transitions"]
    assert "李编辑" in text["transitions"] and "赵审核" in text["transitions"]
    assert "草稿 → 待审" in text["article"] and "待审 → 退回" in text["article"]
    assert "李编辑" in text["article"] and "赵审核" in text["article"] and "请补充演练时间。" in text["article"]
    assert "李编辑" in text["revisions"] and "李编辑" in text["articles"]
    assert "陈主任" in text["issue events"] and "陈主任" in text["issue"]

    # names cost no query per row
    for _ in range(5):
        workflow.perform(workflow.SUBMIT, article, by=editor)
        workflow.perform(workflow.RETURN, article, by=approver, comment="再改。")
    with django_assert_max_num_queries(12):
        client.get(pages["transitions"])
