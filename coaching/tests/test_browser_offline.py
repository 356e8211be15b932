"""The coach in a village with weak or no signal: a phone (390x844), in Thai, Playwright's offline
mode. Each journey counts the visits the server made: exactly one, whatever the coach did."""

import re

import pytest
from playwright.sync_api import expect

from coaching.enums import VisitStatus
from coaching.models import Visit
from coaching.tests.test_browser import log_in, photo_file, wait_until
from incubator.tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def visits(observations: str):
    return Visit.objects.filter(observations=observations, status=VisitStatus.SUBMITTED)


def form_url(world) -> str:
    return f"/coaching/pairs/{world.match.pk}/visits/new/"


def test_visit_form_opened_from_a_link_survives_an_offline_reload(page, world, tmp_path):
    log_in(page, world.coach.email)
    page.goto(form_url(world))  # from an email or a bookmark: the first coaching page on this phone
    page.wait_for_selector("#visit-form[data-ready='1']")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.fill("input[name=visited_on]", "2026-11-30")
    page.fill("textarea[name=observations]", "เปิดจากลิงก์ในอีเมล")
    expect(page.get_by_test_id("save-status")).to_have_text(re.compile(r"\S"))
    page.wait_for_timeout(500)

    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#visit-form[data-ready='1']")
    expect(page.locator("h1")).to_contain_text(world.match.organisation.name)
    expect(page.locator("textarea[name=observations]")).to_have_value("เปิดจากลิงก์ในอีเมล")
    # The other pages of the coach are on the phone too, though never opened here.
    page.goto("/coaching/")
    expect(page.get_by_test_id("pair-card")).to_have_count(1)
    page.goto("/coaching/visits/mine/")
    expect(page.get_by_test_id("my-visits")).to_be_visible()
    page.goto(form_url(world))
    page.get_by_test_id("photo-input").set_input_files(photo_file(tmp_path))
    preview = page.get_by_test_id("photo-preview")
    expect(preview).to_have_count(1)
    # The preview shows the picture (the CSP lets the blob: image in).
    page.wait_for_function("document.querySelector('[data-testid=photo-preview]').naturalWidth > 0")


def test_send_then_back_then_send_makes_one_visit(page, world):
    log_in(page, world.coach.email)
    page.goto(form_url(world))
    page.wait_for_selector("#visit-form[data-ready='1']")
    page.fill("input[name=visited_on]", "2026-12-01")
    page.fill("textarea[name=observations]", "ส่งแล้วกดย้อนกลับ")
    client_id = page.input_value("input[name=client_id]")
    page.wait_for_timeout(500)  # kept on the phone (debounced)
    page.goto("/coaching/")
    page.go_back()  # and a reload: the same draft, the same client id
    page.wait_for_selector("#visit-form[data-ready='1']")
    page.reload()
    page.wait_for_selector("#visit-form[data-ready='1']")
    assert page.input_value("input[name=client_id]") == client_id
    expect(page.locator("textarea[name=observations]")).to_have_value("ส่งแล้วกดย้อนกลับ")
    page.get_by_test_id("submit-visit").click()
    expect(page.get_by_test_id("visit-title")).to_be_visible()
    assert visits("ส่งแล้วกดย้อนกลับ").count() == 1
    assert str(visits("ส่งแล้วกดย้อนกลับ").get().client_id) == client_id

    page.go_back()
    notice = page.get_by_test_id("already-sent")
    expect(notice).to_be_visible()
    expect(page.get_by_test_id("submit-visit")).to_be_hidden()
    # Even sent by a script, the form refuses to make a copy.
    page.evaluate("document.getElementById('visit-form').requestSubmit()")
    page.wait_for_timeout(500)
    assert visits("ส่งแล้วกดย้อนกลับ").count() == 1
    notice.get_by_test_id("open-sent-visit").click()
    expect(page.get_by_test_id("visit-observations")).to_have_text("ส่งแล้วกดย้อนกลับ")

    page.reload()
    page.go_back()
    expect(page.get_by_test_id("already-sent")).to_be_visible()
    # A new visit starts clean, with a new client id.
    page.get_by_test_id("start-new-visit").click()
    expect(page.locator("textarea[name=observations]")).to_have_value("")
    page.fill("input[name=visited_on]", "2026-12-02")
    page.fill("textarea[name=observations]", "ครั้งที่สอง")
    page.get_by_test_id("submit-visit").click()
    expect(page.get_by_test_id("visit-title")).to_be_visible()
    assert (visits("ส่งแล้วกดย้อนกลับ").count(), visits("ครั้งที่สอง").count()) == (1, 1)


