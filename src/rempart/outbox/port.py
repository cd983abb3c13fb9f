"""Where the relay delivers messages: a small port with a null, a file and a webhook
adapter, chosen by settings."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import httpx

from rempart.settings import Settings


@dataclass(frozen=True)
class OutboundMessage:
    id: str
    topic: str
    recipient_kind: str
    recipient_ref: str
    subject: str
    body: str
    created_at: datetime

    def as_json(self) -> bytes:
        payload = asdict(self) | {"created_at": self.created_at.isoformat()}
        return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()


class DeliveryFailed(Exception):
    """The adapter could not hand the message over; the relay will try again."""


class Sender(Protocol):
    def send(self, message: OutboundMessage) -> None: ...


class NullSender:
    """Keeps what it was given, for tests and for platforms with no delivery yet."""

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []

    def send(self, message: OutboundMessage) -> None:
        self.sent.append(message)


class FileSender:
    """One JSON file per message in a directory another system picks up (mail merge,
    a mail gateway). Written to a temporary name and renamed: a reader never sees half."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def send(self, message: OutboundMessage) -> None:
        self._directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        final = self._directory / f"{message.id}.json"
        partial = self._directory / f".{message.id}.json.partial"
        try:
            partial.write_bytes(message.as_json())
            os.replace(partial, final)
        except OSError as error:
            raise DeliveryFailed(
                f"cannot write to the outbox directory: {error.strerror}"
            ) from None


SIGNATURE_HEADER = "X-Rempart-Signature"


def webhook_signature(secret: bytes, body: bytes) -> str:
    """HMAC-SHA256 of the exact body, so the receiver can refuse forged or altered posts."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class WebhookSender:
    """POSTs each message as JSON, signed; any answer but 2xx is a failure to retry."""

    def __init__(self, url: str, secret: bytes, *, client: httpx.Client | None = None) -> None:
        self._url = url
        self._secret = secret
        self._client = client or httpx.Client(timeout=5.0)

    def send(self, message: OutboundMessage) -> None:
        body = message.as_json()
        try:
            response = self._client.post(
                self._url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: webhook_signature(self._secret, body),
                    "Idempotency-Key": message.id,
                },
            )
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"webhook unreachable: {type(error).__name__}") from None
        if not response.is_success:
            raise DeliveryFailed(f"webhook answered {response.status_code}")


def sender_for(settings: Settings) -> Sender:
    if settings.outbox == "null":
        return NullSender()
    if settings.outbox == "webhook":
        url, secret = settings.outbox_webhook_url, settings.outbox_webhook_secret
        if url is None or secret is None:  # the settings' own check refuses this
            raise ValueError("the webhook outbox needs a URL and a secret")
        return WebhookSender(url, secret.get_secret_value().encode())
    return FileSender(settings.effective_outbox_dir)
