from django import forms
from django.contrib import admin, messages
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html

from common import periods
from common.history_admin import DraftDeletionMixin, ReadOnlyAdmin, ReadOnlyInline, person_column
from editorial.models import PublicationMembership

from . import jobs
from .auth_labels import full_name, group_label
from .models import (
    BackgroundJob,
    Erratum,
    Issue,
    IssueArticle,
    IssueEvent,
    Publication,
    PublicationFont,
    SearchTerm,
    Section,
    SignOff,
    StandardWording,
)
from .models.publications import validate_publication_slug
from .pdf.fonts import inspect_font
from .publishing import IssueError, approve_erratum, publish_issue
from .publishing.base import has_been_submitted, record_event


def _run_each(model_admin, request, queryset, service, done: str):
    """Admin actions call the lifecycle services one object at a time; a refusal is a message."""
    for obj in queryset:
        try:
            service(obj, by=request.user)
        except IssueError as exc:
            model_admin.message_user(request, f"{obj}：{exc}", messages.ERROR)
        else:
            model_admin.message_user(request, f"{done}：{obj}", messages.SUCCESS)


def _boolean_icon(value):
    """Django's yes/no icon with its alt text in Chinese (Django writes "True"/"False"/"None",
    which a screen reader reads out)."""
    icon = {True: "yes", False: "no", None: "unknown"}[value]
    label = {True: "是", False: "否", None: "未知"}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), label)


admin_list._boolean_icon = _boolean_icon  # every admin caller looks it up here when it runs

admin.site.site_header = "刊物编辑发布系统 · 后台管理"
admin.site.site_title = "后台管理"
admin.site.index_title = "刊物与编辑数据"


# ---------------------------------------------------------------------------------------------
# Users and roles, as the office says them: 王小明, 编辑 (bulletin/auth_labels.py prints names,
# roles and permissions; these admins lay the pages out for it).

USABLE_PASSWORD_HELP = "是否允许该用户用密码登录。"


class PasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    # Django appends an English warning to this help text (not translatable): say it in Chinese.
    usable_password_help_text = (
        USABLE_PASSWORD_HELP + '<ul id="id_unusable_warning" class="messagelist"><li class="warning">'
        "选择“禁用”后，该用户现在的密码将作废。</li></ul>"
    )


