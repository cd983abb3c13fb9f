"""Server-side sessions: the browser keeps a random token (in a `__Host-` cookie,
SameSite=Strict, set by the web layer); the database keeps its SHA-256 only, so a copy of
the table opens no session. Idle and absolute limits are enforced at every use; people
list and revoke their own sessions; all of an account's sessions end at once on
suspension or a change of factor."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, delete, select, update

from rempart.db.base import table_of
from rempart.db.uow import UnitOfWork
from rempart.identity.domain import SecurityTag
from rempart.identity.events import record_event
from rempart.identity.models import (
    ChallengeRow,
    DeviceRow,
    EnrolmentRow,
    PendingSignInRow,
    SessionRow,
)
from rempart.identity.permissions import Actor, ObjectKind, Permission, Target, authorize
from rempart.identity.tokens import new_token, token_digest
from rempart.kernel.errors import NotFound
from rempart.kernel.ids import new_id

COOKIE_NAME = "__Host-rempart-session"
TOUCH_INTERVAL = timedelta(minutes=1)


class Factor(StrEnum):
    PASSKEY = "passkey"
    PRO_SANTE_CONNECT = "psc"
    TOTP = "totp"  # the phishable fallback, from a known or confirmed device only
    # A demo persona's session (REMPART_ENV=development only, never in production): it
    # stands in for the passkey a real person would present, so that a visitor can walk
    # every journey, step-up included. The session list and history say "demo".
    DEMO = "demo"

    @property
    def phishing_resistant(self) -> bool:
        return self is not Factor.TOTP


class EndReason(StrEnum):
    SIGNED_OUT = "signed_out"
    REVOKED = "revoked"
    IDLE = "idle"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    FACTOR_CHANGED = "factor_changed"


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=15)
    absolute: timedelta = timedelta(hours=10)


@dataclass(frozen=True)
class LiveSession:
    id: uuid.UUID
    account_id: uuid.UUID
    factor: Factor
    created_at: datetime
    last_seen_at: datetime
    authenticated_at: datetime | None = None


def csrf_token(session_token: str) -> str:
    """The value unsafe requests authenticated by the session cookie must echo in a header
    (or a form field): derived from the secret token, so another site cannot know it."""
    mac = hashlib.sha256(b"rempart/csrf/v1|" + session_token.encode("ascii", "replace"))
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")


# A form whose body cannot be read before its sender is authenticated (a multipart
# upload) and that is sent without JavaScript carries no header: its action URL carries
# a ticket instead, bound to the session and to that URL's path, and short-lived (a URL
# may end up in a proxy's log; without the session's cookie it is worth nothing).
URL_TICKET_PARAM = "csrf_ticket"
URL_TICKET_LIFETIME_S = 1800


def url_csrf_ticket(session_token: str, *, path: str, now_seconds: float) -> str:
    expires = int(now_seconds) + URL_TICKET_LIFETIME_S
    return f"{expires}.{_ticket_mac(session_token, path, expires)}"


def url_csrf_ticket_valid(
    session_token: str, ticket: str, *, path: str, now_seconds: float
) -> bool:
    expires_text, _, mac = ticket.partition(".")
    if not expires_text.isdigit() or len(expires_text) > 12:
        return False
    expires = int(expires_text)
    if not now_seconds <= expires <= now_seconds + URL_TICKET_LIFETIME_S:
        return False
    return hmac.compare_digest(mac.encode(), _ticket_mac(session_token, path, expires).encode())


def _ticket_mac(session_token: str, path: str, expires: int) -> str:
    mac = hashlib.sha256(
        f"rempart/csrf-url/v1|{path}|{expires}|".encode() + session_token.encode("ascii", "replace")
    )
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")


def open_session(
    *,
    uow: UnitOfWork,
    account_id: uuid.UUID,
    factor: Factor,
    policy: SessionPolicy,
    authenticated_at: datetime | None = None,
) -> str:
    """After a successful phishing-resistant sign-in: a new token (never reused, so a
    session id planted before sign-in is worthless)."""
    token = new_token()
    with uow:
        now = uow.clock.now()
        uow.session.add(
            SessionRow(
                id=new_id(),
                account_id=account_id,
                token_hash=token_digest(token),
                factor=factor,
                created_at=now,
                authenticated_at=authenticated_at or now,
                last_seen_at=now,
                expires_at=now + policy.absolute,
                ended_at=None,
                end_reason=None,
            )
        )
        record_event(uow, account_id, account_id, SecurityTag.SESSION_OPENED)
        uow.commit()
    return token


def resume_session(*, uow: UnitOfWork, token: str, policy: SessionPolicy) -> LiveSession | None:
    """The live session a token opens, touched; None (and ended) when idle or expired."""
    with uow:
        return resume_within(uow, token, policy)


_SESSIONS = table_of(SessionRow)
# What resuming a session reads, in this order (`keep_alive` takes a row of them); the
# actor's read adds the account's columns after these.
LIVE_SESSION_COLUMNS = (
    _SESSIONS.c.id,
    _SESSIONS.c.account_id,
    _SESSIONS.c.factor,
    _SESSIONS.c.created_at,
    _SESSIONS.c.authenticated_at,
    _SESSIONS.c.last_seen_at,
    _SESSIONS.c.expires_at,
)
# Every request runs it: built once, the token's hash bound.
LIVE_BY_TOKEN = and_(
    _SESSIONS.c.token_hash == bindparam("token_hash"), _SESSIONS.c.ended_at.is_(None)
)
_LIVE_SESSION = select(*LIVE_SESSION_COLUMNS).where(LIVE_BY_TOKEN)
_THIS_SESSION = update(_SESSIONS).where(_SESSIONS.c.id == bindparam("session_id"))
_END = _THIS_SESSION.values(ended_at=bindparam("now"), end_reason=bindparam("reason"))
_TOUCH = _THIS_SESSION.values(last_seen_at=bindparam("now"))


def resume_within(uow: UnitOfWork, token: str, policy: SessionPolicy) -> LiveSession | None:
    """`resume_session` inside a unit of work the caller has entered (every request
    resolves its actor in one), committing only when the session row changes."""
    row = uow.session.execute(_LIVE_SESSION, {"token_hash": token_digest(token)}).first()
    return None if row is None else keep_alive(uow, row, policy)


def keep_alive(uow: UnitOfWork, row: Sequence[Any], policy: SessionPolicy) -> LiveSession | None:
    """A live session's row (`LIVE_SESSION_COLUMNS` first): None, and ended, when idle or
    expired; otherwise the session, its idle clock written at most once a minute."""
    session_id, last_seen_at, expires_at = row[0], row[5], row[6]
    now = uow.clock.now()
    reason = None
    if now >= expires_at:
        reason = EndReason.EXPIRED
    elif now - last_seen_at >= policy.idle:
        reason = EndReason.IDLE
    if reason is not None:
        uow.session.execute(_END, {"session_id": session_id, "now": now, "reason": reason})
        uow.commit()
        return None
    # The idle clock is written at most once a minute: a busy counter would otherwise
    # turn every read into a write. The idle limit holds to within that minute.
    if now - last_seen_at >= TOUCH_INTERVAL:
        uow.session.execute(_TOUCH, {"session_id": session_id, "now": now})
        uow.commit()
    return live_session(row, now)


def writes_due(row: Sequence[Any], now: datetime, policy: SessionPolicy) -> bool:
    """Whether `keep_alive` would write for this row now (end the session, or move its
    idle clock): most requests need neither, and no transaction."""
    last_seen_at: datetime = row[5]
    expires_at: datetime = row[6]
    return now >= expires_at or now - last_seen_at >= min(policy.idle, TOUCH_INTERVAL)


def live_session(row: Sequence[Any], now: datetime) -> LiveSession:
    """The session of a row `keep_alive` would keep as it is, seen `now`."""
    session_id, account_id, factor, created_at, authenticated_at = row[:5]
    return LiveSession(session_id, account_id, Factor(factor), created_at, now, authenticated_at)


def list_sessions(*, uow: UnitOfWork, actor: Actor) -> list[LiveSession]:
    authorize(
        actor, Permission.SECURITY_HISTORY_READ, Target(ObjectKind.ACCOUNT, str(actor.account_id))
    )
    with uow:
        rows = uow.session.scalars(
            select(SessionRow)
            .where(SessionRow.account_id == actor.account_id, SessionRow.ended_at.is_(None))
            .order_by(SessionRow.created_at)
        )
        return [
            LiveSession(r.id, r.account_id, Factor(r.factor), r.created_at, r.last_seen_at)
            for r in rows
        ]


def revoke_session(*, uow: UnitOfWork, actor: Actor, session_id: uuid.UUID) -> None:
    """One's own session only; another person's is 'not found' (nothing to learn)."""
    with uow:
        row = uow.session.get(SessionRow, session_id)
        if row is None or row.account_id != actor.account_id or row.ended_at is not None:
            raise NotFound("no such session")
        row.ended_at, row.end_reason = uow.clock.now(), EndReason.REVOKED
        record_event(uow, actor.account_id, actor.account_id, SecurityTag.SESSION_REVOKED)
        uow.commit()


def end_all_sessions(*, uow: UnitOfWork, account_id: uuid.UUID, reason: EndReason) -> int:
    """On suspension or a change of factor: every live session of the account ends."""
    with uow:
        result = uow.session.execute(
            update(SessionRow)
            .where(SessionRow.account_id == account_id, SessionRow.ended_at.is_(None))
            .values(ended_at=uow.clock.now(), end_reason=reason)
        )
        record_event(uow, account_id, None, SecurityTag.SESSIONS_ENDED)
        uow.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def withdraw_trust(
    uow: UnitOfWork,
    account_id: uuid.UUID,
    *,
    reason: EndReason,
    keep_session: uuid.UUID | None = None,
    forget_devices: bool = False,
) -> None:
    """In the caller's unit of work, after a change of factor or a suspension: every
    session but `keep_session` ends, and every pending sign-in, open ceremony and
    enrolment code of the account is forgotten — nothing obtained with the old factors
    outlives them. Trusted devices (browsers that signed in with a phishing-resistant
    factor) survive a change of factor but not a suspension."""
    now = uow.clock.now()
    ending = update(SessionRow).where(
        SessionRow.account_id == account_id, SessionRow.ended_at.is_(None)
    )
    if keep_session is not None:
        ending = ending.where(SessionRow.id != keep_session)
    uow.session.execute(ending.values(ended_at=now, end_reason=reason))
    forgotten = (PendingSignInRow, ChallengeRow, EnrolmentRow)
    for row in (*forgotten, DeviceRow) if forget_devices else forgotten:
        uow.session.execute(delete(row).where(row.account_id == account_id))


def purge_stale(*, uow: UnitOfWork) -> int:
    """Forget what can no longer be used: expired ceremonies, pending sign-ins and
    enrolment codes. Ended sessions are kept (each person's list of past sessions is
    their security history's evidence). For a periodic job; correctness never depends on
    it running."""
    with uow:
        now = uow.clock.now()
        forgotten = 0
        for row in (ChallengeRow, PendingSignInRow, EnrolmentRow):
            result = uow.session.execute(delete(row).where(row.expires_at <= now))
            forgotten += int(result.rowcount or 0)  # type: ignore[attr-defined]
        uow.commit()
        return forgotten
