"""Every figure the attack range uses, in one dataclass, each with where it comes from.

"DOMAIN" is DOMAIN.md (the project's notes from public sources); "assumption"
marks a figure nobody measured for us: a plausible value, kept here so that it can be
argued with and changed in one place. Volumes are rights checks (IDB) sent to this
operator, not patients: a patient whose insurer another operator serves is checked
elsewhere."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, fields, replace
from datetime import date

# Hour weights of a working day, local time (Europe/Paris), index = hour 0-23. Zero: closed.
# Assumption: mornings and the end of the afternoon are the busy hours of a pharmacy
# counter, with a lunch dip (many pharmacies close 12:30-14:00 in small towns).
PHARMACY_HOURS = (
    0, 0, 0, 0, 0, 0, 0, 0, 0.3, 1.0, 1.3, 1.4, 1.0, 0.5, 0.8, 1.0, 1.1, 1.4, 1.5, 0.6,
    0, 0, 0, 0,
)  # fmt: skip
# Saturday: open 09:00-19:00, busier in the morning (assumption).
PHARMACY_SATURDAY_HOURS = (
    0, 0, 0, 0, 0, 0, 0, 0, 0, 1.3, 1.5, 1.5, 1.0, 0.4, 0.6, 0.8, 0.9, 0.9, 0.7, 0,
    0, 0, 0, 0,
)  # fmt: skip
# A doctor's or nurse's practice: consultations 08:00-19:00 with a lunch break (assumption).
PRACTICE_HOURS = (
    0, 0, 0, 0, 0, 0, 0, 0, 0.7, 1.0, 1.0, 1.0, 0.4, 0.2, 0.8, 1.0, 1.0, 1.0, 0.9, 0.3,
    0, 0, 0, 0,
)  # fmt: skip
# An optical shop: 09:30-19:00, Tuesday to Saturday (assumption).
OPTICAL_HOURS = (
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0.4, 1.0, 1.0, 0.6, 0.3, 0.9, 1.0, 1.0, 1.0, 0.8, 0,
    0, 0, 0, 0,
)  # fmt: skip


@dataclass(frozen=True)
class Parameters:
    # --- the synthetic France each seed builds -----------------------------------------
    # People imported through the real importer. The generator sizes the directory from
    # it: at 6,000 it makes 5 pharmacies, 3 medical practices and 2 optical shops.
    beneficiaries: int = 6_000
    # Honeytokens planted among them (a copy of the data holds them; no counter does).
    # Assumption: rare enough never to cost a legitimate lookup, a few per insurer file.
    honeytoken_share: float = 0.001
    # Structures of the generated directory that work in the simulation: the pharmacies
    # with the most, the fewest and a middling number of pharmacists (large and small).
    pharmacies: int = 3
    medical_practices: int = 2
    optical_shops: int = 1
    # The Monday the attacks start on (a winter Monday: the busiest kind of day). The
    # legitimate workload runs the `--days` days before it: the accounts' history.
    attack_day: date = date(2026, 12, 7)
    timezone: str = "Europe/Paris"

    # --- volumes: rights checks a working day ----------------------------------------
    # A pharmacy's mean day, by number of pharmacists in the directory: (count, low,
    # high), the mean drawn uniformly in the band once per seed. DOMAIN: "a pharmacy
    # sees roughly 100-400 patients a day (unverified)"; pharmacies use tiers payant for
    # ~93% of acts. A one-pharmacist pharmacy sits at the low end (assumption).
    pharmacy_day: tuple[tuple[int, int, int], ...] = (
        (1, 60, 120),
        (2, 110, 200),
        (3, 180, 300),
        (4, 250, 400),
    )
    # Other professionals, per person (assumption: a GP sees 20-30 patients a day, and
    # only those whose complementary insurer is served in tiers payant are checked; a
    # specialist fewer; a nurse's rounds; an optician's orders).
    gp_day: tuple[int, int] = (6, 18)
    specialist_day: tuple[int, int] = (4, 12)
    nurse_day: tuple[int, int] = (5, 14)
    optician_day: tuple[int, int] = (3, 10)
    # Multiplies every volume (tests run small worlds at a fraction).
    scale: float = 1.0
    # Day of the week (Monday first). Assumption: Monday is a pharmacy's busiest day
    # (the weekend's prescriptions), Saturday is shorter; Sundays are closed but for the
    # duty pharmacy.
    weekday_factor: tuple[float, ...] = (1.25, 1.0, 1.0, 1.0, 1.05, 0.8, 0.0)
    # Winter epidemics (flu, bronchiolitis, gastro-enteritis) raise a pharmacy's activity
    # in December-February (assumption: +15%).
    winter_factor: float = 1.15
    winter_months: tuple[int, ...] = (12, 1, 2)
    # Day-to-day variation of a structure's volume around its mean (standard deviation,
    # as a share of the mean; assumption).
    day_noise: float = 0.12

    # --- night and Sunday duty (pharmacies de garde) ------------------------------------
    # Each night, with this probability, one of the simulated pharmacies is the sector's
    # duty pharmacy, 20:00-08:45 (assumption: a sector shares the nights among a few
    # pharmacies), and serves a handful of urgent prescriptions.
    duty_night_probability: float = 0.5
    duty_night_checks: tuple[int, int] = (5, 20)
    # Each Sunday, with this probability, one of them is open 09:00-20:00.
    duty_sunday_probability: float = 0.5
    duty_sunday_checks: tuple[int, int] = (30, 80)

    # --- at the counter ---------------------------------------------------------------
    # Cards of people whose insurer this operator does not serve, or whose card is out
    # of date: they match nobody (assumption, a few percent).
    stranger_share: float = 0.02
    # A card misread (member number or birth rank keyed wrong): no match, then the card
    # is read again and checked correctly 10-60 s later (assumption).
    typo_share: float = 0.02
    # The harsher typing model: every misread member number wrong in its last digit (a
    # neighbour of the right one, as an enumeration's guess would be), to measure what
    # `lookups.enumeration` costs honest counters (assumption; off by default).
    typo_last_digit: bool = False
    # A second member of the family checked right after (a child's prescription).
    second_member_share: float = 0.08
    # Checks followed by an invoice, by kind of structure: a pharmacy invoices nearly all
    # it checks (the check is made to dispense; DOMAIN: tiers payant for ~93% of acts);
    # an optical shop invoices at delivery, days later (assumption).
    invoice_share_pharmacy: float = 0.96
    invoice_share_practice: float = 0.9
    invoice_share_optical: float = 0.5
    # Minutes between a check and its invoice (the software sends the invoice after the
    # sale; an optical shop's at delivery).
    invoice_delay_pharmacy: tuple[float, float] = (1, 20)
    invoice_delay_practice: tuple[float, float] = (0, 10)
    invoice_delay_optical: tuple[float, float] = (60, 7_200)
    # Families whose rights are not open any more mostly changed insurer and show another
    # card; this share still shows the old one (closed rights are answered, not invoiced).
    lapsed_card_share: float = 0.2
    # Each structure's regular patients: families drawn from the population, this many
    # times its mean day (assumption: most patients come back within weeks).
    patient_pool_days: float = 12.0
    # A counter refused with 429 waits Retry-After and tries again this many times, then
    # serves the patient without the check (a disrupted sale).
    retries: int = 2
    # Portal sessions end after this long idle (identity's default); the professional
    # signs in again with a passkey.
    session_idle_minutes: int = 15
    # Working pharmacies whose counters use counter software (an approved OAuth client,
    # `identity.clients`) instead of the portal, from the first day (drawn per seed
    # among those with an owner's account and pharmacists). Most French pharmacies send
    # tiers payant from their software; the range keeps the others on the portal, the
    # channel of the 2024 breaches (assumption). `stolen-client-key` needs one.
    software_pharmacies: int = 1

    # --- the security analysts ---------------------------------------------------------
    # Two analysts on duty (assumption: 08:00-20:00, Monday to Saturday, as the
    # pharmacies) look at the active containments every so often, and lift those they
    # find legitimate once they are this old (a call to the pharmacy, a look at the
    # evidence). Brakes and compromised accounts are never lifted in the range.
    analyst_hours: tuple[int, int] = (8, 20)
    analyst_days: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
    triage_every_minutes: int = 30
    triage_delay_minutes: int = 60

    # --- the attackers ----------------------------------------------------------------
    # Once every attacker of a scenario met a closed door, the range follows the work
    # around it this much longer (colleagues' disruption, the analysts' lifts), then
    # stops.
    observe_after_hours: float = 3.0
    # Attacks start on the attack day between these local hours (drawn per seed).
    attack_start_hours: tuple[float, float] = (9.5, 15.0)
    # Leaked identity lists: the share of people in them whose insurer this operator
    # serves (the others match nobody), and whether the list was copied from insurers'
    # member data (then it holds honeytokens like anyone else).
    leak_known_share: float = 0.85
    leak_holds_honeytokens: bool = True
    # Every lookup attacker holds a working phishing-resistant factor (an e-CPS obtained
    # by a phone scam: DOMAIN), so it steps up whenever asked: the worst case.
    attacker_steps_up: bool = True
    # The 2024 replay: one phished pharmacist account scraping as fast as it is let, a
    # script with a short random pause (seconds between lookups).
    replay_gap_s: tuple[float, float] = (0.5, 2.5)
    replay_hours: float = 8.0  # how long the simulation follows it at most
    # The slow scraper: one compromised pharmacist account paced under every quota (60 a
    # minute, 600 an hour, 3,000 a day) and under the cadence detector: random gaps
    # (exponential, so that it looks as irregular as a counter), never more than
    # `careful_cap` lookups in ten minutes (the detector counts 20), day and night:
    # about 80 an hour, 1,900 a day.
    slow_mean_gap_s: float = 45.0
    slow_hours: float = 30.0
    # The local hours it works, e.g. (21, 7) for nights only; None: day and night.
    slow_working_hours: tuple[int, int] | None = None
    careful_min_gap_s: float = 4.0
    careful_cap: int = 18
    # The distributed scraper: this many compromised pharmacist accounts (across the
    # simulated pharmacies), each from an address of its own, paced like the slow one.
    distributed_accounts: int = 5
    distributed_mean_gap_s: float = 40.0
    distributed_hours: float = 12.0
    # Enumeration with identifiers leaked earlier: the attacker knows the NIR, birth
    # date, rank, insurer and agreement type of these people but not their member
    # numbers, and guesses them next to member numbers it knows (round robin over the
    # people, so that no one NIR is tried many times in a row).
    enumeration_people: int = 300
    enumeration_guesses: int = 6
    enumeration_gap_s: tuple[float, float] = (0.5, 2.5)
    enumeration_hours: float = 8.0
    # A compromised platform administrator requesting accounts (professionals of the
    # directory, and platform administrators), one every so many seconds. The second
    # administrator reviews pending requests at 17:00 and approves those whose
    # requester no alert names.
    rogue_admin_gap_s: tuple[float, float] = (20.0, 90.0)
    rogue_admin_hours: float = 30.0
    review_hour: int = 17
    # IBAN change after a takeover of a pharmacy owner's account: the attacker asks for a
    # change to its own account, and again after each cancellation; the owner reads the
    # out-of-band notice and has a security analyst cancel it within these hours.
    iban_attempts: int = 4
    iban_retry_hours: tuple[float, float] = (2.0, 8.0)
    owner_reaction_hours: tuple[float, float] = (1.0, 20.0)
    payout_cooling_off_hours: int = 72  # the platform's default (REMPART_PAYOUT_...)
    payment_run_hour: int = 18  # a payment run every day at this local hour
    iban_hours: float = 96.0

    # --- targets (issue #7, item 6) ---------------------------------------------------
    replay_max_lookups: int = 50  # the 2024 replay, contained within this many lookups
    slow_max_hours: float = 24.0  # the slow scraper, contained within one working day
    false_positive_max: float = 0.001  # legitimate professional-days disrupted


def override(params: Parameters, assignments: list[str]) -> Parameters:
    """`name=value` assignments (the command's `--set`): numbers, booleans, dates,
    comma-separated tuples of numbers, `none` for an optional tuple."""
    hints = typing.get_type_hints(Parameters)
    known = {f.name for f in fields(Parameters)}
    changes: dict[str, typing.Any] = {}
    for assignment in assignments:
        name, sep, text = assignment.partition("=")
        name = name.strip()
        if not sep or name not in known:
            raise ValueError(f"--set takes name=value with a parameter's name: {assignment!r}")
        changes[name] = _parse(hints[name], text.strip(), name)
    return replace(params, **changes)


def _parse(kind: object, text: str, name: str) -> object:
    options = typing.get_args(kind) if isinstance(kind, types.UnionType) else ()
    if options:
        if text.lower() == "none" and type(None) in options:
            return None
        kind = next(option for option in options if option is not type(None))
    try:
        if kind is bool:
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("true", "1", "yes")
        if kind in (int, float, str):
            return kind(text)
        if kind is date:
            return date.fromisoformat(text)
        if typing.get_origin(kind) is tuple:
            items = typing.get_args(kind)
            item = items[0]
            if item not in (int, float):
                raise ValueError(text)
            values = tuple(item(part) for part in text.split(","))
            if items[-1] is not Ellipsis and len(values) != len(items):
                raise ValueError(text)
            return values
    except ValueError:
        raise ValueError(f"--set {name}: cannot read {text!r}") from None
    raise ValueError(f"--set {name}: this parameter cannot be set from the command line")
