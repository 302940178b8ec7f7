"""Forms of the editor desk. They validate input; the workflow decides what may happen."""

from django import forms
from django_ckeditor_5.widgets import CKEditor5Widget

from bulletin.models import Publication, Section
from common.numbers import parse_int
from editorial.models import Article


class ArticleForm(forms.Form):
    publication = forms.ModelChoiceField(
        label="刊物", queryset=Publication.objects.all(), empty_label=None, required=False
    )
    title = forms.CharField(label="标题", max_length=200)
    event_date = forms.DateField(
        label="事件日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="刊物中显示为“9月17日”。",
    )
    section = forms.ModelChoiceField(label="栏目", queryset=Section.objects.none(), empty_label="请选择栏目")
    body = forms.CharField(
        label="正文", required=False,
        widget=CKEditor5Widget(config_name="default", attrs={"class": "django_ckeditor_5"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, article: Article | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        publications = Publication.objects.all()
        if article is not None:
            sections = Section.objects.filter(publication=article.publication)
            del self.fields["publication"]
        else:
            sections = Section.objects.filter(publication__in=publications)
            if publications.count() <= 1:
                self.fields["publication"].widget = forms.HiddenInput()
                self.fields["publication"].initial = publications.first()
        self.fields["section"].queryset = sections.filter(active=True).select_related("publication")
        if article is not None and not article.section.active:
            # Keep an article's current (now inactive) section selectable.
            self.fields["section"].queryset = sections.filter(pk=article.section_id) | sections.filter(active=True)

    def clean(self):
        data = super().clean()
        if self.article is None:
            publication = data.get("publication") or Publication.objects.first()
            if publication is None:
                raise forms.ValidationError("还没有刊物，请管理员先在后台创建刊物。")
            data["publication"] = publication
            section = data.get("section")
            if section is not None and section.publication_id != publication.pk:
                self.add_error("section", "所选栏目不属于该刊物。")
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

    def __init__(self, *args, **kwargs):
        # Shown beside the article form, which has its own "section": ids must not collide.
        kwargs.setdefault("auto_id", "import-%s")
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = Section.objects.filter(active=True).select_related("publication")


class DashboardFilterForm(forms.Form):
    section = forms.ModelChoiceField(
        label="栏目", queryset=Section.objects.all(), required=False, empty_label="全部栏目"
    )
    month = forms.CharField(
        label="月份", required=False, widget=forms.DateInput(attrs={"type": "month"})
    )

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        publications = Publication.objects.all()
        if publications.count() == 1:
            self.fields["publication"].initial = publications.first()
            self.fields["publication"].widget = forms.HiddenInput()
        self.fields["file"].widget.attrs["accept"] = ".docx,.txt,text/plain"
