"""The one base class of refusals that a user reads.

A service that refuses an action raises a subclass of BulletinError; its `message` (Chinese) is
shown as is, and `problems` lists what is missing, one sentence each. The desk shows both with
desk.feedback.refused(); the admin and management commands print them.
"""


class BulletinError(Exception):
    default_message = "操作未能完成，请检查后重试。"

    def __init__(self, message: str | None = None, problems=()):
        self.message = message or self.default_message
        self.problems = list(problems)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    @property
    def lines(self) -> list[str]:
        """The message followed by each problem: what a page or a command prints."""
        return [self.message, *self.problems]
