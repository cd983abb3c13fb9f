"""Settings from the environment (prefix REMPART_). Unsafe values are refused outside
development, so a production process cannot start on demo conveniences."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from rempart.identity.prosante import ProSanteConnectConfig


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
    database_lock_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="PostgreSQL: how long a statement waits for a lock another transaction "
        "holds before it fails (a request then answers 503); migrations included",
    )
    database_idle_transaction_timeout_s: float = Field(
        default=60.0,
        ge=0,
        description="PostgreSQL: a transaction idle this long between two statements is "
        "ended by the server, and its locks released; 0 leaves it to the server's setting",
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

    psc_issuer: str | None = Field(
        default=None, description="Pro Santé Connect issuer, exactly as its discovery names it"
    )
    psc_client_id: str | None = Field(default=None, description="Pro Santé Connect client id")
    psc_client_secret: SecretStr | None = Field(
        default=None, description="Pro Santé Connect client secret (client_secret_basic)"
    )
    psc_redirect_uri: str | None = Field(
        default=None, description="The callback registered with Pro Santé Connect"
    )
    psc_acr_values: str = Field(default="eidas1", description="Required acr (space-separated)")
    psc_max_age_seconds: int = Field(
        default=600, ge=60, le=3600, description="Oldest accepted authentication at the provider"
    )

    trusted_proxies: str = Field(
        default="127.0.0.1",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-For is "
        "believed (the client address drives sign-in throttling)",
    )

    outbox: str = Field(
        default="files",
        pattern="^(null|files|webhook)$",
        description="Where outbound messages go: null (kept nowhere), files (a directory "
        "another system picks up) or webhook (a signed POST)",
    )
    outbox_dir: Path | None = Field(
        default=None, description="The files adapter's directory; default REMPART_HOME/outbox"
    )
    outbox_webhook_url: str | None = Field(default=None, description="The webhook adapter's URL")
    outbox_webhook_secret: SecretStr | None = Field(
        default=None, description="The key signing webhook bodies (HMAC-SHA256)"
    )

    operator_name: str = Field(
        default="Rempart", max_length=70, description="The operator's name on SEPA files"
    )
    operator_iban: SecretStr | None = Field(
        default=None, description="The operator's account: transfers leave it, debits reach it"
    )
    operator_bic: str | None = Field(default=None, description="The operator's bank's BIC")
    sepa_creditor_id: str | None = Field(
        default=None, description="The operator's SEPA creditor identifier (ICS), for debits"
    )
    payments_dir: Path | None = Field(
        default=None,
        description="Where payment runs write their files; default REMPART_HOME/payments",
    )

    redis_url: SecretStr | None = Field(
        default=None,
        description="Redis holding the shield's quotas, shared by every worker (it may carry "
        "a password); unset means a budget kept in each process",
    )
    shield_workers: int = Field(
        default=4,
        ge=1,
        le=1024,
        description="Workers sharing the quotas: when Redis does not answer, each keeps one "
        "over this share of every limit",
    )

    payout_cooling_off_hours: int = Field(
        default=72,
        ge=0,
        le=720,
        description="How long a new bank account waits, once approved, before payments may "
        "go to it; the structure's payments are held meanwhile (at least 1 outside "
        "development)",
    )

    incident_controller_notice_hours: int = Field(
        default=24,
        ge=1,
        le=72,
        description="Rempart's contractual target for informing each insurer concerned by a "
        "breach, from Rempart's awareness (GDPR art. 33(2): without undue delay)",
    )
    incident_documents: str = Field(
        default="files",
        pattern="^(null|files)$",
        description="Where incident notices and letters go: files (a directory per incident "
        "and insurer, owner-only) or null (kept nowhere)",
    )
    incident_documents_dir: Path | None = Field(
        default=None,
        description="The files adapter's directory; default REMPART_HOME/incidents",
    )
    incident_contact: str = Field(
        default="",
        max_length=200,
        description="How insurers reach Rempart's DPO about an incident, printed on notices",
    )
    incident_letters_pdf_limit: int = Field(
        default=20_000,
        ge=0,
        le=1_000_000,
        description="Letters to people rendered as PDF per insurer at most (HTML and the "
        "mail-merge file always hold them all)",
    )

    session_idle_minutes: int = Field(default=15, ge=1, le=60)
    session_absolute_hours: int = Field(default=10, ge=1, le=24)

    import_batch_size: int = Field(default=2000, ge=1, le=100_000)
    rotation_batch_size: int = Field(default=1000, ge=1, le=100_000)

    audit_checkpoints_dir: Path | None = Field(
        default=None,
        description="Where signed audit checkpoints are exported; default "
        "REMPART_HOME/audit-checkpoints. Keep it apart from the database (another volume, "
        "a write-once bucket mounted locally)",
    )
    audit_retention_months: int = Field(
        default=12, ge=1, le=120, description="Audit payloads older than this are expired"
    )
    audit_seal_batch_size: int = Field(default=5000, ge=1, le=100_000)

    @model_validator(mode="after")
    def _refuse_unsafe_outside_development(self) -> Settings:
        url = self.database_url or ""
        if self.env is Environment.PRODUCTION and url.startswith("sqlite") and ":memory:" in url:
            raise ValueError("an in-memory database is for tests, not production")
        redis_url = self.redis_url.get_secret_value() if self.redis_url else ""
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REMPART_REDIS_URL is a redis://, rediss:// or unix:// URL")
        webhook = (self.outbox_webhook_url, self.outbox_webhook_secret)
        if self.outbox == "webhook" and None in webhook:
            raise ValueError("the webhook outbox needs REMPART_OUTBOX_WEBHOOK_URL and _SECRET")
        if (
            self.env is Environment.PRODUCTION
            and self.outbox == "webhook"
            and not (self.outbox_webhook_url or "").startswith("https://")
        ):
            raise ValueError("the outbox webhook must be https outside development")
        if self.env is Environment.PRODUCTION and self.payout_cooling_off_hours < 1:
            raise ValueError("a bank account change cools off for at least an hour")
        origin = self.webauthn_origin or ""
        if self.env is Environment.PRODUCTION and origin and not origin.startswith("https://"):
            raise ValueError("passkeys need an https origin outside development")
        psc = (self.psc_issuer, self.psc_client_id, self.psc_client_secret, self.psc_redirect_uri)
        if any(value is not None for value in psc) and None in psc:
            raise ValueError(
                "set REMPART_PSC_ISSUER, _CLIENT_ID, _CLIENT_SECRET and _REDIRECT_URI together"
            )
        if self.env is Environment.PRODUCTION and self.psc_issuer is not None:
            if not self.psc_issuer.startswith("https://"):
                raise ValueError("Pro Santé Connect needs an https issuer outside development")
            if not (self.psc_redirect_uri or "").startswith("https://"):
                raise ValueError("Pro Santé Connect needs an https callback outside development")
        return self

    def pro_sante_connect(self) -> ProSanteConnectConfig | None:
        """The Pro Santé Connect client's configuration; None when it is not configured."""
        from rempart.identity.prosante import ProSanteConnectConfig

        if (
            self.psc_issuer is None
            or self.psc_client_id is None
            or self.psc_client_secret is None
            or self.psc_redirect_uri is None
        ):
            return None
        return ProSanteConnectConfig(
            issuer=self.psc_issuer,
            client_id=self.psc_client_id,
            client_secret=self.psc_client_secret.get_secret_value(),
            redirect_uri=self.psc_redirect_uri,
            acr_values=self.psc_acr_values,
            max_age=self.psc_max_age_seconds,
        )

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
    def payout_cooling_off(self) -> timedelta:
        return timedelta(hours=self.payout_cooling_off_hours)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'rempart.sqlite3').resolve()}"

    @property
    def effective_audit_checkpoints_dir(self) -> Path:
        if self.audit_checkpoints_dir is not None:
            return self.audit_checkpoints_dir
        return self.home / "audit-checkpoints"

    @property
    def effective_payments_dir(self) -> Path:
        return self.payments_dir if self.payments_dir is not None else self.home / "payments"

    @property
    def controller_notice_target(self) -> timedelta:
        return timedelta(hours=self.incident_controller_notice_hours)

    @property
    def effective_incident_documents_dir(self) -> Path:
        if self.incident_documents_dir is not None:
            return self.incident_documents_dir
        return self.home / "incidents"

    @property
    def effective_outbox_dir(self) -> Path:
        return self.outbox_dir if self.outbox_dir is not None else self.home / "outbox"

    @property
    def effective_keys_file(self) -> Path:
        return self.keys_file if self.keys_file is not None else self.home / "keys.json"
