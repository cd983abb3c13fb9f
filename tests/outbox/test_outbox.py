"""The outbox: a message exists only if its transaction committed, and is delivered at
least once through the configured adapter."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from rempart.bootstrap import Platform
from rempart.kernel.errors import InvalidInput
from rempart.outbox.port import (
    SIGNATURE_HEADER,
    DeliveryFailed,
    FileSender,
    NullSender,
    OutboundMessage,
    WebhookSender,
    sender_for,
    webhook_signature,
)
from rempart.outbox.service import deliver_pending, enqueue, pending_count
from tests.conftest import NOW, make_settings


def _enqueue(platform: Platform, *, commit: bool, subject: str = "Coordonnées bancaires") -> None:
    with platform.uow() as uow:
        enqueue(
            uow,
            topic="structure:iban:changed",
            recipient_kind="structure",
            recipient_ref="010000001",
            subject=subject,
            body="Le compte de paiement de votre structure a été modifié.",
        )
        if commit:
            uow.commit()


class FlakySender:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[OutboundMessage] = []

    def send(self, message: OutboundMessage) -> None:
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("gateway down")
        self.sent.append(message)


def test_a_rolled_back_change_sends_nothing(platform: Platform) -> None:
    _enqueue(platform, commit=False)
    sender = NullSender()
    assert deliver_pending(uow=platform.uow(), sender=sender).delivered == 0
    assert sender.sent == []


def test_a_committed_message_is_delivered_once(platform: Platform) -> None:
    _enqueue(platform, commit=True)
    sender = NullSender()
    report = deliver_pending(uow=platform.uow(), sender=sender)
    assert (report.delivered, report.failed) == (1, 0)
    assert sender.sent[0].recipient_ref == "010000001"
    assert deliver_pending(uow=platform.uow(), sender=sender).delivered == 0
    assert len(sender.sent) == 1
    assert pending_count(uow=platform.uow()) == 0


def test_a_failed_delivery_stays_pending_and_is_retried(platform: Platform) -> None:
    _enqueue(platform, commit=True, subject="first")
    _enqueue(platform, commit=True, subject="second")
    sender = FlakySender(failures=1)
    report = deliver_pending(uow=platform.uow(), sender=sender)
    assert (report.delivered, report.failed) == (1, 1)
    assert pending_count(uow=platform.uow()) == 1
    assert deliver_pending(uow=platform.uow(), sender=sender).delivered == 1
    assert sorted(m.subject for m in sender.sent) == ["first", "second"]


def test_an_empty_message_is_refused(platform: Platform) -> None:
    with pytest.raises(InvalidInput), platform.uow() as uow:
        enqueue(
            uow, topic="t", recipient_kind="structure", recipient_ref="x", subject=" ", body="b"
        )


def test_the_file_adapter_writes_one_whole_json_file_per_message(
    sqlite_platform: Platform, tmp_path: Path
) -> None:
    _enqueue(sqlite_platform, commit=True)
    directory = tmp_path / "outbox"
    deliver_pending(uow=sqlite_platform.uow(), sender=FileSender(directory))
    (written,) = directory.iterdir()
    payload = json.loads(written.read_text())
    assert payload["id"] == written.stem
    assert payload["topic"] == "structure:iban:changed"
    assert not list(directory.glob(".*partial"))


def test_the_webhook_adapter_signs_the_exact_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    secret = b"webhook-test-secret"
    sender = WebhookSender(
        "https://hooks.example.test/rempart",
        secret,
        client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    message = OutboundMessage("m1", "t", "structure", "010000001", "s", "b", created_at=NOW)
    sender.send(message)
    (request,) = seen
    assert request.headers[SIGNATURE_HEADER] == webhook_signature(secret, request.content)
    assert request.headers["Idempotency-Key"] == "m1"


def test_a_webhook_error_is_a_retryable_failure() -> None:
    sender = WebhookSender(
        "https://hooks.example.test/rempart",
        b"k",
        client=httpx.Client(transport=httpx.MockTransport(lambda _: httpx.Response(503))),
    )
    with pytest.raises(DeliveryFailed, match="503"):
        sender.send(OutboundMessage("m1", "t", "structure", "r", "s", "b", created_at=NOW))


def test_settings_choose_the_adapter_and_refuse_an_unsigned_webhook(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert isinstance(sender_for(make_settings(tmp_path, url, outbox="null")), NullSender)
    assert isinstance(sender_for(make_settings(tmp_path, url)), FileSender)
    with pytest.raises(ValidationError, match="OUTBOX_WEBHOOK"):
        make_settings(tmp_path, url, outbox="webhook", outbox_webhook_url="https://x.test/h")
    hooked = make_settings(
        tmp_path,
        url,
        outbox="webhook",
        outbox_webhook_url="https://x.test/h",
        outbox_webhook_secret="s" * 32,
    )
    assert isinstance(sender_for(hooked), WebhookSender)
