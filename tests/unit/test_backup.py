"""`manage.py backup` and `manage.py restore`, run as an administrator runs them: as commands, on two
separate installations (their own database and file directories, or their own bucket on the S3
server), the second one empty."""

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest

from tests import object_storage

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("DATABASE_URL", "")

s3_server = object_storage.s3_server


class Installation:
    def __init__(self, base: Path, database_url: str, bucket: object_storage.Bucket | None = None):
        self.media = base / "media"
        self.private = base / "private"
        self.bucket = bucket
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("BULLETIN_S3_")},
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(self.media),
            "PRIVATE_ROOT": str(self.private),
            "PYTHONDONTWRITEBYTECODE": "1",
            # The PDF renderer's local copies of fonts kept on the bucket.
            "BULLETIN_FONT_CACHE": str(base / "font-cache"),
        }
        if bucket is not None:
            self.env.update(object_storage.bucket_env(bucket.endpoint, bucket.name))

    def manage(self, *args, check=True):
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=300,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def records(self) -> list:
        """What the office would call its data: issues, articles, their history, users."""
        out = self.manage(
            "dumpdata", "bulletin", "editorial", "auth.user", "auth.group", "--indent", "0"
        ).stdout
        return sorted(json.dumps(o, sort_keys=True, ensure_ascii=False) for o in json.loads(out))

    def objects(self) -> dict:
        """Every stored file on the bucket, by its name under the site's prefix: its SHA-256."""
        return {
            key.removeprefix("site/"): hashlib.sha256(self.bucket.read(key)).hexdigest()
            for key in self.bucket.keys("site/")
        }

    def files(self) -> dict:
        return {
            f"{root.name}/{p.relative_to(root)}": p.read_bytes()
            for root in (self.media, self.private) if root.is_dir()
            for p in root.rglob("*") if p.is_file()
        }


def _used_installation(base: Path, database_url: str) -> Installation:
    site = Installation(base, database_url)
    site.manage("migrate", "-v0")
    site.manage("load_demo")
    (site.media / "uploads" / "2026").mkdir(parents=True)
    (site.media / "uploads" / "2026" / "会议现场.jpg").write_bytes(b"\xff\xd8 picture " * 100)
    (site.private / "pdf").mkdir(parents=True)
    (site.private / "pdf" / "issue-97.pdf").write_bytes(b"%PDF-1.7 issue " * 1000)
    return site


