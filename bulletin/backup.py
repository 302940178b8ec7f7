"""Backup and restore of a whole installation: the database and every stored file, in one archive.

An archive is a gzip'd tar holding

    database.dump      PostgreSQL: `pg_dump --format=custom` (restored with `pg_restore`)
    database.sqlite3   SQLite: a consistent copy made with SQLite's online backup API
    files/media/…      the media storage (uploaded images and their renditions)
    files/private/…    the private storage (rendered PDFs, staged imports, fonts)
    manifest.json      format, engine, time, and the SHA-256 and size of every other member

`restore_archive` checks the whole manifest before it touches anything, refuses an archive made
on the other database engine, and refuses to overwrite an installation that holds data unless
`force` is given; after restoring it checks the files written against the manifest again.
Messages are for the office's administrator, so they are in Chinese.

The files are read and written through the storages (common.storage): folders on disk by default
(MEDIA_ROOT, PRIVATE_ROOT), or the bucket's media/ and private/ prefixes on object storage, so an
archive made on one restores onto the other.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection
from django.utils import timezone

from common.errors import BulletinError
from common.storage import local_path, walk

FORMAT = "bulletin-backup/1"
MANIFEST = "manifest.json"
_FILE_STORES = {"media": "default", "private": "private"}  # archive folder: STORAGES alias
# The tables whose rows mean "this installation is in use" (a fresh `migrate` leaves them empty;
# the role groups it creates do not count).
_DATA_TABLES = ("auth_user", "bulletin_publication", "bulletin_issue", "editorial_article")
_CHUNK = 1 << 20


class BackupError(BulletinError):
    """A backup or restore that cannot go ahead; `message` says why, in Chinese."""


@dataclass(frozen=True)
class Summary:
    archive: Path
    engine: str
    files: int
    bytes: int


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"不支持备份这种数据库：{vendor}。")
    return vendor


def _file_roots() -> dict[str, Path]:
    """The folders of the storages kept on this disk."""
    roots = {}
    for name, alias in _FILE_STORES.items():
        root = local_path(storages[alias], "")
        if root is not None:
            roots[name] = root
    return roots


def _remote_stores() -> dict:
    """The storages kept elsewhere (object storage), read and written through the storage API."""
    return {name: storages[alias] for name, alias in _FILE_STORES.items() if name not in _file_roots()}


def _sha256(fileobj) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := fileobj.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                     ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _run(args: list[str], what: str) -> None:
    try:
        done = subprocess.run(args, env=_pg_env(), capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"找不到 {args[0]}：请安装 PostgreSQL 客户端程序后再{what}。") from None
    if done.returncode != 0:
        raise BackupError(f"{what}失败（{args[0]}）：{done.stderr.strip()[-500:]}")


def _dump_database(engine: str, workdir: Path) -> Path:
    if engine == "postgresql":
        target = workdir / "database.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={target}"], "备份数据库")
        return target
    target = workdir / "database.sqlite3"
    connection.ensure_connection()
    # The online backup API copies a consistent snapshot even while the site writes.
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
    copy.close()
    return target


def has_data() -> list[str]:
    """What the current installation already holds: database rows and stored files."""
    found = []
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in _DATA_TABLES:
            if table in tables:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
                if count := cursor.fetchone()[0]:
                    found.append(f"数据表 {table} 有 {count} 行")
    for name, root in _file_roots().items():
        if root.is_dir() and any(p.is_file() for p in root.rglob("*")):
            found.append(f"{name} 目录（{root}）里已有文件")
    for name, storage in _remote_stores().items():
        if next(walk(storage), None) is not None:
            found.append(f"对象存储的 {name} 部分里已有文件")
    return found


def create_backup(target: Path, *, force: bool = False) -> Summary:
    """Write the archive; refuses to overwrite an existing file unless `force`."""
    target = Path(target)
    if target.exists() and not force:
        raise BackupError(f"文件 {target} 已存在；要覆盖它，请加 --force。")
    engine = _engine()
    entries: dict[str, dict] = {}
    total = 0
    with tempfile.TemporaryDirectory(prefix="bulletin-backup-") as tmp:
        dump = _dump_database(engine, Path(tmp))
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            members = [(dump.name, dump)]
            for name, root in _file_roots().items():
                if root.is_dir():
                    members += [
                        (f"files/{name}/{path.relative_to(root).as_posix()}", path)
                        for path in sorted(root.rglob("*"))
                        if path.is_file() and not path.is_symlink()
                    ]
            for name, storage in _remote_stores().items():
                for stored in walk(storage):
                    copy = Path(tmp) / "files" / name / stored
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    with storage.open(stored, "rb") as src, open(copy, "wb") as out:
                        shutil.copyfileobj(src, out, _CHUNK)
                    members.append((f"files/{name}/{stored}", copy))
            for arcname, path in members:
                with open(path, "rb") as fh:
                    digest, size = _sha256(fh)
                archive.add(path, arcname=arcname, recursive=False)
                entries[arcname] = {"sha256": digest, "size": size}
                total += size
            manifest = json.dumps(
                {
                    "format": FORMAT,
                    "engine": engine,
                    "created_at": _now_iso(),
                    "files": entries,
                },
                ensure_ascii=False,
                indent=1,
            ).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(manifest)
            archive.addfile(info, io.BytesIO(manifest))
        # The archive appears under its name only once it is complete.
        os.replace(partial, target)
    return Summary(target, engine, sum(1 for a in entries if a.startswith("files/")), total)


def _now_iso() -> str:
    return timezone.now().isoformat(timespec="seconds")


def _safe(arcname: str) -> bool:
    path = PurePosixPath(arcname)
    return not path.is_absolute() and ".." not in path.parts


def read_manifest(archive_path: Path) -> dict:
    """The archive's manifest, after checking that every member matches it."""
    try:
        archive = tarfile.open(archive_path, "r:gz")
    except (OSError, tarfile.TarError):
        raise BackupError(f"{archive_path} 不是 Bulletin 的备份文件（无法作为 tar.gz 打开）。") from None
    with archive:
        try:
            manifest = json.load(archive.extractfile(MANIFEST))
        except (KeyError, ValueError, TypeError):
            raise BackupError("备份文件里没有可读的清单（manifest.json）。") from None
        if manifest.get("format") != FORMAT:
            raise BackupError(f"备份格式 {manifest.get('format')!r} 无法识别。")
        expected = manifest.get("files", {})
        seen = set()
        for member in archive:
            if member.name == MANIFEST:
                continue
            if not member.isfile() or not _safe(member.name):
                raise BackupError(f"备份文件里有不允许的条目：{member.name}")
            entry = expected.get(member.name)
            if entry is None:
                raise BackupError(f"备份文件里有清单未列出的条目：{member.name}")
            digest, size = _sha256(archive.extractfile(member))
            if digest != entry["sha256"] or size != entry["size"]:
                raise BackupError(f"校验和不符：{member.name}（备份文件已损坏或被改动）。")
            seen.add(member.name)
        if missing := sorted(set(expected) - seen):
            raise BackupError(f"备份文件缺少清单列出的条目：{'、'.join(missing[:5])}")
    return manifest


