"""A real S3 API on the loopback for the tests: moto in server mode, one bucket per test.

    from tests.object_storage import s3, s3_server  # noqa: F401 (fixtures)

`s3` configures the site as an operator would (the BULLETIN_S3_* environment, settings.STORAGES
built from it by common.s3) and gives the test a boto3 client of its own to look into the bucket.
moto answers an unsigned GET of a private object with 403, as S3 and MinIO do; it does not check
presigned URLs' signatures or expiry (S3 and MinIO do), so tests read the expiry from the URL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

ACCESS_KEY = "bulletin-test"
SECRET_KEY = "bulletin-test-secret"
REGION = "us-east-1"


@dataclass
class Bucket:
    endpoint: str
    name: str
    client: object
    env: dict

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def public_url(self, key: str) -> str:
        """The object's plain bucket address (what a public object would be read at)."""
        return f"{self.endpoint}/{self.name}/{key}"


def s3_client(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        region_name=REGION, config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


@pytest.fixture(scope="session")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def bucket_env(endpoint: str, bucket: str) -> dict:
    return {
        "BULLETIN_S3_BUCKET": bucket,
        "BULLETIN_S3_ENDPOINT_URL": endpoint,
        "BULLETIN_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "BULLETIN_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "BULLETIN_S3_REGION": REGION,
        "BULLETIN_S3_PREFIX": "site",
    }


@pytest.fixture
def s3(s3_server, settings, monkeypatch, tmp_path):
    import environ

    from common.s3 import s3_storages

    name = f"bulletin-{uuid.uuid4().hex[:12]}"
    env = bucket_env(s3_server, name)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    client = s3_client(s3_server)
    client.create_bucket(Bucket=name)
    settings.STORAGES = {**settings.STORAGES, **s3_storages(environ.Env(), media_url=settings.MEDIA_URL)}
    settings.BULLETIN_FONT_CACHE = str(tmp_path / "font-cache")
    yield Bucket(s3_server, name, client, env)
