"""Publications and their sections: what an office publishes, and its defaults for each issue."""

import calendar
import datetime
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from common import periods
from common.checks import CheckLevel
from common.storage import FolderStorage


class Visibility(models.TextChoices):
    INTERNAL = "internal", "内部资料（仅限授权读者）"
    PUBLIC = "public", "公开"


# The month's deadlines, in order: (Issue field, Publication rule field, label).
DEADLINES = (
    ("draft_due", "draft_day", "截稿"),
    ("review_due", "review_day", "审核截止"),
    ("signoff_due", "signoff_day", "签发截止"),
    ("publish_due", "publish_day", "出版"),
)


def _day_field(label, default, help_text):
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(1), MaxValueValidator(31)], help_text=help_text
    )


# The address rule in one place: the help text and the error say the same thing.
SLUG_RULE = "只能包含英文字母、数字和连字符（-），如 zyq-dsyb"
validate_publication_slug = RegexValidator(r"^[-a-zA-Z0-9]+\Z", f"网址标识{SLUG_RULE}。", code="invalid")


class Publication(models.Model):
    name = models.CharField("刊物名称", max_length=100, unique=True)
    slug = models.SlugField(
        "网址标识", max_length=50, unique=True, validators=[validate_publication_slug],
        help_text=f"刊物在网址中的名字，{SLUG_RULE}。",
    )
    description = models.TextField("简介", blank=True)
    sponsor = models.CharField("主办", max_length=100, blank=True)
    publisher = models.CharField("编辑出版", max_length=100, blank=True)
    phone = models.CharField("电话", max_length=50, blank=True)
    email = models.EmailField("邮箱", blank=True)
    distribution_scope = models.TextField("发放范围", blank=True)
    confidentiality_notice = models.CharField(
        "保密提示", max_length=100, blank=True, default="内部资料 注意保存"
    )
    # 内部资料 compliance (《内部资料性出版物管理规定》 art. 14): with 发放范围 (the rules' 发送对象)
    # and 编辑出版 (编印单位) above, an internal issue prints these and is not signed off without them.
    permit_number = models.CharField(
        "准印证号", max_length=50, blank=True, help_text="内部资料性出版物准印证编号，如 豫内资准字（2020）第0123号。"
    )
    free_notice = models.CharField(
        "内部资料声明", max_length=50, blank=True, default="内部资料，免费交流",
        help_text="印在版记上的声明，通常为“内部资料，免费交流”。",
    )
    printer = models.CharField("印刷单位", max_length=100, blank=True)
    print_run = models.PositiveIntegerField("印数（份）", null=True, blank=True)
    default_visibility = models.CharField(
        "默认可见范围", max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    frequency = models.CharField(
        "出版周期", max_length=10, choices=periods.FREQUENCY_CHOICES, default=periods.MONTHLY,
        help_text=(
            "月刊每月一期，双月刊每两个月一期（1–2月、3–4月……），季刊每季度一期；"
            "不定期的刊物（专刊、增刊）随时出版，同一个月可以有几期，每期有自己的名称。"
            "第N期按年计数，总第N期连续计数。修改后只影响以后新建的期，已有的期不变。"
        ),
    )
    first_serial_number = models.PositiveIntegerField(
        "起始总期号",
        default=1,
        help_text="第一次在本系统发布的期的总期号（如 98）。导入的往期须早于它。在本系统发布第一期后不可更改。",
    )
    last_serial_number = models.PositiveIntegerField(
        "已发布的最大总期号", null=True, blank=True, editable=False,
        help_text="本刊在本系统发布的最大总期号，发布时自动更新，不能手工修改；导入往期不改变它。",
    )
    head_may_work_alone = models.BooleanField(
        "允许主任独自编排、签发和发布",
        default=False,
        help_text=(
            "关闭时（默认）每期须经两人之手：签发人不能是提交签发的人（提交签发即确认本期编排完毕）。"
            "编辑部只有主任一人时可开启；开启后主任独自签发的期会在期刊记录中注明。"
            "勘误和替换往期不受此设置影响，始终须由另一人批准。"
        ),
    )
    # The schedule rule: each issue's deadlines are these days of the issue's own month (a day
    # past the month's end is its last day). An issue's dates can then be changed on the desk.
    draft_day = _day_field("截稿日", 5, "每月几日截稿：稿件须在这一天前提交审核。")
    review_day = _day_field("审核截止日", 8, "每月几日前审核完毕。")
    signoff_day = _day_field("签发截止日", 12, "每月几日前主任签发（编辑须在此前提交签发）。")
    publish_day = _day_field("出版日", 15, "每月几日出版（发布）。")
    reminder_days = models.PositiveSmallIntegerField(
        "提前提醒天数", default=2, validators=[MaxValueValidator(31)],
        help_text="截止日期前几天提醒仍有工作未完成的人（0 表示截止当天提醒）。每个截止日期只提醒一次。",
    )

    # Checks before submit (提交前检查): read by editorial.checks (by attribute: editorial never
    # imports bulletin) and bulletin.publishing.assembly. 必须满足 refuses the submit; 仅提醒 warns.
    check_event_date = models.CharField(
        "稿件须填写事件日期", max_length=10, choices=CheckLevel.choices, default=CheckLevel.REQUIRED
    )
    check_title_length = models.CharField(
        "标题长度", max_length=10, choices=CheckLevel.choices, default=CheckLevel.WARN
    )
    title_max_chars = models.PositiveSmallIntegerField(
        "标题最多字数", default=40, help_text="标题（含标点）超过这个字数时提示或拒绝提交。"
    )
    check_body_length = models.CharField(
        "正文最少字数", max_length=10, choices=CheckLevel.choices, default=CheckLevel.WARN
    )
    body_min_chars = models.PositiveSmallIntegerField(
        "正文最少字数（字）", default=30, help_text="按“字数”统计（汉字每字计一，标点不计）。"
    )
    check_image_alt = models.CharField(
        "每张图片须有说明文字", max_length=10, choices=CheckLevel.choices, default=CheckLevel.WARN,
        help_text="图片的替代文本，供读屏软件朗读、图片无法显示时代替图片。",
    )
    check_required_sections = models.CharField(
        "必备栏目不能为空", max_length=10, choices=CheckLevel.choices, default=CheckLevel.REQUIRED,
        help_text="哪些栏目是必备栏目，在栏目设置中勾选“每期必须有稿件”。",
    )
    check_focus = models.CharField(
        "须指定本期焦点", max_length=10, choices=CheckLevel.choices, default=CheckLevel.REQUIRED
    )
    check_in_review = models.CharField(
        "没有仍在审核中的稿件", max_length=10, choices=CheckLevel.choices, default=CheckLevel.WARN,
        help_text="提交签发时，本刊还有待审稿件（尚未审核完、因而未能编入本期）时提示或拒绝。",
    )

    class Meta:
        verbose_name = "刊物"
        verbose_name_plural = "刊物"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("reader:archive", args=[self.slug])

    def next_serial_number(self) -> int:
        """The 总期号 the next published issue receives (read under a row lock when publishing)."""
        if self.last_serial_number is None:
            return self.first_serial_number
        return max(self.last_serial_number + 1, self.first_serial_number)

    def schedule_for(self, year: int, month: int, frequency: str | None = None) -> dict:
        """The deadlines the rule gives an issue of `year`/`month`: {Issue field: date}. An issue
        covering several months (双月刊, 季刊) takes its dates in the period's last month."""
        month = periods.period_months(frequency or self.frequency, month)[1]
        last = calendar.monthrange(year, month)[1]
        return {
            due: datetime.date(year, month, min(getattr(self, day), last)) for due, day, _label in DEADLINES
        }

    def clean(self):
        days = [getattr(self, day) for _due, day, _label in DEADLINES]
        if all(isinstance(d, int) for d in days) and days != sorted(days):
            raise ValidationError("截止日期的顺序应为：截稿日 ≤ 审核截止日 ≤ 签发截止日 ≤ 出版日。")
        if self.pk:
            old = Publication.objects.filter(pk=self.pk).values_list("first_serial_number", flat=True).first()
            if old is not None and old != self.first_serial_number:
                if self.has_published_own_issue():
                    raise ValidationError({"first_serial_number": "已有期刊发布，起始总期号不能再修改。"})
                # Back issues lie below Bulletin's series (see publishing.back_issue_number_refusal).
                highest = self.issues.filter(imported=True).aggregate(m=models.Max("serial_number"))["m"]
                if highest is not None and isinstance(self.first_serial_number, int) \
                        and self.first_serial_number <= highest:
                    raise ValidationError({"first_serial_number": (
                        f"起始总期号须大于已导入的往期的总期号（已导入到总第{highest}期）。"
                    )})

    def has_published_own_issue(self) -> bool:
        """Bulletin has numbered an issue of this publication (imported back issues do not count)."""
        return self.issues.filter(serial_number__isnull=False, imported=False).exists()


# The section whose first article is the issue's focus (本期焦点): the cover, the reader's issue
# page and the TOC name that article. One idea: the focus is where it prints (bulletin.publishing
# keeps Issue.focus_article equal to the first article of this section).
FOCUS_SECTION = "本期焦点"


class Section(models.Model):
    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="sections", verbose_name="刊物"
    )
    name = models.CharField("栏目名称", max_length=50)
    position = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("启用", default=True)
    required = models.BooleanField("每期必须有稿件", default=False)

    class Meta:
        verbose_name = "栏目"
        verbose_name_plural = "栏目"
        ordering = ["publication", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "name"], name="unique_section_name_per_publication"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_focus(self) -> bool:
        return self.name == FOCUS_SECTION


