"""History is append-only: sign-offs (签发), issue events (本期记录), article transitions and
revisions are only ever added to.

The database enforces it on PostgreSQL with django-pgtrigger Protect triggers declared on each
model (``APPEND_ONLY`` below: UPDATE and DELETE raise). SQLite has no such triggers (pgtrigger is
PostgreSQL-only): there the code and the read-only admin (common.history_admin) are the guard.

Two exceptions, each narrow:
- a sign-off is voided by setting ``voided_at`` and ``void_reason`` once, on a row not voided
  yet; the SignOff trigger's condition allows exactly that column change and nothing else;
- deleting a draft that never left the editors (an issue never submitted, an article never
  submitted) takes its own history with it, inside ``deleting_history()``: the admin's delete
  of such a draft is the one caller.
"""

from contextlib import contextmanager

import pgtrigger

UPDATE = "append_only_update"
DELETE = "append_only_delete"


def append_only(*, update_condition=None) -> list:
    """Meta.triggers for a history model: refuse UPDATE (unless ``update_condition`` says
    which change is allowed: the trigger fires when the condition holds) and DELETE."""
    update = pgtrigger.Protect(name=UPDATE, operation=pgtrigger.Update)
    if update_condition is not None:
        update = pgtrigger.Protect(name=UPDATE, operation=pgtrigger.Update, condition=update_condition)
    return [update, pgtrigger.Protect(name=DELETE, operation=pgtrigger.Delete)]


# The history models (app_label.Model) whose DELETE trigger a sanctioned draft deletion lifts.
HISTORY_MODELS = ("bulletin.IssueEvent", "bulletin.SignOff", "editorial.ArticleTransition", "editorial.Revision")


@contextmanager
def deleting_history():
    """Let the DELETE of history rows through (PostgreSQL; a no-op on SQLite) for a draft being
    deleted with its history. Callers check first that the draft may go."""
    with pgtrigger.ignore(*(f"{model}:{DELETE}" for model in HISTORY_MODELS)):
        yield
