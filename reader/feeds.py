"""Atom and RSS feeds of each publication's public issues, and the sitemap of the public pages
(Django's syndication and sitemaps frameworks).

Only published public (公开) issues are listed: an internal issue's title, month or table of
contents never appears in a feed or the sitemap. Both answers are marked `public_page`, so the
page cache (config/pagecache.py) keeps them and config/public_files.py writes them for nginx,
renewed like the pages whenever published content changes.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from bulletin.models import Issue, IssueArticle, Publication, Visibility
from bulletin.public_pages import public_issues

FEED_ITEMS = 20


def _public_issues(publication):
    return (
        Issue.objects.published().filter(publication=publication, visibility=Visibility.PUBLIC)
        .select_related("publication").order_by("-year", "-month", "-serial_number")
    )


class IssuesFeed(Feed):
    """RSS 2.0: the latest public issues of one publication."""

    feed_type = Rss201rev2Feed
    language = "zh-cn"

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response.public_page = True
        return response

    def get_object(self, request, slug):
        return get_object_or_404(Publication, slug=slug)

    def title(self, publication):
        return f"{publication.name} · 最新各期"

    def link(self, publication):
        return publication.get_absolute_url()

    def description(self, publication):
        return publication.description or f"{publication.name}在线阅读：最新公开发布的各期。"

    def author_name(self, publication):
        return publication.publisher or publication.sponsor or None

    def items(self, publication):
        return list(_public_issues(publication)[:FEED_ITEMS])

    def item_title(self, issue):
        return f"{issue.publication.name} {issue.month_label} {issue.numbers_label}".strip()

    def item_description(self, issue):
        # The titles as published (the pinned revisions), in the issue's order.
        placements = list(
            issue.placements.select_related("article", "revision", "section")
            .order_by("section__position", "section_id", "position", "pk")
        )
        titles = [placement.content.title for placement in placements]
        focus = [p.content.title for p in placements if p.article_id == issue.focus_article_id]
        lines = [f"本期焦点：{focus[0]}"] if focus else []
        lines += [f"本期共 {len(titles)} 篇：" + "；".join(titles)] if titles else []
        return "\n".join(lines)

    def item_link(self, issue):
        return issue.get_absolute_url()

    def item_pubdate(self, issue):
        return issue.published_at

    def item_updateddate(self, issue):
        return issue.updated_at


class IssuesAtomFeed(IssuesFeed):
    feed_type = Atom1Feed
    subtitle = IssuesFeed.description


class ReaderSitemap(Sitemap):
    """Home, every publication's archive, every public issue and its articles."""

    def items(self):
        items = [("page", reverse("reader:home"), None)]
        items += [("page", p.get_absolute_url(), None) for p in Publication.objects.order_by("pk")]
        issues = list(public_issues())
        articles: dict[int, list[int]] = {}
        for issue_id, article_id in IssueArticle.objects.filter(issue__in=issues).values_list("issue_id", "article_id"):
            articles.setdefault(issue_id, []).append(article_id)
        for issue in issues:
            modified = issue.updated_at
            items.append(("issue", issue.get_absolute_url(), modified))
            slug, serial = issue.publication.slug, issue.serial_number
            items += [
                ("article", reverse("reader:article", args=[slug, serial, pk]), modified)
                for pk in sorted(articles.get(issue.pk, []))
            ]
        return items

    def location(self, item):
        return item[1]

    def lastmod(self, item):
        return item[2]


SITEMAPS = {"reader": ReaderSitemap}


def sitemap(request):
    response = sitemap_views.sitemap(request, sitemaps=SITEMAPS)
    response.public_page = True
    return response