class PasswordStatusWidget(auth_forms.ReadOnlyPasswordHashWidget):
    """Whether the user has a password, without the hash algorithm, iterations and salt."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        usable = bool(value) and not value.startswith(UNUSABLE_PASSWORD_PREFIX)
        context["summary"] = [{"label": "已设置密码" if usable else "未设置密码，不能用密码登录"}]
        return context


class UserChangeForm(auth_forms.UserChangeForm):
    password = auth_forms.ReadOnlyPasswordHashField(
        label="密码",
        widget=PasswordStatusWidget,
        help_text="密码加密保存，谁也看不到原文；用户忘记密码时，用上面的按钮重设。",
    )


admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeForm
    change_password_form = PasswordChangeForm
    list_display = ["username", "full_name", "role_labels", "email", "is_staff", "is_active"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("个人信息", {"fields": ["last_name", "first_name", "email"]}),  # 姓 before 名
        ("权限", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("重要日期", {"fields": ["last_login", "date_joined"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "groups":
            kwargs["label"] = "角色"
            kwargs["help_text"] = "编辑写稿，审核审稿，主任签发，读者可看内部资料。可以选多个。"
            kwargs["widget"] = FilteredSelectMultiple("角色", is_stacked=False)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="姓名", ordering="last_name")
    def full_name(self, user):
        return user.get_full_name()

    @admin.display(description="角色")
    def role_labels(self, user):
        return "、".join(sorted(group_label(group) for group in user.groups.all()))


@admin.register(Group)
class GroupAdmin(auth_admin.GroupAdmin):
    """The four roles keep their codename (code and migrations refer to it): shown by label,
    never renamed here."""

    list_display = ["label"]

    @admin.display(description="名称", ordering="name")
    def label(self, group):
        return group_label(group)

    def _is_role(self, group) -> bool:
        return group is not None and group_label(group) != group.name

    def get_fields(self, request, obj=None):
        if self._is_role(obj):
            return ["label", "permissions"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if self._is_role(obj):
            return ["label"]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._is_role(obj) and super().has_delete_permission(request, obj)


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["name", "position", "active", "required"]


class StandardWordingInline(admin.TabularInline):
    model = StandardWording
    extra = 1
    fields = ["wrong", "right", "note"]
    verbose_name = "规范表述（校对时提示）"
    verbose_name_plural = "规范表述（校对时提示）：机构、地名、会议等的规范名称，以及过时或错误的写法"


class PublicationFontForm(forms.ModelForm):
    class Meta:
        model = PublicationFont
        fields = ["role", "file"]
        # The files have no URL (licensed, never served): no "currently: <link>" beside the field.
        widgets = {"file": forms.FileInput}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None or "file" not in self.changed_data:
            return upload
        info = inspect_font(upload)  # a ValidationError in Chinese for anything the PDF cannot use
        self.instance.family_name = info.family
        return ContentFile(info.data, name=f"font{info.extension}")


class PublicationFontInline(admin.TabularInline):
    model = PublicationFont
    form = PublicationFontForm
    extra = 0
    max_num = len(PublicationFont.Role.choices)
    fields = ["role", "file", "family_name", "uploaded_by", "uploaded_at"]
    readonly_fields = ["family_name", "uploaded_by", "uploaded_at"]
    verbose_name = "排版字体（PDF）"
    verbose_name_plural = "排版字体（PDF）"
    template = "admin/bulletin/publication/fonts_inline.html"
    description = (
        "本单位已取得授权的字体（如方正小标宋、仿宋_GB2312、黑体）可在此上传，PDF 即用它排印标题、正文或栏目名称；"
        "未上传的用途仍用思源宋体、思源黑体，上传的字体缺少的字也用它们补上。字体文件只用于生成 PDF，不对外提供下载。"
        "更换字体只影响以后生成的 PDF，已发布期刊保存的 PDF 不会因此重新生成。"
    )

def full_name_label(user) -> str:
    """王小明（wangxm）, or the username alone when no name is set."""
    name = full_name(user)
    return f"{name}（{user.username}）" if name else user.username


class MembershipInline(admin.TabularInline):
    model = PublicationMembership
    extra = 1
    fields = ["user"]
    verbose_name = "刊物成员"
    verbose_name_plural = (
        "刊物成员：在本刊物中编写、审核和编排稿件的人。有成员记录的用户只能在其所在的刊物中工作；"
        "只有一个刊物时，没有任何成员记录的用户也可在该刊物中工作"
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user":
            field.label_from_instance = full_name_label
        return field


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "publisher", "default_visibility", "first_serial_number", "last_serial_number"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["last_serial_number"]
    inlines = [SectionInline, MembershipInline, StandardWordingInline, PublicationFontInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "default_visibility", "frequency"]}),
        ("版记", {
            "fields": ["confidentiality_notice", "distribution_scope", "sponsor", "publisher", "phone", "email"],
            "description": "新发布的每一期按发布时的版记印出并保存；之后修改这里只影响以后的期，不改变已发布的期。",
        }),
        ("内部资料登记项目", {
            "fields": ["permit_number", "free_notice", "printer", "print_run"],
            "description": "按《内部资料性出版物管理规定》，内部资料须在版记中载明准印证号、“内部资料，免费交流”、"
                           "编印单位（编辑出版）、发送对象（发放范围）、印刷单位、印刷日期（出版日期）和印数；"
                           "缺少任何一项时，内部资料的期不能签发。",
        }),
        ("编号", {"fields": ["first_serial_number", "last_serial_number"]}),
        ("每月日程与提醒", {
            "fields": [("draft_day", "review_day", "signoff_day", "publish_day"), "reminder_days"],
            "description": "新建的每一期按本规则取本月的截止日期（超过当月天数时取月末）；"
                           "某一期的日期可在编辑部的期刊页面单独调整。",
        }),
        ("签发", {"fields": ["head_may_work_alone"]}),
        ("提交前检查", {
            "description": "编辑提交稿件审核、提交本期签发之前自动检查。“必须满足”的项目未满足时不能提交；"
                           "“仅提醒”的项目只提示，仍可提交；“不检查”则不显示。",
            "fields": [
                "check_event_date", ("check_title_length", "title_max_chars"),
                ("check_body_length", "body_min_chars"), "check_image_alt",
                "check_required_sections", "check_focus", "check_in_review",
            ],
        }),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "slug":
            # One rule, one message (the one the help text states), not Django's own slug error.
            field.validators = [validate_publication_slug]
        return field

    def save_formset(self, request, form, formset, change):
        if formset.model is PublicationFont:
            for font_form in formset.forms:
                if font_form.has_changed() and "file" in font_form.changed_data:
                    font_form.instance.uploaded_by = request.user
                    font_form.instance.uploaded_at = timezone.now()
        super().save_formset(request, form, formset, change)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # The starting serial is set once: after the first publish it is history.
        if obj is not None and obj.has_published_own_issue():
            fields.append("first_serial_number")
        return fields


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "publication", "position", "active", "required"]
    list_filter = ["publication", "active"]
    list_editable = ["position", "active", "required"]


class IssueArticleInline(admin.TabularInline):
    model = IssueArticle
    extra = 0
    fields = ["article", "section", "position", "revision"]
    readonly_fields = ["revision"]
    autocomplete_fields = ["article"]


class ErratumInline(admin.StackedInline):
    """Errata are proposed and approved on the desk (or with the action below), never edited here."""

    model = Erratum
    extra = 0
    can_delete = False
    fields = ["text", "created_by", "approved_by", "published_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class IssueEventInline(ReadOnlyInline, admin.TabularInline):
    model = IssueEvent
    fields = ["created_at", "action", "actor_name", "comment"]
    readonly_fields = fields
    actor_name = person_column("actor", "操作人")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Issue)
class IssueAdmin(DraftDeletionMixin, admin.ModelAdmin):
    list_display = ["__str__", "year", "month", "year_number", "serial_number", "status", "visibility"]
    list_filter = ["publication", "status", "year", "visibility"]
    # Deadlines change on the desk (bulletin.publishing.set_deadlines), which records the change.
    # The focus is the first article of the 本期焦点 section, set on the desk (设为焦点).
    readonly_fields = [
        "year_number", "serial_number", "published_at", "status",
        "draft_due", "review_due", "signoff_due", "publish_due", "focus_article",
    ]
    inlines = [IssueArticleInline, ErratumInline, IssueEventInline]
    actions = ["publish_selected"]

    def view_on_site(self, obj):
        # Only a numbered issue has a reader page; the admin shows no link before that.
        return obj.get_absolute_url()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_frozen:
            # Published issues are immutable: every field is history.
            fields += ["publication", "year", "month", "title", "publication_date", "focus_article", "visibility"]
        elif obj is not None and obj.status != Issue.Status.DRAFT:
            # Submitted/signed off: what the head sees is frozen; change it on the desk (which
            # sends the issue back to draft) rather than behind the sign-off's back.
            fields += ["publication", "year", "month", "title", "focus_article"]
        return list(dict.fromkeys(fields))

    def get_inlines(self, request, obj):
        if obj is not None and obj.status != Issue.Status.DRAFT:
            return [ErratumInline, IssueEventInline]
        return self.inlines

    def save_model(self, request, obj, form, change):
        if not change:
            # A new issue follows its publication's frequency, as one made on the desk does,
            # and takes its deadlines from the publication's rule.
            obj.frequency = obj.publication.frequency
            if periods.is_periodic(obj.frequency):
                obj.month, obj.title = periods.period_start(obj.frequency, obj.month), ""
            for due, date in obj.publication.schedule_for(obj.year, obj.month).items():
                setattr(obj, due, date)
        super().save_model(request, obj, form, change)
        # Every change after the issue was submitted goes into 本期记录, the admin's too.
        if change and form.changed_data and has_been_submitted(obj):
            labels = "、".join(str(form.fields[name].label) for name in form.changed_data)
            record_event(obj, IssueEvent.Action.CHANGED, request.user, f"在后台修改了{labels}")

    def _deletable(self, issue) -> bool:
        """Only a draft that never left the editors goes, with its own history: numbers once
        given are never freed, and a submission or sign-off is the record (common.history)."""
        return (
            issue.serial_number is None
            and not issue.sign_offs.exists()
            and not issue.events.exclude(action__in=[IssueEvent.Action.CREATED, IssueEvent.Action.DEADLINES]).exists()
        )

    def _kept_message(self, issue) -> str:
        return f"{issue}已提交签发或已发布，有期刊记录，不能删除。"

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is IssueArticle and change and formset.has_changed() \
                and has_been_submitted(form.instance):
            record_event(form.instance, IssueEvent.Action.CHANGED, request.user, "在后台修改了本期稿件编排")

    @admin.action(description="发布所选期刊（须已签发）")
    def publish_selected(self, request, queryset):
        _run_each(self, request, queryset, publish_issue, "已发布")


@admin.register(Erratum)
class ErratumAdmin(admin.ModelAdmin):
    list_display = ["issue", "created_by", "approved_by", "published_at"]
    readonly_fields = ["issue", "text", "created_by", "approved_by", "published_at"]
    actions = ["approve_selected"]

    def has_add_permission(self, request):
        return False  # proposed on the desk, on the published issue's page

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.published_at is None

    @admin.action(description="批准并发布所选勘误")
    def approve_selected(self, request, queryset):
        _run_each(self, request, queryset, approve_erratum, "已发布勘误")


@admin.register(SearchTerm)
class SearchTermAdmin(admin.ModelAdmin):
    """The publication's own dictionary: names and places jieba must keep whole."""

    list_display = ["word", "publication", "freq", "updated_at"]
    list_filter = ["publication"]
    search_fields = ["word"]
    fields = ["publication", "word", "freq"]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    """Sign-offs are the head's record: made only by 签发 on the desk, never edited here."""

    list_display = ["issue", "signed_by", "signed_at", "voided_at"]
    readonly_fields = ["issue", "signed_by", "signed_at", "content_hash", "comment", "voided_at", "void_reason"]


