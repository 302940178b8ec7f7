"""Publications and their sections: what an office publishes, and its defaults for each issue."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse


class Visibility(models.TextChoices):
    INTERNAL = "internal", "内部资料（仅限授权读者）"
    PUBLIC = "public", "公开"


class Publication(models.Model):
    name = models.CharField("刊物名称", max_length=100, unique=True)
    slug = models.SlugField(
        "网址标识", max_length=50, unique=True, help_text="用于网址，如 zyq-dsyb。只能包含字母、数字和连字符。"
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
    default_visibility = models.CharField(
        "默认可见范围", max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    first_serial_number = models.PositiveIntegerField(
        "起始总期号",
        default=1,
        help_text="第一次在本系统发布的期的总期号（如 97）。有期刊发布后不可更改。",
    )
    last_serial_number = models.PositiveIntegerField(
        "已发布的最大总期号", null=True, blank=True, editable=False,
        help_text="编号计数器，发布时在事务中加锁递增。",
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

    def clean(self):
        if self.pk:
            old = Publication.objects.filter(pk=self.pk).values_list("first_serial_number", flat=True).first()
            if (
                old is not None
                and old != self.first_serial_number
                and self.issues.filter(serial_number__isnull=False).exists()
            ):
                raise ValidationError({"first_serial_number": "已有期刊发布，起始总期号不能再修改。"})


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
