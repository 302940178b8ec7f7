from django.apps import AppConfig


class BulletinConfig(AppConfig):
    name = "bulletin"
    verbose_name = "刊物与发布"

    def ready(self):
        from . import signals

        signals.connect()
        from . import search_signals  # noqa: F401  (connects the search index signals)
