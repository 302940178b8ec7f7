from django.apps import AppConfig


class OfficeConfig(AppConfig):
    name = "office"
    label = "office"
    verbose_name = "编辑部事务"
