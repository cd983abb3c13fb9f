"""Where each audience lands and what its menu holds.

Professionals, insured people, security analysts, insurer staff and insurer DPOs have
their pages; the other roles (platform administrator, platform DPO) land on their own
account's security page until theirs come."""

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
    NavItem("/pro/confirm-software", "nav.pro.software"),
    ACCOUNT,
)
INSURED = (
    NavItem("/insured", "nav.insured.rights"),
    NavItem("/insured/invoices", "nav.insured.invoices"),
    NavItem("/insured/access-history", "nav.insured.history"),
    ACCOUNT,
)

ANALYST = (
    NavItem("/security", "nav.security.alerts"),
    NavItem("/security/activity", "nav.security.activity"),
    NavItem("/security/containments", "nav.security.containments"),
    NavItem("/security/incidents", "nav.security.incidents"),
    ACCOUNT,
)
INSURER_STAFF = (
    NavItem("/insurer", "nav.insurer.statements"),
    NavItem("/insurer/contracts", "nav.insurer.contracts"),
    NavItem("/insurer/imports", "nav.insurer.imports"),
    NavItem("/insurer/members", "nav.insurer.members"),
    ACCOUNT,
)
INSURER_DPO = (NavItem("/insurer/notices", "nav.insurer.notices"), ACCOUNT)

HOMES: dict[Role, str] = {
    Role.PROFESSIONAL: "/pro",
    Role.STRUCTURE_ADMIN: "/pro",
    Role.INSURED: "/insured",
    Role.SECURITY_ANALYST: "/security",
    Role.INSURER_STAFF: "/insurer",
    Role.INSURER_DPO: "/insurer/notices",
}
MENUS: dict[Role, tuple[NavItem, ...]] = {
    Role.PROFESSIONAL: COUNTER,
    Role.STRUCTURE_ADMIN: COUNTER,
    Role.INSURED: INSURED,
    Role.SECURITY_ANALYST: ANALYST,
    Role.INSURER_STAFF: INSURER_STAFF,
    Role.INSURER_DPO: INSURER_DPO,
}


def home_of(actor: Actor) -> str:
    return HOMES.get(actor.role, ACCOUNT.href)


def navigation(actor: Actor | None) -> tuple[NavItem, ...]:
    if actor is None:
        return ()
    return MENUS.get(actor.role, (ACCOUNT,))