class StandardWording(models.Model):
    """One entry of a publication's list of standard wordings (规范表述): an outdated or wrong form
    and the right one. The proofreading aid (editorial.proofreading) flags the wrong form in an
    article and offers the right one as a one-click fix."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="wordings", verbose_name="刊物"
    )
    wrong = models.CharField("不规范或过时的写法", max_length=100)
    right = models.CharField("规范表述", max_length=100)
    note = models.CharField("说明", max_length=200, blank=True, help_text="校对时随提示显示，如“机构已更名”。")

    class Meta:
        verbose_name = "规范表述"
        verbose_name_plural = "规范表述"
        ordering = ["publication", "wrong", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "wrong"], name="unique_wording_per_publication"),
        ]

    def __str__(self):
        return f"{self.wrong} → {self.right}"

    def clean(self):
        wrong, right = (self.wrong or "").strip(), (self.right or "").strip()
        self.wrong, self.right = wrong, right
        if wrong and wrong == right:
            raise ValidationError({"right": "规范表述与不规范的写法相同。"})


@deconstructible
class PrivateStorage(FolderStorage):
    """Files kept in the folder <folder>/ of the private storage (common.storage: PRIVATE_ROOT on
    disk, or the bucket's private/ prefix), like the stored PDFs (bulletin.pdf.store): no URL."""

    def __init__(self, folder: str):
        super().__init__(folder, "private")


font_storage = PrivateStorage("fonts")


def font_upload_to(font, filename):
    """"3/title-1f2e3d4c5b6a.otf": the checked file's own extension (bulletin.pdf.fonts)."""
    suffix = Path(filename).suffix.lower()
    return f"{font.publication_id}/{font.role}-{uuid.uuid4().hex[:12]}{suffix}"


class PublicationFont(models.Model):
    """A font the office holds a licence for, set in the issue PDF in place of Noto CJK for one
    role (bulletin.pdf.fonts checks the file and puts it in the render). Never served."""

    class Role(models.TextChoices):
        TITLE = "title", "标题（报头、文章标题，如方正小标宋）"
        BODY = "body", "正文（如仿宋_GB2312）"
        HEADING = "heading", "黑体（栏目名称、小标题、目录栏目）"

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="fonts", verbose_name="刊物"
    )
    role = models.CharField("用途", max_length=10, choices=Role.choices)
    file = models.FileField(
        "字体文件", storage=font_storage, upload_to=font_upload_to, max_length=200,
        help_text="TTF、OTF 或 TTC 字体文件，最大 30 MB，须含常用汉字。",
    )
    family_name = models.CharField("字体名称", max_length=200, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="+", verbose_name="上传人",
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "排版字体"
        verbose_name_plural = "排版字体"
        ordering = ["publication", "role"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "role"], name="one_font_per_role_per_publication"),
        ]

    def __str__(self):
        return f"{self.get_role_display().split('（')[0]}：{self.family_name}"