def test_visit_queued_offline_is_sent_after_logging_in_again(page, world):
    context = page.context
    log_in(page, world.coach.email)
    page.goto(form_url(world))
    page.wait_for_selector("#visit-form[data-ready='1']")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    other = context.new_page()  # the session ends in another tab; this one does not know yet
    other.goto("/")
    with other.expect_navigation():
        other.evaluate("document.querySelector(\"form[action*='logout']\").submit()")
    other.close()

    context.set_offline(True)  # in the village
    page.fill("input[name=visited_on]", "2026-12-03")
    page.fill("textarea[name=observations]", "บันทึกตอนไม่มีสัญญาณ")
    page.get_by_test_id("submit-visit").click()
    expect(page.get_by_test_id("queued-message")).to_be_visible()
    context.set_offline(False)

    status = page.get_by_test_id("offline-status")
    expect(status.get_by_test_id("outbox-login")).to_be_visible()
    expect(status).to_contain_text("เข้าสู่ระบบ")
    page.evaluate("window.coachingOutbox.flush()")
    expect(status.get_by_test_id("outbox-login")).to_be_visible()  # kept, not dropped, not stuck
    assert visits("บันทึกตอนไม่มีสัญญาณ").count() == 0
    status.get_by_test_id("outbox-login").click()
    page.fill("input[name=login]", world.coach.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(form_url(world)) + "$"))  # back to the page it came from

    assert wait_until(lambda: visits("บันทึกตอนไม่มีสัญญาณ").count() == 1)
    expect(page.get_by_test_id("offline-status")).to_have_text("ส่งการเยี่ยมที่รอไว้เรียบร้อยแล้ว")
    page.evaluate("window.coachingOutbox.flush()")  # nothing left to send, nothing sent twice
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("offline-status")).to_have_text("ส่งการเยี่ยมที่รอไว้เรียบร้อยแล้ว")
    assert visits("บันทึกตอนไม่มีสัญญาณ").count() == 1


def test_a_visit_the_server_refuses_is_shown_with_its_reason_and_opens_to_be_fixed(page, world):
    log_in(page, world.coach.email)
    page.goto(form_url(world))
    page.wait_for_selector("#visit-form[data-ready='1']")
    page.context.set_offline(True)
    page.fill("textarea[name=observations]", "ลืมใส่วันที่")  # no date: the server refuses it
    page.get_by_test_id("submit-visit").click()
    expect(page.get_by_test_id("queued-message")).to_be_visible()
    page.context.set_offline(False)
    page.goto("/coaching/visits/mine/")

    stuck = page.get_by_test_id("outbox-stuck")
    expect(stuck).to_have_count(1)
    expect(stuck).to_contain_text(world.match.organisation.name)
    expect(page.get_by_test_id("phone-outbox-row")).to_have_count(1)
    stuck.get_by_test_id("outbox-retry").click()  # still refused: still shown, never dropped
    expect(page.get_by_test_id("outbox-stuck")).to_have_count(1)
    page.get_by_test_id("outbox-stuck").get_by_test_id("outbox-open").click()
    page.wait_for_selector("#visit-form[data-ready='1']")
    expect(page.locator("textarea[name=observations]")).to_have_value("ลืมใส่วันที่")
    expect(page.get_by_test_id("form-messages")).to_be_visible()
    page.fill("input[name=visited_on]", "2026-12-04")
    page.get_by_test_id("submit-visit").click()
    expect(page.get_by_test_id("visit-title")).to_be_visible()
    assert visits("ลืมใส่วันที่").count() == 1


def test_the_same_draft_in_a_second_tab_says_it_was_sent_and_makes_no_copy(page, world):
    log_in(page, world.coach.email)
    page.goto(form_url(world))
    page.wait_for_selector("#visit-form[data-ready='1']")
    page.fill("input[name=visited_on]", "2026-12-05")
    page.fill("textarea[name=observations]", "สองแท็บ")
    page.wait_for_timeout(500)  # kept on the phone (debounced)
    second = page.context.new_page()
    second.goto(form_url(world))
    second.wait_for_selector("#visit-form[data-ready='1']")
    expect(second.locator("textarea[name=observations]")).to_have_value("สองแท็บ")  # the same draft, the same id

    page.get_by_test_id("submit-visit").click()
    expect(page.get_by_test_id("visit-title")).to_be_visible()
    second.fill("textarea[name=challenges]", "พิมพ์ต่อในแท็บที่สอง")  # the server says it has this visit
    expect(second.get_by_test_id("already-sent")).to_be_visible()
    second.evaluate("document.getElementById('visit-form').requestSubmit()")
    second.wait_for_timeout(500)
    assert visits("สองแท็บ").count() == 1
    second.get_by_test_id("open-sent-visit").click()
    expect(second.get_by_test_id("visit-observations")).to_have_text("สองแท็บ")
