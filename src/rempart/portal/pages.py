"""Public pages: the landing page. Nothing here reads personal data."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from rempart import __version__
from rempart.deps import SettingsDep

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def landing(request: Request, settings: SettingsDep) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "landing.html", {"version": __version__, "environment": settings.env.value}
    )
