"""Local database locations (DESIGN §6), from the environment with the documented defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

TRAINING_DB_URL_ENV = "IMS_TRAINING_DB_URL"
WAREHOUSE_URL_ENV = "IMS_WAREHOUSE_URL"
DEFAULT_TRAINING_DB_URL = "mysql://root@127.0.0.1:3306/ims_training"
DEFAULT_WAREHOUSE_URL = "postgresql://postgres@127.0.0.1:5432/ims_warehouse"


class SettingsError(ValueError):
    """A database URL in the environment is unusable."""


@dataclass(frozen=True)
class MySqlUrl:
    host: str
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def parse(cls, url: str) -> MySqlUrl:
        parts = urlsplit(url)
        database = parts.path.lstrip("/")
        if parts.scheme not in {"mysql", "mariadb"} or not parts.hostname or not database:
            raise SettingsError(
                f"{TRAINING_DB_URL_ENV} must look like mysql://user[:password]@host[:port]/database"
            )
        return cls(
            host=parts.hostname,
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=unquote(database),
        )


@dataclass(frozen=True)
class LocalDatabases:
    training: MySqlUrl
    warehouse_url: str

    @property
    def warehouse_database(self) -> str:
        return urlsplit(self.warehouse_url).path.lstrip("/")


def local_databases(environ: Mapping[str, str] = os.environ) -> LocalDatabases:
    warehouse_url = environ.get(WAREHOUSE_URL_ENV) or DEFAULT_WAREHOUSE_URL
    parts = urlsplit(warehouse_url)
    if parts.scheme not in {"postgresql", "postgres"} or not parts.path.lstrip("/"):
        raise SettingsError(
            f"{WAREHOUSE_URL_ENV} must look like postgresql://user@host[:port]/database"
        )
    return LocalDatabases(
        training=MySqlUrl.parse(environ.get(TRAINING_DB_URL_ENV) or DEFAULT_TRAINING_DB_URL),
        warehouse_url=warehouse_url,
    )