@admin.register(IssueEvent)
class IssueEventAdmin(ReadOnlyAdmin):
    """本期记录: written by the services, only ever added to (common.history)."""

    list_display = ["created_at", "issue", "action", "actor_name"]
    list_filter = ["action"]
    list_select_related = ["issue__publication", "actor"]
    fields = ["issue", "created_at", "action", "actor_name", "comment"]
    readonly_fields = fields
    actor_name = person_column("actor", "操作人")


@admin.register(BackgroundJob)
class BackgroundJobAdmin(ReadOnlyAdmin):
    """后台任务: written by the worker (bulletin/jobs.py), read here; a failed one can be queued
    again (重试), which goes through the same service as the desk's button."""

    list_display = ["pk", "kind_label", "status", "progress", "requested_by", "created_at", "finished_at", "attempts"]
    list_filter = ["status", "kind"]
    list_select_related = ["requested_by"]
    fields = [
        "kind", "params", "status", "progress_done", "progress_total", "step", "failure", "result",
        "requested_by", "created_at", "queued_at", "started_at", "finished_at", "attempts",
        "lease_owner", "lease_until", "heartbeat_at", "task_id",
    ]
    readonly_fields = fields
    actions = ["retry"]

    @admin.display(description="类型", ordering="kind")
    def kind_label(self, obj):
        return jobs.kind_label(obj.kind)

    @admin.display(description="进度")
    def progress(self, obj):
        return f"{obj.progress_done}/{obj.progress_total}" if obj.progress_total else "—"

    @admin.action(description="重试所选的失败任务")
    def retry(self, request, queryset):
        for job in queryset:
            try:
                jobs.retry_job(job, by=request.user)
            except jobs.JobError as exc:
                self.message_user(request, f"{job.pk}：{exc}", messages.ERROR)
            else:
                self.message_user(request, f"已重新排队：{jobs.kind_label(job.kind)} #{job.pk}", messages.SUCCESS)