def restore_archive(archive_path: Path, *, force: bool = False) -> Summary:
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"找不到备份文件 {archive_path}。")
    manifest = read_manifest(archive_path)
    engine = _engine()
    if manifest["engine"] != engine:
        names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
        raise BackupError(
            f"这份备份来自 {names.get(manifest['engine'], manifest['engine'])}，"
            f"当前数据库是 {names[engine]}，不能直接恢复。"
        )
    if not force and (found := has_data()):
        raise BackupError("当前安装已有数据，恢复会覆盖它们：" + "；".join(found) + "。确需覆盖，请加 --force。")

    roots, remote = _file_roots(), _remote_stores()
    total = 0
    with tempfile.TemporaryDirectory(prefix="bulletin-restore-") as tmp, tarfile.open(
        archive_path, "r:gz"
    ) as archive:
        dump_name = "database.dump" if engine == "postgresql" else "database.sqlite3"
        archive.extract(dump_name, tmp, filter="data")
        _restore_database(engine, Path(tmp) / dump_name)
        for root in roots.values():
            if root.is_dir():
                shutil.rmtree(root)
            root.mkdir(parents=True, exist_ok=True)
        for storage in remote.values():
            for stored in list(walk(storage)):
                storage.delete(stored)
        for arcname, entry in manifest["files"].items():
            if not arcname.startswith("files/"):
                continue
            _, name, rel = arcname.split("/", 2)
            if name in remote:
                _restore_remote(remote[name], rel, archive, arcname, entry)
                total += entry["size"]
                continue
            dest = roots[name] / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(arcname) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out, _CHUNK)
            with open(dest, "rb") as written:
                if _sha256(written) != (entry["sha256"], entry["size"]):
                    raise BackupError(f"恢复后的文件与清单不符：{dest}")
            total += entry["size"]
    files = sum(1 for a in manifest["files"] if a.startswith("files/"))
    return Summary(archive_path, engine, files, total)


def _restore_remote(storage, name: str, archive, arcname: str, entry: dict) -> None:
    with archive.extractfile(arcname) as src:
        saved = storage.save(name, src)
    if saved != name:
        raise BackupError(f"恢复后的文件名与清单不符：{name}（存为 {saved}）")
    with storage.open(name, "rb") as written:
        if _sha256(written) != (entry["sha256"], entry["size"]):
            raise BackupError(f"恢复后的文件与清单不符：对象存储 {name}")


def _restore_database(engine: str, dump: Path) -> None:
    if engine == "postgresql":
        connection.close()
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", f"--dbname={settings.DATABASES['default']['NAME']}",
              str(dump)], "恢复数据库")
        return
    connection.ensure_connection()
    with sqlite3.connect(dump) as source:
        # Replaces the whole database, schema included, in one step.
        source.backup(connection.connection)
    source.close()
    connection.close()
