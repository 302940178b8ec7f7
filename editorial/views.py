"""The editor desk (/desk/)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from bulletin.models import Issue
from bulletin.rendering import issue_layout
from bulletin.roles import APPROVER, EDITOR, HEAD, has_role

from .models import Article


def _require_desk(user):
    if not has_role(user, EDITOR, APPROVER, HEAD):
        raise PermissionDenied("您没有使用编辑部的权限。")


@login_required
def dashboard(request):
    _require_desk(request.user)
    mine = Article.objects.filter(author=request.user).select_related("section")[:50]
    return render(request, "editorial/dashboard.html", {"mine": mine})


@login_required
def issue_preview(request, pk):
    _require_desk(request.user)
    issue = get_object_or_404(Issue.objects.select_related("publication"), pk=pk)
    return render(request, "reader/issue.html", issue_layout(issue))


@login_required
@require_POST
def image_upload(request):
    _require_desk(request.user)
    return JsonResponse({"error": {"message": "图片上传尚未开放。"}}, status=400)
