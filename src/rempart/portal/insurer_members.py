"""The insurer staff's member lookup: the exact card tuple and a stated reason in, the
member masked out; "show the full identity" posts the same card and reason again to the
reveal. Both call the registry's use cases (own members only, shield, audit, reason on
record); the page never holds a list, a search box or a partial match."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from rempart.deps import PlatformDep, ShieldDep, permitted
from rempart.identity.permissions import Actor, Permission
from rempart.portal import forms
from rempart.portal.forms import FormData, FormDep
from rempart.portal.rendering import PageRoute, render
from rempart.registry.member_lookup import (
    LookupReason,
    MaskedMember,
    MemberCard,
    RevealedMember,
    StatedReason,
    look_up_member,
    reveal_member,
)

# Mounted under the insurer router (`insurer.router`, prefix /insurer).
router = APIRouter(prefix="/members", route_class=PageRoute, include_in_schema=False)
LookingUp = Annotated[Actor, Depends(permitted(Permission.MEMBER_LOOKUP))]
# A full identity is what a phished password must not yield: a fresh passkey or Pro
# Santé Connect first (the page offers the step-up button on the refusal).
Revealing = Annotated[Actor, Depends(permitted(Permission.MEMBER_LOOKUP, step_up=True))]


def _card(form: FormData) -> MemberCard:
    return MemberCard(
        insured_nir=forms.text(form, "insured_nir", max_length=21).replace(" ", ""),
        birth_date=forms.text(form, "birth_date", max_length=8),
        birth_rank=forms.integer(form, "birth_rank", low=1, high=9, default=1),
        amc_number=forms.text(form, "amc_number", max_length=9),
        member_number=forms.text(form, "member_number", max_length=20),
    )


def _reason(form: FormData) -> StatedReason:
    return StatedReason.parse(form.get("reason"), form.get("case_reference"))


@router.get("", response_class=HTMLResponse)
def lookup_page(request: Request, actor: LookingUp) -> HTMLResponse:
    """The form alone: nothing is read until a card and a reason are given."""
    return render(
        request, "insurer/members.html", actor=actor, amc=actor.amc_number, reasons=LookupReason
    )


def _answer(
    request: Request,
    actor: Actor,
    card: MemberCard,
    reason: StatedReason,
    *,
    member: MaskedMember | None,
    revealed: RevealedMember | None = None,
) -> HTMLResponse:
    """The answer beside the form: nobody, the member masked (with the reveal form
    carrying the same card and reason), or the member revealed."""
    return render(
        request,
        "insurer/partials/member.html",
        actor=actor,
        member=member,
        revealed=revealed,
        card=card,
        reason=reason,
    )


@router.post("/lookup", response_class=HTMLResponse)
def lookup(
    request: Request, actor: LookingUp, platform: PlatformDep, shield: ShieldDep, form: FormDep
) -> HTMLResponse:
    reason, card = _reason(form), _card(form)
    member = look_up_member(
        uow=platform.uow(), actor=actor, shield=shield, card=card, reason=reason
    )
    return _answer(request, actor, card, reason, member=member)


@router.post("/reveal", response_class=HTMLResponse)
def reveal(
    request: Request, actor: Revealing, platform: PlatformDep, shield: ShieldDep, form: FormDep
) -> HTMLResponse:
    reason, card = _reason(form), _card(form)
    revealed = reveal_member(
        uow=platform.uow(), actor=actor, shield=shield, card=card, reason=reason
    )
    masked = None if revealed is None else revealed.masked
    return _answer(request, actor, card, reason, member=masked, revealed=revealed)