def _tampered(archive: Path, target: Path) -> Path:
    """The same archive with one stored file's bytes changed (the manifest left as it was)."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as out:
        for member in src:
            data = src.extractfile(member).read()
            if member.name.endswith("issue-97.pdf"):
                data = data.replace(b"issue", b"iss0e", 1)
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


def _round_trip(tmp_path: Path, url_a: str, url_b: str):
    a = _used_installation(tmp_path / "a", url_a)
    archive = tmp_path / "backup.tar.gz"
    done = a.manage("backup", "-o", str(archive))
    assert "已备份到" in done.stdout
    a_records, a_files = a.records(), a.files()
    # The uploads (and whatever else the site keeps, e.g. the page cache's generation) are in it.
    assert {"media/uploads/2026/会议现场.jpg", "private/pdf/issue-97.pdf"} <= set(a_files)

    # Writing over an existing archive needs --force.
    again = a.manage("backup", "-o", str(archive), check=False)
    assert again.returncode != 0 and "已存在" in again.stderr and "--force" in again.stderr

    b = Installation(tmp_path / "b", url_b)
    b.manage("migrate", "-v0")

    # A damaged, foreign or missing archive is refused before anything is touched.
    bad = b.manage("restore", str(_tampered(archive, tmp_path / "bad.tar.gz")), check=False)
    assert bad.returncode != 0 and "校验和不符" in bad.stderr and "issue-97.pdf" in bad.stderr
    garbage = tmp_path / "notes.tar.gz"
    garbage.write_bytes(gzip.compress(b"not a tar at all"))
    odd = b.manage("restore", str(garbage), check=False)
    assert odd.returncode != 0 and "不是 Bulletin 的备份文件" in odd.stderr
    missing = b.manage("restore", str(tmp_path / "nowhere.tar.gz"), check=False)
    assert missing.returncode != 0 and "找不到备份文件" in missing.stderr
    assert b.files() == {}

    done = b.manage("restore", str(archive))
    assert "均已按清单核对" in done.stdout
    assert b.records() == a_records
    assert b.files() == a_files

    # Restoring over an installation in use is refused without --force, and changes nothing.
    (b.media / "uploads" / "2026" / "later.jpg").write_bytes(b"added after the restore")
    refused = b.manage("restore", str(archive), check=False)
    assert refused.returncode != 0
    assert "当前安装已有数据" in refused.stderr and "--force" in refused.stderr
    assert (b.media / "uploads" / "2026" / "later.jpg").exists()
    b.manage("restore", str(archive), "--force")
    assert b.files() == a_files
    return b, archive


# Each SQLite installation here is its own file, not the suite's database: the PostgreSQL run of
# bin/test would only repeat them (about a minute), so they run in the SQLite run.
sqlite_run_only = pytest.mark.skipif(
    PG_URL.startswith("postgres"), reason="runs in the SQLite run (its own SQLite files)"
)


@sqlite_run_only
def test_sqlite_backup_restores_an_empty_installation_to_the_same_state(tmp_path):
    _round_trip(tmp_path, f"sqlite:///{tmp_path}/a.sqlite3", f"sqlite:///{tmp_path}/b.sqlite3")


@pytest.fixture
def two_postgres_databases():
    if not PG_URL.startswith("postgres"):
        pytest.skip("needs DATABASE_URL on PostgreSQL")
    import psycopg2
    from psycopg2 import sql

    base = PG_URL.rsplit("/", 1)[0]
    names = [f"bulletin_backup_{uuid.uuid4().hex[:8]}_{side}" for side in "ab"]
    admin = psycopg2.connect(f"{base}/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        for name in names:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield [f"{base}/{name}" for name in names]
    with admin.cursor() as cur:
        for name in names:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.close()


@pytest.mark.postgres
def test_postgresql_backup_restores_an_empty_installation_to_the_same_state(
    tmp_path, two_postgres_databases
):
    url_a, url_b = two_postgres_databases
    b, archive = _round_trip(tmp_path, url_a, url_b)
    with tarfile.open(archive, "r:gz") as tar:
        assert "database.dump" in tar.getnames()  # pg_dump's custom format
    # History stays append-only after a restore: the triggers came back with the tables.
    refused = b.manage(
        "shell", "-c",
        "from bulletin.models import IssueEvent\n"
        "from django.db import DatabaseError\n"
        "try:\n    IssueEvent.objects.all().delete()\n    print('deleted')\n"
        "except DatabaseError:\n    print('refused')",
    )
    assert refused.stdout.strip().splitlines()[-1] == "refused"

    # A PostgreSQL archive is not restored into SQLite.
    c = Installation(tmp_path / "c", f"sqlite:///{tmp_path}/c.sqlite3")
    c.manage("migrate", "-v0")
    foreign = c.manage("restore", str(archive), check=False)
    assert foreign.returncode != 0 and "来自 PostgreSQL" in foreign.stderr


# The demo as an office uses it, with every stored file on the bucket: an imported back issue,
# uploaded images (web and print renditions), the issues' rendered PDFs, a staged import, a font.
DEMO_FILES = r"""
import io
from django.contrib.auth import get_user_model
from PIL import Image
from bulletin.importing import staging
from bulletin.models import Issue, Publication
from bulletin.pdf.store import ensure_issue_pdf
from editorial.uploads import store_image

editor = get_user_model().objects.get(username="editor")
for name, colour in (("会议现场.png", (200, 30, 30)), ("项目签约.png", (30, 90, 200))):
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1000), colour).save(buffer, "PNG")
    store_image(buffer.getvalue(), by=editor, name=name)
staging.stage("中原区大事月报\n2021年9月\n".encode("gb18030") * 20, user=editor, filename="九月.txt",
              publication_id=Publication.objects.get().pk, create_sections=False)
for serial in (97, 90):  # a demo issue and the imported one, as a reader's download renders them
    ensure_issue_pdf(Issue.objects.get(serial_number=serial))
