"""Settings from the environment (prefix REMPART_). Unsafe values are refused outside
development, so a production process cannot start on demo conveniences."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REMPART_", extra="ignore")

    env: Environment = Environment.PRODUCTION
    home: Path = Field(default=Path("var"), description="Holds the SQLite file and local keys")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset means the embedded SQLite file"
    )

    keys_file: Path | None = Field(
        default=None, description="Local key-ring file; default REMPART_HOME/keys.json"
    )
    keys: SecretStr | None = Field(
        default=None, description="The key-ring document itself, for environments that inject it"
    )
    keys_dir: Path | None = Field(
        default=None, description="A secrets directory holding keyring.json (mounted secrets)"
    )

    webauthn_rp_id: str | None = Field(default=None, description="Passkeys' relying party id")
    webauthn_origin: str | None = Field(
        default=None, description="The https origin passkey ceremonies come from"
    )

    breached_passwords_dir: Path | None = Field(
        default=None,
        description="A local k-anonymity mirror of breached passwords (one file per SHA-1 prefix)",
    )

    session_idle_minutes: int = Field(default=15, ge=1, le=60)
    session_absolute_hours: int = Field(default=10, ge=1, le=24)

    import_batch_size: int = Field(default=2000, ge=1, le=100_000)
    rotation_batch_size: int = Field(default=1000, ge=1, le=100_000)

    @model_validator(mode="after")
    def _refuse_unsafe_outside_development(self) -> Settings:
        url = self.database_url or ""
        if self.env is Environment.PRODUCTION and url.startswith("sqlite") and ":memory:" in url:
            raise ValueError("an in-memory database is for tests, not production")
        origin = self.webauthn_origin or ""
        if self.env is Environment.PRODUCTION and origin and not origin.startswith("https://"):
            raise ValueError("passkeys need an https origin outside development")
        return self

    def passkey_relying_party(self) -> tuple[str, str]:
        """(rp id, origin) for passkey ceremonies; development defaults to localhost."""
        if self.webauthn_rp_id and self.webauthn_origin:
            return self.webauthn_rp_id, self.webauthn_origin
        if self.is_development:
            return "localhost", "http://localhost:8000"
        raise ValueError("set REMPART_WEBAUTHN_RP_ID and REMPART_WEBAUTHN_ORIGIN for passkeys")

    @property
    def is_development(self) -> bool:
        return self.env is Environment.DEVELOPMENT

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'rempart.sqlite3').resolve()}"

    @property
    def effective_keys_file(self) -> Path:
        return self.keys_file if self.keys_file is not None else self.home / "keys.json"
