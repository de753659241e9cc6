"""The local command's settings (docs/design.md §6): the local databases, the reports, debug.

Read from the environment as one model whose aliases are :class:`LocalEnvName`; unset or
empty variables take the documented defaults. A URL that cannot be used is one
``SettingsError`` naming the variable (the command exits 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from training_refresh.adapters.mysql import MySqlSettings


class LocalEnvName(StrEnum):
    TRAINING_DB_URL = "IMS_TRAINING_DB_URL"
    WAREHOUSE_URL = "IMS_WAREHOUSE_URL"
    REPORT_DIR = "IMS_REPORT_DIR"
    DEBUG = "IMS_DEBUG"


DEFAULT_TRAINING_DB_URL = "mysql://root@127.0.0.1:3306/ims_training"
DEFAULT_WAREHOUSE_URL = "postgresql://postgres@127.0.0.1:5432/ims_warehouse"
DEFAULT_REPORT_DIR = Path("reports")


class SettingsError(ValueError):
    """A database URL in the environment is unusable."""


class MySqlUrl(MySqlSettings):
    """A local MySQL/MariaDB database, as named by ``IMS_TRAINING_DB_URL`` (no TLS)."""

    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> MySqlUrl:
        parts = urlsplit(url)
        database = parts.path.lstrip("/")
        if parts.scheme not in {"mysql", "mariadb"} or not parts.hostname or not database:
            raise SettingsError(
                f"{LocalEnvName.TRAINING_DB_URL} must look like"
                " mysql://user[:password]@host[:port]/database"
            )
        return cls(
            host=parts.hostname,
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            database=unquote(database),
        )


class LocalDatabases(BaseModel):
    model_config = ConfigDict(frozen=True)

    training: MySqlUrl
    warehouse_url: str

    @property
    def warehouse_database(self) -> str:
        return urlsplit(self.warehouse_url).path.lstrip("/")


class LocalSettings(BaseSettings):
    model_config = SettingsConfigDict(
        case_sensitive=True, env_ignore_empty=True, extra="ignore", frozen=True
    )

    training_db_url: str = Field(
        default=DEFAULT_TRAINING_DB_URL, alias=LocalEnvName.TRAINING_DB_URL
    )
    warehouse_url: str = Field(default=DEFAULT_WAREHOUSE_URL, alias=LocalEnvName.WAREHOUSE_URL)
    report_dir: Path = Field(default=DEFAULT_REPORT_DIR, alias=LocalEnvName.REPORT_DIR)
    """Where ``run`` and ``demo`` write their JSON run reports (``--report-dir``'s default)."""
    debug_flag: str = Field(default="", alias=LocalEnvName.DEBUG)
    """``IMS_DEBUG=1`` (or true/yes/on) does what ``--debug`` does."""

    @property
    def debug(self) -> bool:
        return self.debug_flag.strip().lower() in {"1", "true", "yes", "on"}

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> LocalSettings:
        """The settings of ``environ`` (default: the process environment). Loading never
        fails; the URLs are checked when they are used (:meth:`databases`)."""
        if environ is None:
            return cls()
        return cls.model_validate({k: v for k, v in environ.items() if v})

    def databases(self) -> LocalDatabases:
        """The two databases; SettingsError naming the variable when a URL is unusable."""
        parts = urlsplit(self.warehouse_url)
        if parts.scheme not in {"postgresql", "postgres"} or not parts.path.lstrip("/"):
            raise SettingsError(
                f"{LocalEnvName.WAREHOUSE_URL} must look like postgresql://user@host[:port]/database"
            )
        return LocalDatabases(
            training=MySqlUrl.parse(self.training_db_url), warehouse_url=self.warehouse_url
        )


def local_databases(environ: Mapping[str, str] | None = None) -> LocalDatabases:
    return LocalSettings.load(environ).databases()
