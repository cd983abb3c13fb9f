"""The insurer staff's journey in a real browser (the system Chromium, as in
`test_browser`): sign in as the demo insurer staff member, look a member up by the card
with a reason (masked), reveal the identity, open a contract and see a contrat
responsable violation refused line by line, upload a rights file and find its run with
its report. axe-core on each page; the README's screenshot is docs/screenshots/insurer.png
(refreshed with REMPART_DOCS_SCREENSHOTS=1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..factories import france, statements, write_file
from .test_browser import (  # noqa: F401 - the module's server and browser fixtures
    Served,
    _axe,
    _no_errors,
    _page,
    _screenshot,
    chromium,
    served,
)

pytestmark = pytest.mark.browser


def test_insurer_staff_look_a_member_up_edit_a_contract_and_upload_a_rights_file(
    served: Served,  # noqa: F811 - the fixture imported above
    chromium: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    base = served.base
    card = served.world.card
    page = _page(chromium, served)
    page.goto(f"{base}/")
    page.click('button[data-persona="insurer-staff"]')
    page.wait_for_url(f"{base}/insurer")
    _axe(page, "insurer-statements")

    # The member, by the exact card and a stated reason: masked, then revealed.
    page.goto(f"{base}/insurer/members")
    _axe(page, "insurer-members")
    page.fill("#f-insured_nir", card.insured_nir)
    page.fill("#f-birth_date", card.birth_date)
    page.fill("#f-birth_rank", str(card.birth_rank))
    page.fill("#f-amc_number", card.amc_number)
    page.fill("#f-member_number", card.member_number)
    page.select_option("#f-reason", "member_request")
    page.fill("#f-case_reference", "DEMANDE-2026-118")
    page.click("#lookup-form button[type=submit]")
    page.wait_for_selector('[data-member="masked"]')
    assert card.insured_nir not in page.inner_text("#member-answer")
    page.click("#member-answer button[type=submit]")
    page.wait_for_selector('[data-member="revealed"]')
    assert card.insured_nir in page.inner_text("#member-answer")
    _axe(page, "insurer-member-revealed")
    _screenshot(page, "insurer", docs=True)

    # A contract: covering franchises breaks the contrat responsable rules.
    page.goto(f"{base}/insurer/contracts")
    _axe(page, "insurer-contracts")
    page.click("table.contracts tbody tr:first-child a")
    page.wait_for_selector("#contract-form")
    _axe(page, "insurer-contract")
    page.check("#f-responsible")
    page.select_option("#f-g-franchise-kind", "fixed_per_act")
    page.fill("#f-g-franchise-amount", "1,00")
    page.click("#contract-form button[type=submit]")
    page.wait_for_selector('[data-violation="RESP-COVERS-FRANCHISE"]')
    _axe(page, "insurer-contract-refused")
    _screenshot(page, "insurer-contract-refused")

    # A rights file with a line of another insurer: imported, that line rejected.
    lines = statements(france(60), beneficiaries=30)
    own = [line for line in lines if line.amc_number == card.amc_number][:5]
    other = next(line for line in lines if line.amc_number != card.amc_number)
    upload = write_file(tmp_path / "droits.csv", [*own, other])
    page.goto(f"{base}/insurer/imports")
    page.set_input_files("#f-rights_file", str(upload))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("[data-import-done]")
    assert page.get_attribute("[data-import-done]", "data-rejected") == "1"
    page.goto(f"{base}/insurer/imports")
    assert page.locator("tr[data-import] a[download]").count() >= 1
    _axe(page, "insurer-imports")
    _screenshot(page, "insurer-imports")
    _no_errors(served)
