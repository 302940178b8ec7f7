"""Chronicle (大事记) exports as background jobs whose result is a stored file.

A reader's export link (PDF or Word) names a publication, a date range and a format; who asks
decides the *visibility scope* (``public``, or ``internal`` for whoever may read internal issues,
bulletin.chronicle.scope_of). Building the chronicle is a few queries; laying it out is the long
part, so it is done once by the worker (job kind ``chronicle_export``) and kept in the private
storage under a name that holds everything that decides the file:

    exports/chronicle/<publication id>/<start>_<end>/<scope>-<format>-<content version>.<format>

The content version (bulletin.chronicle.content_version) is a hash of what the export shows, so
the same export is made once and served to every request for it until the chronicle changes
(an issue published, withdrawn, replaced or made public; an article's pinned text); then the next
request makes a new file, and writing it removes the older versions of the same export. The job
records the scope in its parameters; every download checks again that the reader may read that
scope (an internal export is never handed to an anonymous reader, whoever knows its job number).

Links inside the exports are absolute on BULLETIN_SITE_URL (one file serves every reader, so the
address of the request that happened to start it cannot be used).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from common.storage import private_storage, walk, write_atomically

from . import chronicle as chron
from .access import can_read_internal
from .jobs import JobError, start_job
from .models import BackgroundJob, Publication

logger = logging.getLogger(__name__)

KIND = "chronicle_export"
FOLDER = "exports/chronicle"


def base_url() -> str:
    return settings.BULLETIN_SITE_URL.rstrip("/") + "/"


def storage_name(params: dict) -> str:
    fmt = params["format"]
    return (
        f"{FOLDER}/{int(params['publication'])}/{params['start']}_{params['end']}/"
        f"{params['scope']}-{fmt}-{params['version']}.{fmt}"
    )


def export_params(chronicle: chron.Chronicle, fmt: str) -> dict:
    """The job's parameters: what identifies one export (the dedupe key of bulletin.jobs)."""
    if fmt not in chron.FORMATS:
        raise ValueError(fmt)
    return {
        "publication": chronicle.publication.pk,
        "start": chronicle.start.isoformat(),
        "end": chronicle.end.isoformat(),
        "format": fmt,
        "scope": chronicle.scope,
        "version": chron.content_version(chronicle, fmt, base_url()),
    }


def may_read(user, params: dict) -> bool:
    """May ``user`` have the export these parameters describe (checked on every download)?"""
    return params.get("scope") == chron.PUBLIC or can_read_internal(user)


def download_filename(params: dict, title: str | None = None) -> str:
    return f"{title or '大事记'}.{params['format']}".replace(" ", "_")


@dataclass
class ExportState:
    params: dict
    name: str | None = None  # the stored file, when it is ready
    job: BackgroundJob | None = None  # the job making it, otherwise


def request_export(chronicle: chron.Chronicle, fmt: str) -> ExportState:
    """The stored export of ``chronicle`` if it is made, else the job making it (started now, or
    the one already queued or running for the same export)."""
    params = export_params(chronicle, fmt)
    name = storage_name(params)
    if private_storage().exists(name):
        return ExportState(params, name=name)
    # Started by the system on the reader's behalf: readers, even anonymous, may ask for exports.
    return ExportState(params, job=start_job(KIND, params, by=None, publication=chronicle.publication))


def stored_file(job: BackgroundJob) -> str | None:
    """The file a finished export job made, if it is still stored (a newer version of the
    chronicle removes it)."""
    if job.kind != KIND or job.status != BackgroundJob.Status.DONE:
        return None
    name = (job.result or {}).get("storage_name")
    if not name or not name.startswith(FOLDER + "/"):
        return None
    return name if private_storage().exists(name) else None


def make_export(job: BackgroundJob, progress) -> dict:
    """The job's handler: build the chronicle for the recorded scope, lay it out, store it."""
    params = job.params
    publication = Publication.objects.filter(pk=params.get("publication")).first()
    if publication is None:
        raise JobError("该刊物已不存在，无法导出大事记。")
    fmt = params.get("format")
    if fmt not in chron.FORMATS or params.get("scope") not in chron.SCOPES:
        raise JobError("导出参数无效。")
    progress(0, None, "正在汇总大事记条目")
    start = datetime.date.fromisoformat(params["start"])
    end = datetime.date.fromisoformat(params["end"])
    chronicle = chron.chronicle_for(publication, start, end, params["scope"])
    # The chronicle may have changed since the reader asked: the file is named by what it shows.
    current = {**params, "version": chron.content_version(chronicle, fmt, base_url())}
    name = storage_name(current)
    storage = private_storage()
    if not storage.exists(name):  # a run after a lost worker, or another job, may have made it
        data = chron.export(chronicle, fmt, base_url(), progress)
        progress(None, None, "正在保存文件")
        write_atomically(storage, name, data)
    remove_old_versions(current)
    return {
        "storage_name": name,
        "filename": download_filename(current, chronicle.title),
        "title": chronicle.title,
        "entries": len(chronicle.entries),
        "size": storage.size(name),
    }


def remove_old_versions(params: dict) -> list[str]:
    """Delete the stored files of the same export (publication, range, scope, format) made from
    an older content of the chronicle. Returns their names."""
    keep = storage_name(params)
    folder, _, _ = keep.rpartition("/")
    prefix = f"{folder}/{params['scope']}-{params['format']}-"
    storage = private_storage()
    removed = []
    for name in list(walk(storage, folder)):
        if name.startswith(prefix) and name != keep:
            try:
                storage.delete(name)
                removed.append(name)
            except OSError:  # another worker removed it first
                logger.warning("Could not remove the old chronicle export %s", name)
    return removed


def _url(view: str, publication: Publication, params: dict) -> str:
    start = datetime.date.fromisoformat(params["start"])
    return reverse(view, args=[publication.slug, start.year]) + f"?start={params['start']}&end={params['end']}"


def export_url(publication: Publication, params: dict) -> str:
    """The reader's export link for these parameters (starts a fresh export when needed)."""
    return _url("reader:chronicle_pdf" if params["format"] == chron.PDF else "reader:chronicle_docx",
                publication, params)


def page_url(publication: Publication, params: dict) -> str:
    """The chronicle's web page for the same range."""
    return _url("reader:chronicle", publication, params)


def export_title(publication: Publication, params: dict) -> str:
    start = datetime.date.fromisoformat(params["start"])
    end = datetime.date.fromisoformat(params["end"])
    return chron.Chronicle(publication, start, end, [], [], False).title


def job_link(job: BackgroundJob) -> tuple[str, str] | None:
    """For the desk's job page: where a finished export is downloaded."""
    if stored_file(job) is None:
        return None
    publication = Publication.objects.get(pk=job.params["publication"])
    return "下载导出的大事记", reverse("reader:chronicle_export_download", args=[publication.slug, job.pk])
