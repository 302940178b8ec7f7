"""Checks before submit: what each one is, how strictly a publication applies it, what it found.

A publication sets each check to 必须满足 (a failing check refuses the submit), 仅提醒 (the
editor is warned, the submit goes through) or 不检查. Article checks live in editorial.checks,
issue checks in bulletin.publishing.assembly; both return `Check` rows, which the desk shows as
a checklist (met / missing) and the services turn into refusals (`problems`) and `warnings`.
"""

from dataclasses import dataclass

from django.db import models


class CheckLevel(models.TextChoices):
    REQUIRED = "required", "必须满足"
    WARN = "warn", "仅提醒"
    OFF = "off", "不检查"


@dataclass(frozen=True)
class Check:
    key: str
    label: str  # what is checked, as the checklist names it: "已填写事件日期"
    level: str  # CheckLevel.REQUIRED or CheckLevel.WARN (checks set to OFF are not listed)
    met: bool
    details: tuple[str, ...] = ()  # what is missing, one sentence each (empty when met)

    @property
    def blocking(self) -> bool:
        return self.level == CheckLevel.REQUIRED and not self.met

    @property
    def state(self) -> str:
        """"met", "missing" (required, refuses the submit) or "warning" (optional, only warns)."""
        if self.met:
            return "met"
        return "missing" if self.level == CheckLevel.REQUIRED else "warning"

    @property
    def state_label(self) -> str:
        return {"met": "已满足", "missing": "缺少", "warning": "提醒"}[self.state]

    @property
    def level_label(self) -> str:
        return CheckLevel(self.level).label

    def as_dict(self) -> dict:
        """For script endpoints (the editor's autosave answers with the checklist)."""
        return {
            "key": self.key, "label": self.label, "level": self.level, "state": self.state,
            "state_label": self.state_label, "details": list(self.details),
        }


def check(key: str, label: str, level: str, missing) -> Check | None:
    """A Check from the sentences of what is missing (none: met); None if the check is off."""
    if level not in (CheckLevel.REQUIRED, CheckLevel.WARN):
        return None
    missing = tuple(missing)
    return Check(key=key, label=label, level=level, met=not missing, details=missing)


def problems(checks) -> list[str]:
    """What refuses the submit: the sentences of every failing required check."""
    return [detail for c in checks if c.blocking for detail in c.details]


def warnings(checks) -> list[str]:
    """What only warns: the sentences of every failing optional check."""
    return [detail for c in checks if c.state == "warning" for detail in c.details]
