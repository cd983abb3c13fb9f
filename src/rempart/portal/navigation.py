"""Where each audience lands and what its menu holds.

The extension point for the audiences still to come: the insurer and security pages add
their home and menu entries here (`HOMES`, `MENUS`), and `/home` sends their people
there. Until then those roles land on their own account's security page."""

from __future__ import annotations

from dataclasses import dataclass

from rempart.identity.permissions import Actor, Role


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str  # a message key


ACCOUNT = NavItem("/account/security", "nav.security")
COUNTER = (
    NavItem("/pro", "nav.pro.rights"),
    NavItem("/pro/invoices", "nav.pro.invoices"),
    NavItem("/pro/payments", "nav.pro.payments"),
    ACCOUNT,
)
INSURED = (
    NavItem("/insured", "nav.insured.rights"),
    NavItem("/insured/invoices", "nav.insured.invoices"),
    NavItem("/insured/access-history", "nav.insured.history"),
    ACCOUNT,
)

HOMES: dict[Role, str] = {
    Role.PROFESSIONAL: "/pro",
    Role.STRUCTURE_ADMIN: "/pro",
    Role.INSURED: "/insured",
}
MENUS: dict[Role, tuple[NavItem, ...]] = {
    Role.PROFESSIONAL: COUNTER,
    Role.STRUCTURE_ADMIN: COUNTER,
    Role.INSURED: INSURED,
}


def home_of(actor: Actor) -> str:
    return HOMES.get(actor.role, ACCOUNT.href)


def navigation(actor: Actor | None) -> tuple[NavItem, ...]:
    if actor is None:
        return ()
    return MENUS.get(actor.role, (ACCOUNT,))
