"""How the portal renders: the Jinja2 environment, each request's language, the context
every page gets (CSRF token, navigation, formats), and refusals as pages or fragments.

The one mapping of business errors to HTTP lives in `rempart.problems`; this module only
draws what it decided: a full page for a navigation, a fragment for an HTMX request."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from rempart import __version__
from rempart.identity.permissions import Actor
from rempart.identity.sessions import (
    COOKIE_NAME,
    URL_TICKET_PARAM,
    csrf_token,
    url_csrf_ticket,
)
from rempart.portal.formats import Formats
from rempart.portal.forms import sent_from
from rempart.portal.messages import LANGUAGES, Translator
from rempart.portal.navigation import navigation
from rempart.problems import ProblemDetails

HERE = Path(__file__).parent
LANG_COOKIE = "__Host-rempart-lang"
STEP_UP = "step-up-required"  # the problem code of a refusal that a fresh passkey lifts
DEFAULT_LANGUAGE = "fr"
# Templates that are answers swapped into a page by HTMX (drawn whole without it).
FRAGMENTS = (
    "partials/",
    "pro/partials/",
    "insured/partials/",
    "security/partials/",
    "insurer/partials/",
)

_environment = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,  # a missing variable fails the tests, not a person's page
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_environment)


class PageRoute(APIRoute):
    """A portal route: its refusals are drawn as HTML rather than JSON problems."""


def negotiate(accept_language: str) -> str:
    """The best of our languages in an Accept-Language header (French when none fits)."""
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for part in accept_language.split(",")[:20]:
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES and quality > best_q:
            best, best_q = primary, quality
    return best


def request_language(request: Request) -> str:
    """The language chosen with the switch (a cookie), else the browser's preference."""
    chosen = request.cookies.get(LANG_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return negotiate(request.headers.get("accept-language", ""))


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


@dataclass(frozen=True)
class Chrome:
    """What the layout needs besides the page's own content."""

    lang: str
    csrf: str | None
    actor: Actor | None
    development: bool


def page_context(request: Request, actor: Actor | None) -> dict[str, Any]:
    lang = request_language(request)
    token = request.cookies.get(COOKIE_NAME)
    development: bool = request.app.state.platform.settings.is_development
    return {
        "lang": lang,
        "t": Translator(lang),
        "fmt": Formats(lang),
        "csrf": csrf_token(token) if token and actor is not None else None,
        "actor": actor,
        "nav": navigation(actor),
        "path": request.url.path,
        "page": page_path(request),
        "development": development,
        "version": __version__,
        "htmx": is_htmx(request),
    }


def ticketed(request: Request, path: str) -> str:
    """`path` with the session's ticket for a multipart form sent without JavaScript
    (`deps._url_ticket`); plain `path` outside a session."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return path
    now = request.app.state.platform.clock.now().timestamp()
    return f"{path}?{URL_TICKET_PARAM}={url_csrf_ticket(token, path=path, now_seconds=now)}"


def render(
    request: Request,
    template: str,
    *,
    actor: Actor | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    values = page_context(request, actor) | context
    if template.startswith(FRAGMENTS) and not values["htmx"]:
        # A form sent without JavaScript: the answer HTMX would swap in, inside a page
        # that stands for the form's page (its own forms go back there too).
        back = back_path(request)
        values |= {"fragment": template, "back": back, "page": back}
        template = "answer.html"
    return templates.TemplateResponse(
        request, template, values, status_code=status, headers=headers
    )


def local_path(value: str, fallback: str = "/") -> str:
    """Where to go back to: a path of this site only (never `//elsewhere` or a URL)."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 200:
        return fallback
    return value


def page_path(request: Request) -> str:
    """The page the person is on: for an HTMX request, the page that sent it (so that a
    form inside a swapped answer names its page, not the route that drew it)."""
    if is_htmx(request):
        current = urlsplit(request.headers.get("hx-current-url", ""))
        if current.netloc == request.url.netloc:
            return local_path(current.path, request.url.path)
    return request.url.path


def back_path(request: Request) -> str:
    """The page a form was sent from: its `back` field (every signed-in form carries its
    page: the app sends no Referer), else a same-site Referer, else home."""
    sent = sent_from(request)
    if sent:
        return local_path(sent, "/home")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc not in ("", request.url.netloc):
        return "/home"
    return local_path(referer.path, "/home")


def render_problem(request: Request, details: ProblemDetails) -> Response | None:
    """A refusal on a portal route, drawn: a fragment for HTMX (swapped where the answer
    would have gone), a full page otherwise. None for any other route."""
    if not isinstance(request.scope.get("route"), PageRoute):
        return None
    fields = details.extra.get("fields")
    field = details.extra.get("field")
    named = [str(f) for f in fields] if isinstance(fields, list) else []
    if isinstance(field, str):
        named.append(field)
    template = "partials/problem.html" if is_htmx(request) else "problem.html"
    step_up: dict[str, Any] = {}
    token = request.cookies.get(COOKIE_NAME)
    if details.code == STEP_UP and token:
        # A person signed in, asked for a fresh passkey: the page offers the ceremony
        # (its calls carry the session's CSRF token) and, once done, goes back.
        back = request.url.path if request.method == "GET" else back_path(request)
        step_up = {"csrf": csrf_token(token), "back": back}
    return render(
        request,
        template,
        status=details.status,
        problem=details,
        fields=named,
        **step_up,
    )
