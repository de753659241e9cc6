"""The object store (S3): the operations the workflows need, behind a small interface the
domain can fake. The boto3 client is passed in; this module never imports boto3."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from training_refresh.errors import BadInputError


class ObjectStore(Protocol):
    def get_bytes(self, bucket: str, key: str, max_bytes: int) -> bytes: ...
    def put_bytes(self, bucket: str, key: str, body: bytes, content_type: str) -> None: ...


class ObjectMissingError(BadInputError):
    """The named S3 object does not exist (or cannot be read with our permissions)."""


class ObjectTooLargeError(BadInputError):
    """The named S3 object is larger than we agree to read."""


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: object) -> S3Location:
        if not isinstance(uri, str) or not uri.startswith("s3://"):
            raise BadInputError(f"expected an s3://bucket/key location, got {str(uri)[:80]!r}")
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        if not bucket or not key or key.endswith("/"):
            raise BadInputError(f"expected an s3://bucket/key location, got {uri[:80]!r}")
        return cls(bucket, key)

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


class S3ObjectStore:
    """ObjectStore over a boto3 S3 client."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def get_bytes(self, bucket: str, key: str, max_bytes: int) -> bytes:
        errors = self._client.exceptions
        try:
            head = self._client.head_object(Bucket=bucket, Key=key)
        except errors.ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "403"}:
                raise ObjectMissingError(f"s3://{bucket}/{key} does not exist") from error
            raise
        if head["ContentLength"] > max_bytes:
            raise ObjectTooLargeError(
                f"s3://{bucket}/{key} is {head['ContentLength']} bytes; the limit is {max_bytes}"
            )
        body: bytes = self._client.get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    def put_bytes(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        self._client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)


def put_json(store: ObjectStore, location: S3Location, document: Any) -> None:
    body = json.dumps(document, indent=2, sort_keys=True, default=str).encode("utf-8")
    store.put_bytes(location.bucket, location.key, body, "application/json")


def get_json(store: ObjectStore, location: S3Location, max_bytes: int = 64 * 1024 * 1024) -> Any:
    return json.loads(store.get_bytes(location.bucket, location.key, max_bytes))
