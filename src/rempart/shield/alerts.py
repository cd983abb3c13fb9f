"""Alerts: what the shield tells the people who watch it. The port (`AlertSink`) and its
logging adapter; the stored sink, which also writes the alert table and the outbox, is
`rempart.shield.alerting.StoredAlertSink`.

An alert never carries an identifier of a person: its subject is an account or client
id (internal), a FINESS or AMC number (public), a channel, or nothing; its detail is
written by the shield from counts and codes, never from request data."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Alert:
    code: str
    severity: Severity
    detail: str
    subject_kind: str | None = None  # account | client | structure | channel | platform
    subject_ref: str | None = None
    detector: str | None = None  # the detector that fired, when one did
    rung: str | None = None  # the containment step taken, when one was


QUOTA_STORE_DOWN = "shield.quota-store-unreachable"
QUOTA_STORE_BACK = "shield.quota-store-recovered"
FEATURE_STORE_DOWN = "shield.feature-store-unreachable"
FEATURE_STORE_BACK = "shield.feature-store-recovered"


class AlertSink(Protocol):
    def raise_alert(self, alert: Alert) -> None: ...


_LEVELS = {
    Severity.INFO: logging.INFO,
    Severity.WARNING: logging.WARNING,
    Severity.HIGH: logging.ERROR,
    Severity.CRITICAL: logging.CRITICAL,
}


class LoggingAlertSink:
    """Alerts as log records, for the log pipeline to page on: the code, the severity,
    the detail (written by the shield, no request data)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger("rempart.shield.alerts")

    def raise_alert(self, alert: Alert) -> None:
        self._logger.log(_LEVELS[alert.severity], "%s: %s", alert.code, alert.detail)
