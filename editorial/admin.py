from django import forms
from django.contrib import admin, messages

from common.history_admin import DraftDeletionMixin, ReadOnlyAdmin, ReadOnlyInline, person_column

from . import workflow
from .models import (
    TITLE_TOO_LONG,
    Article,
    ArticleTransition,
    Comment,
    Image,
    ProofreadingDismissal,
    ReviewLevel,
    Revision,
)
from .proofreading import KIND_LABELS


class RevisionInline(ReadOnlyInline, admin.TabularInline):
    model = Revision
    fields = ["number", "title", "created_by_name", "created_at", "note"]
    readonly_fields = fields
    created_by_name = person_column("created_by", "保存人")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


class TransitionInline(ReadOnlyInline, admin.TabularInline):
    model = ArticleTransition
    # 原状态 → 新状态 in one column: seven columns squeezed the comment at 1280 px.
    fields = ["created_at", "actor_name", "action", "status_change", "review_level", "comment"]
    readonly_fields = fields
    actor_name = person_column("actor", "操作人")

    @admin.display(description="状态变化")
    def status_change(self, obj):
        return f"{obj.get_from_status_display()} → {obj.get_to_status_display()}"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    """Every save of an article: only ever added to (common.history)."""

    list_display = ["article", "number", "created_by_name", "created_at", "note"]
    list_select_related = ["article", "created_by"]
    fields = ["article", "number", "title", "event_date", "section", "body", "created_by_name", "created_at", "note"]
    readonly_fields = fields
    created_by_name = person_column("created_by", "保存人")


@admin.register(ArticleTransition)
class ArticleTransitionAdmin(ReadOnlyAdmin):
    """The workflow's audit trail: only ever added to (common.history)."""

    list_display = ["created_at", "article", "action", "from_status", "to_status", "actor_name"]
    list_filter = ["action"]
    list_select_related = ["article", "actor"]
    fields = ["article", "created_at", "actor_name", "action", "from_status", "to_status", "review_level", "comment"]
    readonly_fields = fields
    actor_name = person_column("actor", "操作人")


class ArticleAdminForm(forms.ModelForm):
    """Checks permissions and the optimistic lock before the workflow saves."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    request = None  # set per request by ArticleAdmin.get_form

    class Meta:
        model = Article
        fields = ["publication", "section", "title", "event_date", "body", "author"]
        error_messages = {"title": {"max_length": TITLE_TOO_LONG}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        user = self.request.user
        try:
            if self.instance.pk:
                current = Article.objects.get(pk=self.instance.pk)
                workflow.check_can_edit(user, current)
                expected = data.get("expected_version")
                if expected is not None and expected != current.version:
                    raise workflow.EditConflict(current)
            else:
                workflow.check_can_create(user)
        except workflow.WorkflowError as exc:
            raise forms.ValidationError(exc.message) from None
        return data


@admin.register(Article)
class ArticleAdmin(DraftDeletionMixin, admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "publication", "section", "event_date", "status", "author_name", "updated_at"]
    list_select_related = ["publication", "section", "author"]
    author_name = person_column("author", "作者")
    list_filter = ["publication", "status", "section"]
    search_fields = ["title"]
    readonly_fields = ["status", "review_level", "version", "last_edited_by_name"]
    last_edited_by_name = person_column("last_edited_by", "最后编辑人")
    inlines = [RevisionInline, TransitionInline]
    actions = ["submit_selected", "approve_selected"]

    def _deletable(self, article) -> bool:
        """Only a draft never submitted goes, with its own revisions (common.history); anything
        that entered the workflow has an audit trail, and a placed article is in an issue."""
        return (
            article.status == Article.Status.DRAFT
            and not article.transitions.exists()
            and not article.placements.exists()
        )

    def _kept_message(self, article) -> str:
        return f"《{article.title}》已进入审核流程或已编入期刊，有流转记录，不能删除。"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["publication", "author_name"]
        if obj is not None and obj.status not in workflow.EDITABLE:
            # Published: nothing here may change (corrections are errata); the page shows the
            # text, and a save is still refused by the workflow (ArticleAdminForm.clean).
            fields += ["section", "title", "event_date", "body"]
        return fields

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.status not in workflow.EDITABLE:
            # Read-only (get_readonly_fields): no 保存 buttons that could only be refused; the
            # page stays viewable with its history inlines, and 关闭 leads back to the list.
            context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_exclude(self, request, obj=None):
        # A saved article's author is shown by name (author_name), not edited.
        return ["author"] if obj is not None else super().get_exclude(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # modelform_factory made a fresh class for this request
        return form

    def save_model(self, request, obj, form, change):
        # Every save goes through the workflow: sanitising, permission and version checks,
        # status effects (editing an approved article sends it back to review), a revision.
        try:
            if change:
                article = Article.objects.get(pk=obj.pk)
                saved = workflow.save_article(
                    article,
                    by=request.user,
                    version=form.cleaned_data.get("expected_version") or article.version,
                    note="后台保存",
                    title=obj.title, event_date=obj.event_date, section=obj.section, body=obj.body,
                )
            else:
                saved = workflow.create_article(
                    by=request.user, publication=obj.publication, section=obj.section,
                    title=obj.title, event_date=obj.event_date, body=obj.body, note="后台保存",
                )
                if obj.author_id and obj.author_id != saved.author_id:
                    Article.objects.filter(pk=saved.pk).update(author_id=obj.author_id)
                    saved.author_id = obj.author_id
        except workflow.WorkflowError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            if obj.pk:
                obj.refresh_from_db()
            return
        obj.pk = saved.pk
        for field in ("title", "body", "status", "review_level", "version", "last_edited_by_id",
                      "author_id", "created_at", "updated_at"):
            setattr(obj, field, getattr(saved, field))

    def _run(self, request, queryset, action):
        done = 0
        for article in queryset:
            try:
                workflow.perform(action, article, by=request.user)
            except workflow.WorkflowError as exc:
                self.message_user(request, f"《{article.title}》：{exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"已对 {done} 篇稿件执行“{workflow.ACTION_LABELS[action]}”。", messages.SUCCESS)

    @admin.action(description="提交审核")
    def submit_selected(self, request, queryset):
        self._run(request, queryset, workflow.SUBMIT)

    @admin.action(description="审核通过（须为当前审核级别的审核人，且不是作者或最后修改人）")
    def approve_selected(self, request, queryset):
        self._run(request, queryset, workflow.APPROVE)

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk}


@admin.register(ReviewLevel)
class ReviewLevelAdmin(admin.ModelAdmin):
    list_display = ["publication", "level", "name", "group"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["article", "author", "created_at"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["original_name", "width", "height", "uploaded_by", "created_at"]


@admin.register(ProofreadingDismissal)
class ProofreadingDismissalAdmin(admin.ModelAdmin):
    """Who judged which proofreading finding right as written: a record, never edited here."""

    list_display = ["article", "text", "kind_label", "message", "dismissed_by", "dismissed_at"]
    readonly_fields = ["article", "kind_label", "text", "message", "dismissed_by", "dismissed_at"]
    exclude = ["key", "kind"]

    @admin.display(description="类别")
    def kind_label(self, obj):
        return KIND_LABELS.get(obj.kind, obj.kind)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
