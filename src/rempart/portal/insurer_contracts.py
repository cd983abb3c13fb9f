"""The insurer staff's contracts and guarantees editor: the list, one contract's form,
a new contract's form, and the save. The form's lines are read here into the registry's
`Contract`; the rules (contrat responsable, a code that must be new or must exist) stay
with the registry's use cases, and a responsible-contract refusal is drawn next to the
form with one message per line at fault, each linking to its field."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse

from rempart.deps import PlatformDep, ShieldDep, permitted
from rempart.identity.permissions import Actor, Permission
from rempart.kernel.errors import InvalidInput
from rempart.portal import forms
from rempart.portal.forms import FormData, FormDep
from rempart.portal.insurer_messages import GUARANTEE_PARTS
from rempart.portal.rendering import PageRoute, render
from rempart.registry import contracts
from rempart.registry.domain import CareCategory, Contract, GuaranteeLine, RuleKind
from rempart.rights.responsible import ResponsibleContractRefused

# Mounted under the insurer router (`insurer.router`, prefix /insurer).
router = APIRouter(prefix="/contracts", route_class=PageRoute, include_in_schema=False)
Manager = Annotated[Actor, Depends(permitted(Permission.CONTRACT_MANAGE))]
ContractCode = Annotated[str, Path(max_length=20)]
_CODE = re.compile(r"[A-Z0-9_-]{1,20}")
UNPROCESSABLE = 422


def _field(category: CareCategory, part: str) -> str:
    return f"g-{category.value}-{part}"


def _optional_cents(form: FormData, name: str) -> int | None:
    return forms.euros(form, name) if form.get(name) else None


def guarantee_line(form: FormData, category: CareCategory) -> GuaranteeLine | None:
    """The category's row of the form; None when its rule is left empty."""
    chosen = form.get(_field(category, "kind"))
    if not chosen:
        return None
    try:
        kind = RuleKind(chosen)
    except ValueError:
        raise InvalidInput(
            "choose the rule from the list", field=_field(category, "kind")
        ) from None
    rate = form.get(_field(category, "rate"))
    renewal = _field(category, "renewal")
    values = {
        "rate_bp": forms.percent(_field(category, "rate"), rate) if rate else None,
        "amount_cents": _optional_cents(form, _field(category, "amount")),
        "yearly_ceiling_cents": _optional_cents(form, _field(category, "ceiling")),
        "renewal_months": (
            forms.integer(form, renewal, low=0, high=120) if form.get(renewal) else None
        ),
    }
    try:
        return GuaranteeLine(category, kind, **values)
    except InvalidInput as refused:
        # The rule needs its figure: a rate for a percentage, an amount for a fixed rule.
        percentage = kind in (RuleKind.PERCENT_OF_BR, RuleKind.PERCENT_OF_TM)
        part = "rate" if percentage else "amount"
        raise InvalidInput(refused.message, field=_field(category, part)) from None


def contract_from(form: FormData) -> Contract:
    code = forms.text(form, "code", max_length=20).upper()
    if not _CODE.fullmatch(code):
        raise InvalidInput("code has 1-20 capital letters, digits, - or _", field="code")
    lines = (guarantee_line(form, category) for category in CareCategory)
    return Contract(
        code=code,
        label=forms.text(form, "label", max_length=200),
        responsible=form.get("responsible") == "yes",
        guarantees=tuple(line for line in lines if line is not None),
    )


def _form_page(request: Request, actor: Actor, contract: Contract | None) -> HTMLResponse:
    return render(
        request,
        "insurer/contract.html",
        actor=actor,
        contract=contract,
        lines={} if contract is None else {g.category: g for g in contract.guarantees},
        categories=tuple(CareCategory),
        kinds=tuple(RuleKind),
        parts=tuple(GUARANTEE_PARTS),
    )


@router.get("", response_class=HTMLResponse)
def contracts_page(
    request: Request, actor: Manager, platform: PlatformDep, shield: ShieldDep
) -> HTMLResponse:
    listed = contracts.list_contracts(uow=platform.uow(), actor=actor, shield=shield)
    return render(
        request, "insurer/contracts.html", actor=actor, amc=actor.amc_number, contracts=listed
    )


@router.get("/new", response_class=HTMLResponse)
def new_contract_page(request: Request, actor: Manager) -> HTMLResponse:
    """An empty form: nothing is read."""
    return _form_page(request, actor, None)


@router.get("/{contract_code}", response_class=HTMLResponse)
def contract_page(
    request: Request,
    contract_code: ContractCode,
    actor: Manager,
    platform: PlatformDep,
    shield: ShieldDep,
) -> HTMLResponse:
    contract = contracts.read_contract(
        uow=platform.uow(), actor=actor, shield=shield, code=contract_code
    )
    return _form_page(request, actor, contract)


@router.post("", response_class=HTMLResponse)
def save_contract(
    request: Request, actor: Manager, platform: PlatformDep, shield: ShieldDep, form: FormDep
) -> HTMLResponse:
    contract = contract_from(form)
    try:
        contracts.save_contract(
            uow=platform.uow(),
            actor=actor,
            shield=shield,
            contract=contract,
            creating=form.get("mode") != "edit",
        )
    except ResponsibleContractRefused as refused:
        # Drawn with one message per line at fault (the generic refusal names one field).
        return render(
            request,
            "insurer/partials/contract_refused.html",
            actor=actor,
            status=UNPROCESSABLE,
            refused=refused,
        )
    return render(request, "insurer/partials/contract_saved.html", actor=actor, contract=contract)
