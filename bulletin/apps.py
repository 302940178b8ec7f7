from django.apps import AppConfig


class BulletinConfig(AppConfig):
    name = "bulletin"
    verbose_name = "刊物与发布"

    def ready(self):
        # Signal receivers connect when their modules load; Django calls ready() once the models
        # of every app exist, which these modules need.
        from . import signals  # noqa: F401  (receivers connect by @receiver)
        from .auth_labels import install
        from .search import signals as search_signals  # noqa: F401

        install()  # 王小明, 编辑, 可以增加用户: see bulletin/auth_labels.py
