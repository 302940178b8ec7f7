"""Forms of the editor desk. They validate input; the workflow decides what may happen."""

from django import forms
from django_ckeditor_5.widgets import CKEditor5Widget

from bulletin.models import Publication, Section
from common.numbers import parse_int
from editorial import membership
from editorial.models import TITLE_TOO_LONG, Article


class ArticleForm(forms.Form):
    """The article editor. A new article is written in one of the user's publications
    (editorial.membership); the section list shows that publication's sections only, and the
    page's script swaps them when another publication is chosen (`section_options`)."""

    publication = forms.ModelChoiceField(
        label="刊物", queryset=Publication.objects.none(), empty_label=None, required=False,
        error_messages={"invalid_choice": "您不能在所选刊物中新建稿件，请选择您所在的刊物。"},
    )
    title = forms.CharField(
        label="标题", max_length=Article._meta.get_field("title").max_length,
        error_messages={"max_length": TITLE_TOO_LONG},
    )
    event_date = forms.DateField(
        label="事件日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="刊物中显示为“9月17日”。",
    )
    section = forms.ModelChoiceField(
        label="栏目", queryset=Section.objects.none(), empty_label="请选择栏目",
        error_messages={"invalid_choice": "所选栏目不存在或已停用，请重新选择栏目。"},
    )
    body = forms.CharField(
        label="正文", required=False,
        widget=CKEditor5Widget(config_name="default", attrs={"class": "django_ckeditor_5"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, article: Article | None = None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.section_options = {}
        if article is not None:
            sections = Section.objects.filter(publication=article.publication)
            del self.fields["publication"]
            self.fields["section"].queryset = sections.filter(active=True).select_related("publication")
            if not article.section.active:
                # Keep an article's current (now inactive) section selectable.
                self.fields["section"].queryset = sections.filter(pk=article.section_id) | sections.filter(active=True)
            return
        self.publications = list(membership.publications_of(user))
        field = self.fields["publication"]
        field.queryset = membership.publications_of(user)
        field.initial = membership.last_choice(user, self.publications)
        if len(self.publications) <= 1:
            field.widget = forms.HiddenInput()
        sections = list(
            Section.objects.filter(publication__in=[p.pk for p in self.publications], active=True)
            .select_related("publication").order_by("publication__name", "position", "pk")
        )
        self.fields["section"].queryset = Section.objects.filter(pk__in=[s.pk for s in sections])
        for section in sections:
            self.section_options.setdefault(str(section.publication_id), []).append([section.pk, section.name])
        # Only the chosen publication's sections are offered (the posted one, else the initial).
        chosen = self.chosen_publication()
        shown = self.section_options.get(str(chosen.pk), []) if chosen else []
        self.fields["section"].widget.choices = [("", "请选择栏目"), *[(pk, name) for pk, name in shown]]

    def chosen_publication(self):
        """The publication the form is about: the one posted (if it is the user's), else the initial."""
        if self.article is not None:
            return self.article.publication
        if self.is_bound:
            posted = self.data.get(self.add_prefix("publication"))
            found = next((p for p in self.publications if str(p.pk) == str(posted)), None)
            if found is not None:
                return found
        return self.fields["publication"].initial

    def clean(self):
        data = super().clean()
        if self.article is None:
            if not self.publications:
                raise forms.ValidationError(
                    "您还不是任何刊物的成员，不能新建稿件。请联系管理员在后台“刊物 → 刊物成员”中添加您。"
                )
            if "publication" in self.errors:
                return data
            publication = data.get("publication") or self.fields["publication"].initial
            data["publication"] = publication
            section = data.get("section")
            if section is not None and section.publication_id != publication.pk:
                self.add_error(
                    "section", f"所选栏目“{section.name}”不属于《{publication.name}》，请重新选择栏目。"
                )
        return data


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[("submit", "提交审核"), ("approve", "审核通过"), ("return", "退回修改")])
    comment = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="评论", max_length=5000, widget=forms.Textarea(attrs={"rows": 3, "placeholder": "写下您的意见…"})
    )


class DocxImportForm(forms.Form):
    docx = forms.FileField(label="Word 文件（.docx）")
    section = forms.ModelChoiceField(label="栏目", queryset=Section.objects.none(), required=False, empty_label="请选择栏目")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        # Shown beside the article form, which has its own "section": ids must not collide.
        kwargs.setdefault("auto_id", "import-%s")
        super().__init__(*args, **kwargs)
        sections = Section.objects.filter(active=True).select_related("publication")
        if user is not None:
            ids = membership.publication_ids(user)
            sections = sections.filter(publication_id__in=ids)
            if len(ids) > 1:
                self.fields["section"].label_from_instance = lambda s: f"{s.publication.name} · {s.name}"
        self.fields["section"].queryset = sections


class DashboardFilterForm(forms.Form):
    section = forms.ModelChoiceField(
        label="栏目", queryset=Section.objects.all(), required=False, empty_label="全部栏目"
    )
    month = forms.CharField(
        label="月份", required=False, widget=forms.DateInput(attrs={"type": "month"})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            ids = membership.publication_ids(user)
            field = self.fields["section"]
            field.queryset = Section.objects.filter(publication_id__in=ids).select_related("publication")
            if len(ids) > 1:
                field.label_from_instance = lambda s: f"{s.publication.name} · {s.name}"

    def clean_month(self):
        value = self.cleaned_data.get("month") or ""
        if not value:
            return None
        year_text, _, month_text = value.partition("-")
        year = parse_int(year_text, low=1900, high=2200)
        month = parse_int(month_text, low=1, high=12)
        if year is None or month is None:
            raise forms.ValidationError("月份格式应为 2020-09。")
        return year, month



class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="往期文件",
        help_text="Word 文件（.docx）或纯文本文件（.txt，UTF-8 或 GBK 编码均可），最大 20 MB。",
        error_messages={"required": "请选择要导入的文件。", "empty": "上传的文件是空的。"},
    )
    publication = forms.ModelChoiceField(
        label="刊物", queryset=Publication.objects.all(), empty_label=None,
        error_messages={"invalid_choice": "请选择有效的刊物。"},
    )
    create_sections = forms.BooleanField(
        label="允许新增栏目", required=False,
        help_text="文件中出现刊物没有的栏目时新建该栏目；不勾选则拒绝导入。",
    )
    year_number = forms.IntegerField(
        label="年度期号（第N期）", required=False, min_value=1, max_value=999,
        help_text="文件刊头没有“第N期”时可在此填写；不填则该期只显示总期号。",
        error_messages={
            "invalid": "年度期号请填写数字。",
            "min_value": "年度期号应在 1 到 999 之间。",
            "max_value": "年度期号应在 1 到 999 之间。",
        },
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Back issues go into the user's own publications (editorial.membership).
        publications = membership.publications_of(user) if user is not None else Publication.objects.all()
        self.fields["publication"].queryset = publications
        if publications.count() == 1:
            self.fields["publication"].initial = publications.first()
            self.fields["publication"].widget = forms.HiddenInput()
        self.fields["file"].widget.attrs["accept"] = ".docx,.txt,text/plain"
