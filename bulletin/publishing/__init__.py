"""The issue lifecycle, in one place: assembly, sign-off (签发), publishing, withdrawal, errata.

    draft ──submit──▶ submitted ──sign off──▶ signed_off ──publish──▶ published ──withdraw──▶ withdrawn
      ▲                  │ return                │ any change (voids the sign-off)
      └──────────────────┴───────────────────────┘

Views, the admin and management commands call these functions; each checks the actor's role
(common.roles) itself, changes the issue inside one transaction holding its row lock
(base.changing_issue), and writes an IssueEvent. A refusal is an IssueError (a BulletinError)
whose message (Chinese) is shown to the user as is.

    base       errors, the role check, `changing_issue` (transaction + row lock), voiding
    assembly   create, place, order, focus, visibility; the checks before submitting
    signoff    the fingerprint, submit, return, sign off, the safety net
    changes    what the head saw (snapshots) and what changed since: the signer's diff
    publish    numbering, freezing, back issues
    errata     withdrawal and errata
    deadlines  an issue's dates (截稿, 审核, 签发, 出版), changed per issue
    schedule   定时发布: the head names a time after 签发, the worker publishes then (exactly once)
"""

from .assembly import (
    add_article,
    addable_articles,
    assembly_problems,
    assembly_warnings,
    change_section,
    create_issue,
    effective_section_order,
    issue_checks,
    move_article,
    move_section,
    remove_article,
    reorder_section,
    reorder_sections,
    set_focus,
    set_visibility,
    sign_off_problems,
)
from .base import IssueError, PublishError, void_sign_off
from .changes import IssueChanges, changes_since_last_seen, issue_snapshot, last_seen
from .deadlines import set_deadlines
from .errata import approve_erratum, erratum_refusal, propose_erratum, withdraw_issue
from .publish import (
    Numbers,
    back_issue_number_refusal,
    next_numbers,
    next_serial_number,
    publish_back_issue,
    publish_issue,
)
from .schedule import (
    publish_due_issues,
    publish_scheduled,
    schedule_publishing,
    unschedule_publishing,
)
from .signoff import (
    assert_signed_off,
    check_sign_off,
    issue_fingerprint,
    return_issue,
    sign_off,
    sign_off_refusal,
    submit_for_sign_off,
    valid_sign_off,
)

__all__ = [
    "IssueChanges", "changes_since_last_seen", "issue_snapshot", "last_seen", "sign_off_problems",
    "IssueError", "Numbers", "PublishError", "add_article", "addable_articles", "approve_erratum", "back_issue_number_refusal", "next_serial_number",
    "assembly_problems", "assembly_warnings", "assert_signed_off", "change_section", "check_sign_off",
    "create_issue", "effective_section_order", "erratum_refusal",
    "issue_checks", "issue_fingerprint",
    "move_article", "move_section", "next_numbers", "propose_erratum", "publish_back_issue",
    "publish_issue", "remove_article", "reorder_section", "reorder_sections", "return_issue", "set_focus",
    "set_deadlines", "set_visibility", "sign_off", "sign_off_refusal", "submit_for_sign_off", "valid_sign_off",
    "void_sign_off",
    "withdraw_issue", "schedule_publishing", "unschedule_publishing", "publish_scheduled", "publish_due_issues",
]
