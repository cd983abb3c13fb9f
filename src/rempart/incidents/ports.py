"""The ports of the incident flow: closing one channel (the shield's channel brakes) and
putting documents where the insurers pick them up.

`ChannelBrakes` has no adapter in this package on purpose: a brake that pretends to close
a channel is worse than none. The shield's brakes implement it (`shield.wiring`); a
process built without them refuses to close a channel (`ChannelBrakesUnavailable`, HTTP
501) and records nothing as done."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

from rempart.identity.permissions import Actor, Channel
from rempart.kernel.errors import NotAvailable
from rempart.settings import Settings


class ChannelBrakes(Protocol):
    def close(self, channel: Channel, reason: str, *, actor: Actor) -> bool:
        """Close `channel` for everyone (the others keep running) until lifted, as
        `actor`; True when closed now, False when it was closed already; raise on
        failure. `reason` is the operator's, without personal data."""
        ...


class ChannelBrakesUnavailable(NotAvailable):
    code = "channel-brakes-unavailable"
    title = "Channel brakes are not available in this build"


def require_brakes(brakes: ChannelBrakes | None) -> ChannelBrakes:
    if brakes is None:
        raise ChannelBrakesUnavailable(
            "channel brakes are not available in this build: close the channel at the "
            "load balancer and record it as a decision"
        )
    return brakes


class DocumentSink(Protocol):
    """Where an incident's documents go, by incident reference and insurer."""

    def put(self, incident: str, amc: str, name: str, content: bytes) -> str:
        """Store one document; return where it went (for the log: no personal data)."""
        ...


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def _safe(part: str) -> str:
    if not _NAME.fullmatch(part) or ".." in part:
        raise ValueError("document path parts are plain names")
    return part


class FileDocumentSink:
    """A directory per incident and insurer under `root`, readable by the platform's
    user only (directories 0700, files 0600), each file written whole under a temporary
    name then renamed: whoever picks them up never reads half a letter."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def put(self, incident: str, amc: str, name: str, content: bytes) -> str:
        directory = self._root / _safe(incident) / _safe(amc)
        for level in (self._root, self._root / incident, directory):
            level.mkdir(mode=0o700, exist_ok=True, parents=True)
            os.chmod(level, 0o700)
        final = directory / _safe(name)
        partial = directory / f".{name}.partial"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.replace(partial, final)
        return f"{incident}/{amc}/{name}"


class NullDocumentSink:
    """Keeps documents in memory (tests, and platforms that only want the figures)."""

    def __init__(self) -> None:
        self.documents: dict[tuple[str, str, str], bytes] = {}

    def put(self, incident: str, amc: str, name: str, content: bytes) -> str:
        self.documents[(incident, amc, name)] = content
        return f"{incident}/{amc}/{name}"


def document_sink_for(settings: Settings) -> DocumentSink:
    if settings.incident_documents == "null":
        return NullDocumentSink()
    return FileDocumentSink(settings.effective_incident_documents_dir)
