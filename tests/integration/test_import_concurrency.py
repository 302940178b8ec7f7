"""Two imports of the same back issue at the same moment: one wins, the other is refused cleanly."""

import threading

import pytest
from django.db import connection

from bulletin.importing.parser import parse_text
from bulletin.importing.service import IssueImportError, import_parsed_issue
from bulletin.models import Issue
from editorial.models import Article
from tests.conftest import BACK_ISSUE_SERIES_START, start_series_at


@pytest.fixture
def publication(publication):
    """Bulletin's own series starts above the files' back issues (tests/conftest.py)."""
    return start_series_at(publication, BACK_ISSUE_SERIES_START)


ISSUE = """\
测试区大事月报

2021年6月
(总第 104 期)

测试区地方史志办公室

2021年6月15日

时政要点

区政府召开夏季防汛工作部署会

5月28日，区政府召开夏季防汛工作部署会，要求各街道做好人员转移预案。

民生视点

夜市规范经营试点启动

6月2日，区商务局在两处街区启动夜市规范经营试点。
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_the_same_issue(publication, editor):
    barrier = threading.Barrier(2)
    outcomes = []

    def worker():
        try:
            parsed = parse_text(ISSUE, known_sections=list(publication.sections.values_list("name", flat=True)))
            barrier.wait()
            issue = import_parsed_issue(parsed, publication=publication, by=editor)
            outcomes.append(("ok", issue.pk))
        except IssueImportError as exc:
            outcomes.append(("refused", str(exc)))
        except Exception as exc:  # anything else (IntegrityError, deadlock) is a failure
            outcomes.append(("error", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ok", "refused"], outcomes
    refused = next(text for kind, text in outcomes if kind == "refused")
    assert "总第104期）已存在" in refused
    assert Issue.objects.filter(serial_number=104).count() == 1
    assert Article.objects.filter(publication=publication).count() == 2
