"""The public pages' generation (bulletin.public_pages): one row whose token changes whenever
published content does. In the database so that every node and worker sees a change at once."""

from django.db import models


class PagesGeneration(models.Model):
    token = models.CharField("页面版本", max_length=32)

    class Meta:
        verbose_name = verbose_name_plural = "公开页面版本"

    def __str__(self):
        return self.token
