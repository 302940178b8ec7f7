"""编辑部日历 (/desk/calendar/): the month's deadlines and each article's state against them,
and the signed-in user's iCalendar feed behind a secret address (office.calendar, office.feeds)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from office import calendar, feeds

from ..feedback import refused
from ..permissions import desk_view


@desk_view()
def month(request):
    today = timezone.localdate()
    year, month_number = calendar.parse_month(request.GET.get("month"), today)
    feed = feeds.feed_of(request.user)
    return render(request, "desk/calendar.html", {
        "view": calendar.month_view(year, month_number, today=today),
        "feed_url": request.build_absolute_uri(reverse("desk:calendar_feed", args=[feed.token])) if feed else "",
        "feed": feed,
    })


@desk_view()
@require_POST
def feed_address(request):
    """Create the user's secret feed address, or replace it (the old one stops working)."""
    had_one = feeds.feed_of(request.user) is not None
    try:
        feeds.issue_token(request.user, by=request.user)
    except feeds.FeedError as exc:
        refused(request, exc)
    else:
        messages.success(
            request,
            "已重置订阅地址：旧地址立即失效，请在日历软件中改用新地址。" if had_one
            else "已生成订阅地址，复制到 WPS、Outlook 或手机日历中即可订阅。",
        )
    return redirect(reverse("desk:calendar") + "#subscribe")


def feed(request, token):
    """The iCalendar feed: no sign-in (calendar programs cannot), the secret token instead."""
    user = feeds.user_for_token(token)
    if user is None:
        raise Http404("没有这个日历订阅地址，或它已被重置。")
    response = HttpResponse(feeds.build_calendar(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="bulletin.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
