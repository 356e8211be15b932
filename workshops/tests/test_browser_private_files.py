"""Browser journeys for private files (issue 12, items 9 and 10): staff add a workshop material
in the admin (a script in an HTML file is refused with a message; a PDF is kept), a
participant downloads it from the timeline on a phone under its Thai title, and staff of
another program get nothing from the admin's link."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cohorts import enums
from cohorts.services.staff import staff_grant_program_role
from cohorts.tests.factories import CohortFactory, ParticipantFactory, ProgramFactory
from incubator.tests.factories import PASSWORD, UserFactory
from workshops.models import Material
from workshops.services.series import series_create_from_template

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def log_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def test_staff_add_a_material_and_a_participant_downloads_it_on_a_phone(page, live_server, tmp_path):
    browser = page.context.browser
    program = ProgramFactory()
    cohort = CohortFactory(program=program, status=enums.CohortStatus.RUNNING)
    staff = UserFactory(full_name="ศิริพร ผู้ประสานงาน")
    staff_grant_program_role(user=staff, program=program)
    person = ParticipantFactory(cohort=cohort, user=UserFactory(full_name="มาลี ผู้นำองค์กร"))
    series = series_create_from_template(cohort=cohort, starts_on=timezone.localdate() + timedelta(days=10))
    workshop = series.workshops.get(order=1)
    evil, slides = tmp_path / "slides.html", tmp_path / "slides.pdf"
    evil.write_bytes(b"<html><script>alert(document.cookie)</script></html>")
    slides.write_bytes(PDF)

    # Staff, on a laptop: the admin's workshop page, one material row.
    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    admin = desk.new_page()
    log_in(admin, staff.email)
    admin.goto(f"/admin/workshops/workshop/{workshop.pk}/change/")
    admin.locator("#materials-group .add-row a").click()
    admin.fill("input[name='materials-0-title']", "ใบงานกลยุทธ์")
    admin.set_input_files("input[name='materials-0-file']", str(evil))
    admin.locator("input[name=_continue]").click()
    expect(admin.locator("#materials-group .errorlist")).to_contain_text("ไม่รองรับไฟล์ประเภทนี้")
    assert not Material.objects.exists()
    admin.set_input_files("input[name='materials-0-file']", str(slides))
    admin.locator("input[name=_continue]").click()
    expect(admin.locator(".messagelist .success")).to_be_visible()
    material = Material.objects.get()
    expect(admin.locator(f"#materials-group a[href='/files/{material.file.name}']")).to_be_visible()
    desk.close()

    # The participant, on a phone: the timeline's material link.
    log_in(page, person.user.email)
    page.goto("/workshops/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="ใบงานกลยุทธ์").click()
    download = download_info.value
    assert download.suggested_filename == "ใบงานกลยุทธ์.pdf"
    assert Path(download.path()).read_bytes() == PDF

    # Staff of another program: the admin's link answers "not found".
    other = UserFactory()
    staff_grant_program_role(user=other, program=ProgramFactory())
    outsider = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    stranger = outsider.new_page()
    log_in(stranger, other.email)
    response = stranger.goto(f"/files/{material.file.name}")
    assert response.status == 404
    outsider.close()
