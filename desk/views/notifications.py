"""消息 (/desk/notifications/): the signed-in user's notifications, marking them read, and which
kinds also come by e-mail (office.notifications)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from common.numbers import parse_id
from office import notifications
from office.models import Notification

from ..permissions import desk_view


@desk_view()
def notification_list(request):
    mine = Notification.objects.filter(recipient=request.user)
    show = "unread" if request.GET.get("show") == "unread" else ""
    if show:
        mine = mine.filter(read_at__isnull=True)
    page = Paginator(mine.order_by("-created_at", "-pk"), 30).get_page(request.GET.get("page"))
    return render(request, "desk/notifications.html", {"page": page, "notes": page.object_list, "show": show})


@desk_view()
def notification_open(request, pk):
    """Follow a notification's link; opening it marks it read."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(request.user, note.pk)
    if note.link and url_has_allowed_host_and_scheme(note.link, allowed_hosts={request.get_host()}):
        return redirect(note.link)
    return redirect("desk:notifications")


@desk_view()
@require_POST
def notifications_read(request):
    """标为已读 (one, `id`) or 全部标为已读 (no `id`)."""
    raw = request.POST.get("id")
    if raw:
        note_id = parse_id(raw)
        if note_id is None or not Notification.objects.filter(pk=note_id, recipient=request.user).exists():
            messages.error(request, "没有这条消息，页面可能已过期，请刷新。")
        else:
            notifications.mark_read(request.user, note_id)
    else:
        count = notifications.mark_read(request.user)
        messages.success(request, f"已将 {count} 条消息标为已读。" if count else "没有未读消息。")
    back = "?show=unread" if request.POST.get("show") == "unread" else ""
    return redirect(reverse("desk:notifications") + back)


@desk_view()
def notification_settings(request):
    """Which kinds of message also come by e-mail."""
    if request.method == "POST":
        notifications.set_email_kinds(request.user, request.POST.getlist("email"))
        messages.success(request, "邮件提醒设置已保存。")
        return redirect("desk:notification_settings")
    return render(request, "desk/notification_settings.html", {
        "kinds": notifications.email_kinds(request.user),
        "address": request.user.email,
    })