"""


def _demo_on_a_bucket(site: Installation, tmp_path: Path) -> None:
    site.manage("migrate", "-v0")
    site.manage("load_demo")
    # The tests' back issue as the demo publication's 总第90期 (the demo publishes from 总第95期 on).
    back_issue = tmp_path / "往期-总第90期.txt"
    back_issue.write_text((ROOT / "tests" / "data" / "issue-sample.txt").read_text().replace("总第109期", "总第90期"))
    assert "已导入" in site.manage("import_issue", str(back_issue)).stdout
    site.manage("shell", "-c", DEMO_FILES)


def _bucket(endpoint: str, name: str) -> object_storage.Bucket:
    client = object_storage.s3_client(endpoint)
    client.create_bucket(Bucket=name)
    return object_storage.Bucket(endpoint, name, client, {})


def _bucket_round_trip(tmp_path: Path, s3_server: str, url_a: str, url_b: str):
    run = uuid.uuid4().hex[:8]
    a = Installation(tmp_path / "a", url_a, _bucket(s3_server, f"backup-a-{run}"))
    _demo_on_a_bucket(a, tmp_path)
    a_objects = a.objects()
    kinds = {name.split("/")[0] + "/" + name.split("/")[1] for name in a_objects}
    assert {"media/images", "private/pdf", "private/imports"} <= kinds, kinds
    assert len([name for name in a_objects if name.startswith("private/pdf/")]) == 2
    assert len([name for name in a_objects if name.startswith("media/")]) == 4  # two images, two renditions each
    archive = tmp_path / "backup.tar.gz"
    assert "已备份到" in a.manage("backup", "-o", str(archive)).stdout
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {name.removeprefix("files/"): entry["sha256"] for name, entry in manifest["files"].items()
            if name.startswith("files/")} == a_objects
    a_records = a.records()
    assert not set(a.files()) & set(a_objects), "the stored files are on the bucket, not on this disk"

    # A fresh installation: an empty database (migrated) and a new, empty bucket.
    b = Installation(tmp_path / "b", url_b, _bucket(s3_server, f"backup-b-{run}"))
    b.manage("migrate", "-v0")
    assert b.objects() == {}
    done = b.manage("restore", str(archive))
    assert "均已按清单核对" in done.stdout
    # The same issues, articles, revisions and users; the same files, byte for byte.
    assert b.records() == a_records
    assert b.objects() == a_objects
    # What the restored site shows: its issues, and the PDF it rendered, served from the restored
    # bucket without rendering again.
    shown = b.manage("shell", "-c", (
        "import hashlib\n"
        "from bulletin.models import Issue\n"
        "from bulletin.pdf import store\n"
        "print(sorted(Issue.objects.exclude(serial_number=None).values_list('serial_number', flat=True)))\n"
        "name = store.ensure_issue_pdf(Issue.objects.get(serial_number=97))\n"
        "print(name, hashlib.sha256(store.open_pdf(name).read()).hexdigest(), store.render_count)"
    )).stdout.strip().splitlines()
    assert shown[-2] == "[90, 95, 96, 97]", shown
    name, digest, renders = shown[-1].split()
    assert a_objects["private/" + name] == digest and renders == "0"
    assert b.objects() == a_objects
    # The restored objects are as private as the ones the site wrote (the bucket's own ACL).
    for key in b.bucket.keys("site/"):
        grants = b.bucket.client.get_object_acl(Bucket=b.bucket.name, Key=key)["Grants"]
        assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")], (key, grants)

    # Over a bucket in use, restore needs --force.
    refused = b.manage("restore", str(archive), check=False)
    assert refused.returncode != 0 and "当前安装已有数据" in refused.stderr
    return b, archive


@sqlite_run_only
def test_sqlite_backup_on_a_bucket_restores_into_a_fresh_database_and_bucket(tmp_path, s3_server):
    _bucket_round_trip(tmp_path, s3_server, f"sqlite:///{tmp_path}/a.sqlite3", f"sqlite:///{tmp_path}/b.sqlite3")


@pytest.mark.postgres
def test_postgresql_backup_on_a_bucket_restores_into_a_fresh_database_and_bucket(
    tmp_path, s3_server, two_postgres_databases
):
    url_a, url_b = two_postgres_databases
    _bucket_round_trip(tmp_path, s3_server, url_a, url_b)
