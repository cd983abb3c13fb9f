"""The insurer staff's rights-file uploads: the past runs with their counts, an upload
(multipart, size-capped, read only once the caller is authorised), and each run's
rejected-lines report as CSV. The import is the registry's own use case, restricted to
the insurer the account is bound to; the file lives in a private temporary folder for
the time of the import and is removed with it."""

from __future__ import annotations

import re
import tempfile
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from rempart.deps import MULTIPART, PlatformDep, ShieldDep, media_type, permitted
from rempart.identity.permissions import Actor, Permission
from rempart.kernel.errors import InvalidInput
from rempart.portal.rendering import PageRoute, render, ticketed
from rempart.registry import insurer_imports
from rempart.registry.insurer_imports import MAX_UPLOAD_BYTES

# Mounted under the insurer router (`insurer.router`, prefix /insurer).
router = APIRouter(prefix="/imports", route_class=PageRoute, include_in_schema=False)
UPLOADS = "/insurer/imports"  # this router's path, under the insurer router
Importer = Annotated[Actor, Depends(permitted(Permission.RIGHTS_FILE_IMPORT))]
FIELD = "rights_file"
SUFFIXES = (".csv", ".jsonl", ".ndjson")
# The multipart envelope around the file: boundaries, headers, the CSRF-free fields.
ENVELOPE_BYTES = 16 * 1024
CHUNK = 64 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def stored_name(sent: str) -> str:
    """The name the file keeps in the import's records: its last path part, plain
    characters only, the extension that says its format kept."""
    base = _UNSAFE.sub("_", sent.replace("\\", "/").rsplit("/", 1)[-1]).strip("._") or "file"
    suffix = next((s for s in SUFFIXES if base.lower().endswith(s)), None)
    if suffix is None:
        raise InvalidInput("send a .csv or .jsonl rights file", field=FIELD)
    return base[-120:] if len(base) > 120 else base


def _declared_size(request: Request) -> int:
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise InvalidInput("send the file from the form (its size must be declared)", field=FIELD)
    if int(declared) > MAX_UPLOAD_BYTES + ENVELOPE_BYTES:
        raise InvalidInput(
            "the file is larger than 5 MiB: ask the operator to import it", field=FIELD
        )
    if media_type(request) != MULTIPART:
        raise InvalidInput("send the file from the upload form", field=FIELD)
    return int(declared)


async def _copy(upload: UploadFile, target: Path) -> None:
    written = 0
    with target.open("wb") as handle:
        while chunk := await upload.read(CHUNK):
            written += len(chunk)
            if written > MAX_UPLOAD_BYTES:
                raise InvalidInput(
                    "the file is larger than 5 MiB: ask the operator to import it", field=FIELD
                )
            handle.write(chunk)
    if written == 0:
        raise InvalidInput("the file is empty", field=FIELD)


@router.get("", response_class=HTMLResponse)
def imports_page(
    request: Request, actor: Importer, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    runs = insurer_imports.list_own_imports(uow=platform.uow(), actor=actor, shield=shield)
    return render(
        request,
        "insurer/imports.html",
        actor=actor,
        amc=actor.amc_number,
        runs=runs,
        max_bytes=MAX_UPLOAD_BYTES,
        action=ticketed(request, UPLOADS),
    )


@router.post("", response_class=HTMLResponse)
async def upload(
    request: Request, actor: Importer, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    """The body is read only here, after authentication, CSRF and the permission."""
    _declared_size(request)
    async with request.form(max_files=1, max_fields=4) as form:
        sent = form.get(FIELD)
        if not isinstance(sent, UploadFile) or not sent.filename:
            raise InvalidInput("choose the rights file to send", field=FIELD)
        name = stored_name(sent.filename)
        with tempfile.TemporaryDirectory(prefix="rempart-upload-") as folder:
            path = Path(folder) / name
            await _copy(sent, path)
            outcome = await run_in_threadpool(
                insurer_imports.import_own_rights_file,
                uow=platform.uow(),
                actor=actor,
                shield=shield,
                path=path,
                report_path=Path(folder) / "report.csv",
            )
    return render(
        request,
        "insurer/partials/import_done.html",
        actor=actor,
        outcome=outcome.imported,
        revoked=outcome.revoked,
        name=name,
    )


@router.get("/{run_id}/report")
def report(
    run_id: uuid.UUID, actor: Importer, platform: PlatformDep, shield: ShieldDep
) -> Response:
    name, text = insurer_imports.own_import_report(
        uow=platform.uow(), actor=actor, shield=shield, run_id=run_id
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
