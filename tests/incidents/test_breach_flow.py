"""The whole breach response over HTTP, on a scripted scraping: a phished professional
account runs rights checks for people whose cards it holds, and for strangers; the
incident team opens an incident on that account and window, scopes it, contains it,
notifies the insurers, and the platform DPO prepares the mail merge. The scoped set is
exactly the set of people answered to the attacker; the documents carry the right
counts; no identifier reaches any log."""

from __future__ import annotations

import csv
import io
import logging
import os
import stat
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from rempart.audit.models import AuditRecordRow
from rempart.identity.permissions import Role
from rempart.incidents.models import IncidentExposureRow, IncidentLogRow
from rempart.outbox.models import OutboxMessageRow

from .support import Scene, build_scene, scrape, work_normally

INCIDENTS = "/api/v1/incidents"


@pytest.fixture
def scene(tmp_path: Path, database_url: str) -> Scene:
    return build_scene(tmp_path, database_url)


def _secrets(scene: Scene) -> set[str]:
    """Every identifier of every person of the registry, as the logs must never show it."""
    found: set[str] = set()
    for line in scene.lines:
        found |= {line.insured_nir, line.birth_date, line.last_name, line.first_name}
        found.add(line.member_number)
        if line.beneficiary_nir:
            found.add(line.beneficiary_nir)
    return {s for s in found if len(s) >= 4}


def _files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in root.rglob("*") if p.is_file()}


