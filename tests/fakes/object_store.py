"""An object store in memory."""

from __future__ import annotations

from training_refresh.adapters.object_store import ObjectMissingError


class MemoryObjectStore:
    """Objects by (bucket, key); records nothing else, so ``objects`` is what was written."""

    def __init__(self, objects: dict[tuple[str, str], bytes] | None = None) -> None:
        self.objects = dict(objects or {})

    def get_bytes(self, bucket: str, key: str, max_bytes: int) -> bytes:
        if (bucket, key) not in self.objects:
            raise ObjectMissingError(f"s3://{bucket}/{key} does not exist")
        return self.objects[(bucket, key)]

    def put_bytes(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        self.objects[(bucket, key)] = body
