"""Two publications in a real browser: choosing the other publication swaps the section list."""

import pytest

from bulletin.models import Publication, Section
from editorial.models import Article, PublicationMembership


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db(transaction=True)
def test_choosing_a_publication_offers_its_sections(page, live_server, login, publication, editor):
    second = Publication.objects.create(name="测试区志鉴通讯", slug="test-zjtx")
    for index, name in enumerate(["工作动态", "志鉴研究"]):
        Section.objects.create(publication=second, name=name, position=index + 1)
    PublicationMembership.objects.create(user=editor, publication=second)

    login(page, "editor")
    page.goto(live_server.url + "/desk/articles/new/")
    sections = page.locator("#id_section option")
    assert sections.all_inner_texts()[1:] == ["本期焦点", "时政要点", "创文看点", "经济热点", "文化亮点", "民生视点"]
    page.select_option("#id_publication", label="测试区志鉴通讯")
    assert sections.all_inner_texts() == ["请选择栏目", "工作动态", "志鉴研究"]
    page.fill("#id_title", "新志书出版")
    page.select_option("#id_section", label="志鉴研究")
    page.click("button[name=then][value='']")
    page.wait_for_load_state()
    article = Article.objects.get()
    assert (article.publication, article.section.name) == (second, "志鉴研究")