def test_the_scope_is_exactly_who_was_answered_to_the_attacker(
    scene: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    attacked, theirs = scene.lines[:30], scene.lines[30:40]
    start = scene.web.clock.now()
    sent = scrape(scene, attacked, strangers=8)
    work_normally(scene, theirs)
    assert sent.answered, "the scraping must have been answered about some people"
    assert len(sent.answered) < len(attacked) + sent.strangers
    scene.later(timedelta(hours=1))
    end = scene.web.clock.now()

    # -- open and scope, as the security analyst -----------------------------------------------
    analyst = scene.browser(scene.analyst)
    opened = analyst.post(
        INCIDENTS,
        json={
            "kinds": ["confidentiality"],
            "description": "Compte de pharmacien hameçonné : vérifications de droits en rafale.",
            "detected_at": (end - timedelta(minutes=30)).isoformat(),
        },
    )
    assert opened.status_code == 201, opened.text
    incident = opened.json()
    assert incident["status"] == "open"
    assert incident["controller_target_hours"] == 24
    url = f"{INCIDENTS}/{incident['id']}"
    scoped = analyst.post(
        url + "/scoping",
        json={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "accounts": [str(scene.attacker)],
        },
    )
    assert scoped.status_code == 200, scoped.text
    scoping = scoped.json()
    expected = {scene.pseudonym(line) for line in sent.answered}
    with scene.platform.uow() as uow:
        stored = set(
            uow.session.scalars(
                select(IncidentExposureRow.pseudonym).where(
                    IncidentExposureRow.scoping_id == uuid.UUID(scoping["id"])
                )
            )
        )
    assert stored == expected  # strangers and the colleague's patients excluded
    by_amc = Counter(line.amc_number for line in sent.answered)
    assert {f["amc"]: f["people"] for f in scoping["by_amc"]} == dict(by_amc)
    assert scoping["people"] == len(expected)
    assert scoping["complete"]
    assert all(f["people_by_category"]["rights"] == f["people"] for f in scoping["by_amc"])

    # -- contain: the account is suspended through identity, its session goes with it ----------
    attacker_browser = scene.browser(scene.attacker)
    contained = analyst.post(
        url + "/containment",
        json={"kind": "suspend_account", "target": str(scene.attacker), "reason": "phished"},
    )
    assert contained.status_code == 200, contained.text
    # The shield's ladder may have suspended the scraper already.
    assert contained.json()["effect"] in ("done", "already_in_effect")
    assert attacker_browser.post("/api/v1/rights/checks", json={}).status_code == 401
    again = analyst.post(
        url + "/containment",
        json={"kind": "suspend_account", "target": str(scene.attacker), "reason": "twice"},
    )
    assert again.json()["effect"] == "already_in_effect"
    milestone = {"milestone": "contained", "at": end.isoformat()}
    assert analyst.post(url + "/milestones", json=milestone).status_code == 201

    # -- notify: the notices, drafts and letters; the notices queued to each insurer's DPO -------
    notified = analyst.post(url + "/notifications")
    assert notified.status_code == 200, notified.text
    assert {n["amc"]: n["people"] for n in notified.json()} == dict(by_amc)
    root = scene.platform.settings.effective_incident_documents_dir
    files = _files(root)
    reference = incident["reference"]
    for amc, people in by_amc.items():
        folder = root / reference / amc
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
        notice_pdf = folder / "notice-v1.pdf"
        assert stat.S_IMODE(os.stat(notice_pdf).st_mode) == 0o600
        text = "\n".join(page.extract_text() for page in PdfReader(notice_pdf).pages)
        assert f"Personnes concernées : {people}" in " ".join(text.split()), text
        letters = PdfReader(folder / "letters-0001.pdf")
        letters_text = "\n".join(page.extract_text() for page in letters.pages)
        assert letters_text.count(f"Référence à rappeler : {reference}-{amc}-") == people
        html = (folder / "letters-0001.html").read_text(encoding="utf-8")
        assert html.count("<article") == people
        assert (folder / "art33-draft-v1.pdf").exists()
    with scene.platform.uow() as uow:
        outbox = list(uow.session.scalars(select(OutboxMessageRow)))
        assert {(m.recipient_kind, m.recipient_ref) for m in outbox} >= {
            ("insurer_dpo", amc) for amc in by_amc
        }

    # -- the insurers' DPOs read their own notices, and only theirs ------------------------------
    first, *others = sorted(by_amc, key=lambda a: -by_amc[a])
    insurer_dpo = scene.web.account(Role.INSURER_DPO, "dpo-amc", amc_number=first)
    reader = scene.browser(insurer_dpo)
    listed = reader.get(f"/api/v1/insurers/{first}/incident-notices")
    assert listed.status_code == 200
    assert len(listed.json()) == 1
    detail = reader.get(f"/api/v1/insurers/{first}/incident-notices/{incident['id']}").json()
    assert f"Personnes concernées : {by_amc[first]}" in detail["notice_text"]
    assert "Environ" in detail["art33_draft"]
    if others:
        assert reader.get(f"/api/v1/insurers/{others[0]}/incident-notices").status_code == 403

    # -- the platform DPO re-identifies for the mail merge; an analyst may not -----------------
    assert analyst.post(url + "/mail-merge").status_code == 403
    dpo = scene.browser(scene.dpo)
    merged = dpo.post(url + "/mail-merge")
    assert merged.status_code == 200, merged.text
    assert {m["amc"]: (m["people"], m["unmatched"]) for m in merged.json()} == {
        amc: (n, 0) for amc, n in by_amc.items()
    }
    keys = set()
    for amc in by_amc:
        raw = (root / reference / amc / "mail-merge.csv").read_bytes().decode("utf-8-sig")
        for row in csv.DictReader(io.StringIO(raw), delimiter=";"):
            keys.add((row["numero_amc"], row["numero_adherent"], row["date_naissance_carte"]))
            assert row["reference_courrier"].startswith(f"{reference}-{amc}-")
    assert keys == {(x.amc_number, x.member_number, x.birth_date) for x in sent.answered}
    with scene.platform.uow() as uow:
        reidentified = uow.session.scalar(
            select(func.count()).where(AuditRecordRow.tag == "incidents:person:reidentified")
        )
    assert reidentified == len(expected)

    # -- the insured's view ------------------------------------------------------------------
    exposed, spared = sent.answered[0], theirs[0]
    for line, count in ((exposed, 1), (spared, 0)):
        person = scene.web.account(
            Role.INSURED, f"assure-{count}", beneficiary_id=scene.beneficiary_id(line)
        )
        mine = scene.browser(person).get("/api/v1/me/access-history/incidents")
        assert mine.status_code == 200, mine.text
        assert len(mine.json()) == count
        if count:
            (seen,) = mine.json()
            assert seen["reference"] == reference
            assert "rights" in seen["categories"]
            assert f"Référence à rappeler : {reference}-{exposed.amc_number}-" in seen["letter"]
            assert "hameçonnage" in seen["letter"]

    # -- close ---------------------------------------------------------------------------------
    closed = analyst.post(url + "/closure", json={"closure": "resolved", "reason": "done"})
    assert closed.status_code == 200, closed.text
    final = analyst.get(url).json()
    assert final["status"] == "closed"
    assert [e["kind"] for e in final["log"]] == [
        "opened",
        "scoped",
        "containment",
        "containment",
        "milestone",
        "controllers_notified",
        "letters_prepared",
        "closed",
    ]

    # -- no identifier anywhere it should not be ----------------------------------------------
    secrets = _secrets(scene)
    assert not [s for s in secrets if s in caplog.text]
    with scene.platform.uow() as uow:
        logged = " ".join(
            r.summary + r.details for r in uow.session.scalars(select(IncidentLogRow))
        )
        bodies = " ".join(m.body for m in uow.session.scalars(select(OutboxMessageRow)))
    assert not [s for s in secrets if s in logged or s in bodies]
    documents = " ".join(
        p.read_text(encoding="utf-8") for name, p in files.items() if name.endswith(".html")
    )
    assert not [s for s in secrets if s in documents]
