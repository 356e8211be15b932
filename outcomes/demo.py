"""Demo outcomes for `manage.py seed_demo` (idempotent): the finished cohort (ifc-2025) with its
baseline and the worksheets after each of the three workshops, and the baseline of the running
cohort (ifc-2026), whose visits already gave finance figures. Every worksheet is sent through
`worksheet_submit` by the organisation's leader with a fixed client id, so a second run
changes nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta

from cohorts.enums import ParticipantRole
from cohorts.models import Cohort, Participant
from outcomes.enums import WorksheetMoment
from outcomes.services.worksheets import worksheet_submit

DEMO_NAMESPACE = uuid.UUID("5d1b0c7e-3f7a-4c2e-9a61-7f0e2b6c4d13")

# (moment, workshop, days after the cohort starts, figures, note)
FINISHED = [
    (WorksheetMoment.BASELINE, 0, 5, {
        "vision_written": 0, "goals_with_measure": 1, "idea_stage": 2, "yearly_costs": 480000, "beneficiaries": 160,
        "grant_income_share": 85, "reserve_months": 1, "paid_staff": 3, "volunteers": 12, "second_line_leaders": 0,
        "wellbeing": 2,
    }, "ก่อนเข้าโครงการ ทีมพึ่งทุนให้เปล่าเป็นหลักและผู้นำทำงานเกือบทุกอย่างเอง"),
    (WorksheetMoment.AFTER, 1, 70, {"vision_written": 1, "goals_with_measure": 4, "idea_stage": 2},
     "เขียนวิสัยทัศน์ร่วมกับทีมและตั้งเป้าหมายที่วัดผลได้ 4 ข้อ"),
    (WorksheetMoment.AFTER, 2, 130, {
        "yearly_costs": 455000, "beneficiaries": 260, "grant_income_share": 70, "reserve_months": 2,
    }, "เริ่มขายผลไม้ปลอดสารผ่านร้านชุมชน รายได้จากการขายเพิ่มขึ้น"),
    (WorksheetMoment.AFTER, 3, 200, {
        "paid_staff": 4, "volunteers": 18, "second_line_leaders": 2, "wellbeing": 4, "idea_stage": 3,
    }, "มีผู้นำรุ่นที่สองสองคนดูแลงานขายและงานแปลง ผู้นำมีเวลาพักมากขึ้น"),
]  # fmt: skip

RUNNING_BASELINE = {
    "vision_written": 0, "goals_with_measure": 2, "idea_stage": 1, "grant_income_share": 90, "reserve_months": 1,
    "paid_staff": 2, "volunteers": 8, "second_line_leaders": 0, "wellbeing": 3,
}  # fmt: skip


def _leaders(cohort):
    return Participant.objects.filter(
        cohort=cohort, role=ParticipantRole.ORGANISATION_LEADER, is_active=True, organisation__isnull=False
    ).select_related("user", "organisation", "cohort__program")


def _send(cohort, leader, moment, number, day, figures, note) -> None:
    worksheet_submit(
        cohort=cohort, organisation=leader.organisation, moment=moment, workshop_number=number, by=leader.user,
        client_id=uuid.uuid5(DEMO_NAMESPACE, f"{cohort.slug}:{leader.organisation_id}:{moment}:{number}"),
        measured_on=day, values={code: str(value) for code, value in figures.items()}, note=note,
    )  # fmt: skip


def seed(*, users: dict, today) -> list[str]:
    lines = []
    finished = Cohort.objects.filter(slug="ifc-2025").first()
    if finished is not None:
        start = finished.starts_on or today - timedelta(days=400)
        for leader in _leaders(finished):
            for moment, number, days, figures, note in FINISHED:
                _send(finished, leader, moment, number, min(start + timedelta(days=days), today), figures, note)
        lines.append(f"outcomes: {finished.slug} with baseline and after-workshop figures; /outcomes/ (staff)")
    running = Cohort.objects.filter(slug="ifc-2026").first()
    if running is not None:
        start = running.starts_on or today - timedelta(days=60)
        for leader in _leaders(running):
            _send(running, leader, WorksheetMoment.BASELINE, 0, min(start + timedelta(days=3), today),
                  RUNNING_BASELINE, "ข้อมูลตั้งต้นจากการคุยกับทีมในวันเปิดโครงการ")  # fmt: skip
        lines.append(f"outcomes: {running.slug} baseline; leader@incubator.local fills the worksheets from /coaching/")
    return lines
