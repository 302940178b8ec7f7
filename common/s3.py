"""The S3 side of common.storage: settings.STORAGES on an S3-compatible bucket (django-storages).

Imported only when BULLETIN_S3_BUCKET is set (config/settings.py) or by the storage backend path.
"""

from __future__ import annotations

from urllib.parse import urljoin

from django.utils.encoding import filepath_to_uri
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage as BaseS3Storage

from .storage import NO_URL


class S3Storage(BaseS3Storage):
    """django-storages' S3Storage with the two things Bulletin needs of it:

    - ``url()`` is the site's address of the file (MEDIA_URL + name for media, through the access
      check), or none for private files: never a bucket address that would skip the check;
    - ``signed_url()`` presigns a GET, optionally for the address browsers reach the object store
      at (``public_endpoint_url``, when the web nodes reach it by an internal name).
    """

    def get_default_settings(self):
        return {**super().get_default_settings(), "site_url": None, "public_endpoint_url": None}

    def url(self, name, parameters=None, expire=None, http_method=None):
        if self.site_url is None:
            raise ValueError(NO_URL)
        return urljoin(self.site_url, filepath_to_uri(name))

    def signed_url(self, name, *, filename=None, content_type=None, inline=True, expire=None):
        params = {"Bucket": self.bucket_name, "Key": self._normalize_name(name)}
        if filename:
            params["ResponseContentDisposition"] = content_disposition_header(not inline, filename)
        if content_type:
            params["ResponseContentType"] = content_type
        return self._signing_client().generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expire or self.querystring_expire
        )

    def _signing_client(self):
        if not self.public_endpoint_url:
            return self.connection.meta.client
        client = getattr(self._connections, "public_client", None)
        if client is None:
            client = self._create_session().client(
                "s3", region_name=self.region_name, endpoint_url=self.public_endpoint_url,
                config=self.client_config, verify=self.verify,
            )
            self._connections.public_client = client
        return client


def s3_storages(env, *, media_url: str) -> dict:
    """settings.STORAGES' ``default`` and ``private`` on the bucket BULLETIN_S3_BUCKET."""
    prefix = env.str("BULLETIN_S3_PREFIX", default="").strip("/")
    endpoint = env.str("BULLETIN_S3_ENDPOINT_URL", default="") or None
    common = {
        "bucket_name": env.str("BULLETIN_S3_BUCKET"),
        "endpoint_url": endpoint,
        "public_endpoint_url": env.str("BULLETIN_S3_PUBLIC_ENDPOINT_URL", default="") or None,
        "access_key": env.str("BULLETIN_S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("BULLETIN_S3_SECRET_ACCESS_KEY", default="") or None,
        "region_name": env.str("BULLETIN_S3_REGION", default="") or None,
        # Path-style addresses (http://host:9000/bucket/key) work with MinIO and any endpoint.
        "addressing_style": env.str("BULLETIN_S3_ADDRESSING_STYLE", default="path" if endpoint else "auto"),
        "signature_version": "s3v4",
        # No ACL header: objects get the bucket's own (private); never public-read.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": env.int("BULLETIN_S3_URL_SECONDS", default=300),
    }
    backend = "common.s3.S3Storage"
    media = "/".join(filter(None, [prefix, "media"]))
    private = "/".join(filter(None, [prefix, "private"]))
    return {
        # A new upload never replaces another's file (Django's rule on disk too).
        "default": {"BACKEND": backend, "OPTIONS": {**common, "location": media, "file_overwrite": False,
                                                   "site_url": media_url}},
        # Stored PDFs are replaced whole under the same name (write_atomically).
        "private": {"BACKEND": backend, "OPTIONS": {**common, "location": private, "file_overwrite": True,
                                                   "site_url": None}},
    }


def s3_origins(env) -> list[str]:
    """Where browsers fetch the presigned URLs from (the Content-Security-Policy's img-src)."""
    from urllib.parse import urlsplit

    endpoint = env.str("BULLETIN_S3_PUBLIC_ENDPOINT_URL", default="") or env.str(
        "BULLETIN_S3_ENDPOINT_URL", default=""
    )
    if endpoint:
        parts = urlsplit(endpoint)
        return [f"{parts.scheme}://{parts.netloc}"]
    bucket, region = env.str("BULLETIN_S3_BUCKET"), env.str("BULLETIN_S3_REGION", default="")
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return origins
