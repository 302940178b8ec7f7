"""The shared core of Bulletin, split by concern (the tables keep their names).

    publications  Publication, Section, Visibility, StandardWording, PublicationFont: what an office
                  publishes and how
    issues        Issue, IssueArticle, Erratum, IssueEvent, SignOff: an issue and its history
    jobs          BackgroundJob: one piece of long work on the task queue (bulletin/jobs.py)
    search        ArticleIndex, SearchTerm (bulletin/search/models.py)

Dependency direction: these modules import Django, common/ and each other (issues → publications);
they refer to editorial's Article and Revision by string ("editorial.Article") and never import
services (bulletin.publishing, bulletin.pdf, …), which import them.
"""

from ..search.models import ArticleIndex, SearchTerm
from .issues import (
    BackIssueReplacement,
    Erratum,
    Issue,
    IssueArticle,
    IssueEvent,
    IssueQuerySet,
    SignOff,
    attach_return_events,
)
from .jobs import BackgroundJob
from .pages import PagesGeneration
from .publications import (
    DEADLINES,
    FOCUS_SECTION,
    Publication,
    PublicationFont,
    Section,
    StandardWording,
    Visibility,
)

__all__ = [
    "DEADLINES", "FOCUS_SECTION", "ArticleIndex", "BackgroundJob", "BackIssueReplacement", "Erratum", "Issue", "IssueArticle", "IssueEvent",
    "IssueQuerySet", "PagesGeneration", "Publication", "PublicationFont", "Section", "SearchTerm", "SignOff", "StandardWording", "Visibility",
    "attach_return_events",
]
