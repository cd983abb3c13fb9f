"""Request and response bodies of the identity API. Nothing here echoes a login name,
password, code or token back, except the tokens a person must keep (shown once)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rempart.identity.permissions import Channel, Role, Strength


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PasskeyOptionsRequest(_Strict):
    login_name: str = Field(min_length=1, max_length=254)


class PasskeySignIn(_Strict):
    login_name: str = Field(min_length=1, max_length=254)
    credential: dict[str, Any] = Field(description="The PublicKeyCredential, as JSON")


class PasswordSignIn(_Strict):
    login_name: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    code: str = Field(min_length=1, max_length=64, description="TOTP code or recovery code")


class EnrolmentOptionsRequest(_Strict):
    code: str = Field(min_length=1, max_length=128)


class Enrolment(_Strict):
    code: str = Field(min_length=1, max_length=128)
    credential: dict[str, Any]


class Credential(_Strict):
    credential: dict[str, Any]


class SignInAnswer(BaseModel):
    status: Literal["signed_in", "pending_confirmation"]
    csrf_token: str | None = Field(
        default=None, description="Echo it in the X-CSRF-Token header of unsafe requests"
    )
    match_code: str | None = Field(
        default=None,
        description="While pending: show it; the person types it where they confirm",
    )


class Me(BaseModel):
    account_id: uuid.UUID
    role: Role
    structures: list[str]
    amc_number: str | None
    strength: Strength
    authenticated_at: datetime | None
    channel: Channel
    rpps: str | None = Field(description="The acting professional, for structure roles")
    client_id: uuid.UUID | None = Field(description="The software client, on the API channel")
    csrf_token: str | None = Field(description="For browser sessions: echo it in X-CSRF-Token")


class SecurityEventRead(BaseModel):
    tag: str
    at: datetime
    by_self: bool


class SessionRead(BaseModel):
    id: uuid.UUID
    factor: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


class PendingSignInRead(BaseModel):
    id: uuid.UUID
    created_at: datetime
    user_agent: str


class PendingConfirmation(_Strict):
    code: str = Field(min_length=2, max_length=2, description="The two digits shown")


class DeviceRead(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime


class NewPassword(_Strict):
    password: str = Field(min_length=1, max_length=1024)


class TotpCode(_Strict):
    code: str = Field(min_length=1, max_length=16)


class TotpEnrolmentRead(BaseModel):
    secret: str
    uri: str


class RecoveryCodesRead(BaseModel):
    codes: list[str]


class InsuredCardIn(_Strict):
    """The identifiers on an insured person's cards (never echoed back)."""

    insured_nir: str = Field(min_length=13, max_length=21, description="NIR with its key")
    birth_date: str = Field(min_length=8, max_length=8, description="YYYYMMDD as on the card")
    birth_rank: int = Field(ge=1, le=9)
    member_number: str = Field(min_length=1, max_length=20)


class AccountCreate(_Strict):
    role: Role
    login_name: str = Field(min_length=1, max_length=254)
    rpps: str | None = None
    finess: list[str] = Field(default_factory=list, max_length=50)
    amc_number: str | None = None
    card: InsuredCardIn | None = Field(
        default=None, description="For an insured person: their card, to bind their record"
    )


class AccountCreated(BaseModel):
    id: uuid.UUID
    status: str


class EnrolmentCodeRead(BaseModel):
    code: str
    expires_in: int
