"""Demo workshop series (called by `manage.py seed_demo` after the cohorts demo).

- Intrapreneur for Change, cohort 3 (completed): a series in the past, every session with
  attendance (mostly present, some late, an absence), feedback for every workshop.
- Intrapreneur for Change, cohort 4 (running): the first workshop done (attendance, feedback),
  the second in six days (reminders are due), the third in two months, an optional
  learning-exchange forum waiting for RSVPs, a material, the staff's own reminder text.
- Social Incubator, cohort 2: a preparation series in the future, a month apart.

A series is made only for a cohort that has none, so a second run changes nothing. The
services make the series and registrations (no email is queued by them); attendance and
feedback are written directly so that they can be dated in the past.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from cohorts.models import Cohort, Participant
from workshops.enums import AttendanceStatus, Rsvp
from workshops.models import Attendance, Feedback, Material, ReminderText, Session, Workshop, WorkshopSeries
from workshops.services.series import Topic, registrations_sync, series_create_from_template

LEARNED = [
    "การตั้งเป้าประสงค์และวิสัยทัศน์ที่ทีมเห็นร่วมกัน",
    "วิธีคิดต้นทุนต่อหน่วยผลลัพธ์ (impact unit cost) ของกิจกรรมหลัก",
    "การคุยกับทีมเรื่องบทบาทในช่วงเปลี่ยนผ่านอย่างเปิดใจ",
    "เครื่องมือวางแผนกลยุทธ์แบบง่ายที่นำไปใช้ในชุมชนได้",
]
WILL_TRY = [
    "ทดลองแผนกลยุทธ์กับกลุ่มแม่บ้านในพื้นที่ร่วมกับโค้ช",
    "คำนวณต้นทุนต่อหน่วยผลลัพธ์ของโครงการธนาคารปูม้า",
    "จัดประชุมทีมทุกเดือนเพื่อทบทวนบทบาทและภาระงาน",
    "เก็บข้อมูลผลลัพธ์ก่อนเวิร์กช็อปครั้งถัดไป",
]
SI_TOPICS = [
    Topic("ทำความเข้าใจปัญหาและผู้ได้รับผลกระทบ", "Understanding the problem and the people it touches"),
    Topic("ออกแบบและทดลองไอเดีย", "Designing and testing the idea"),
    Topic("วางแผนทดลองทำจริงและเก็บข้อมูล", "Planning the test run and collecting data"),
]


def seed(*, users: dict, today) -> list[str]:
    made = []
    plans = [
        ("ifc-2025", today - timedelta(days=480), {}),
        ("ifc-2026", today - timedelta(days=50), {}),
        ("si-2026", today + timedelta(days=20), {"topics": SI_TOPICS, "weeks_apart": 4, "days_per_workshop": 1}),
    ]
    for slug, starts_on, options in plans:
        cohort = Cohort.objects.filter(slug=slug).first()
        if cohort is None or WorkshopSeries.objects.filter(cohort=cohort).exists():
            continue
        series = series_create_from_template(
            cohort=cohort, starts_on=starts_on, venue="ศูนย์ประชุมและฝึกอบรม", province="TH-40", **options
        )
        if slug == "ifc-2026":
            _extend_running(series, users)
        _attendance_and_feedback(series)
        made.append(slug)
    series_count = WorkshopSeries.objects.count()
    lines = [f"workshop series: {series_count} (past, running, future); participants see them at /workshops/"]
    if made:
        lines.append("workshop series made now: " + ", ".join(made))
    return lines


def _extend_running(series: WorkshopSeries, users: dict) -> None:
    """Cohort 4: an optional forum, a material, the staff's reminder text, the demo people in."""
    cohort = series.cohort
    for email in ("leader@incubator.local", "coach@incubator.local"):
        user = users.get(email)
        if user is not None:
            Participant.objects.get_or_create(
                cohort=cohort,
                user=user,
                defaults={"role": "organisation_leader" if "leader" in email else "intrapreneur"},
            )
    forum_day = series.starts_on + timedelta(weeks=24)
    forum = Workshop.objects.create(
        series=series,
        order=4,
        title="เวทีแลกเปลี่ยนเรียนรู้",
        title_en="Learning-exchange forum",
        description="แลกเปลี่ยนบทเรียนจากทุกพื้นที่ร่วมกับทีมวิจัย",
        description_en="Lessons from every site, with the research team.",
        starts_on=forum_day,
        ends_on=forum_day,
        venue="หอประชุมมหาวิทยาลัยขอนแก่น",
        province="TH-40",
        required=False,
    )
    from workshops.services.series import DAY_SESSIONS, at_bangkok

    Session.objects.create(
        workshop=forum,
        title="เวทีแลกเปลี่ยน",
        starts_at=at_bangkok(forum_day, DAY_SESSIONS[0][0]),
        ends_at=at_bangkok(forum_day, DAY_SESSIONS[1][1]),
        room="ห้องประชุมใหญ่",
    )
    first = series.workshops.get(order=1)
    Material.objects.create(
        workshop=first,
        title="แผ่นงานกลยุทธ์ (Strategy canvas)",
        file=ContentFile(_canvas_pdf(), name="strategy-canvas.pdf"),
    )
    ReminderText.objects.create(
        series=series,
        language="th",
        body="สวัสดีค่ะ {name} ทีมงานรอพบท่านที่ {place} เวลา {start} หากเดินทางไม่สะดวกโปรดแจ้งทีมงานล่วงหน้า",
    )
    registrations_sync(series=series)
    # One person has already said they cannot come to the forum.
    registration = forum.registrations.order_by("pk").first()
    if registration is not None:
        registration.rsvp, registration.reason = Rsvp.NO, "ติดภารกิจประชุมประจำปีขององค์กร"
        registration.save(update_fields=["rsvp", "reason"])


def _attendance_and_feedback(series: WorkshopSeries) -> None:
    now = timezone.now()
    participants = list(Participant.objects.filter(cohort=series.cohort, is_active=True).order_by("pk"))
    statuses = [AttendanceStatus.PRESENT] * 6 + [AttendanceStatus.LATE, AttendanceStatus.EXCUSED]
    rows = []
    for index, session in enumerate(Session.objects.filter(workshop__series=series, ends_at__lt=now).order_by("pk")):
        for number, participant in enumerate(participants):
            if number == len(participants) - 1 and index % 4 == 0:
                continue  # the last person missed some sessions: flagged if they missed a whole workshop
            status = statuses[(index + number) % len(statuses)]
            rows.append(
                Attendance(session=session, participant=participant, status=status, marked_at=session.starts_at)
            )
    Attendance.objects.bulk_create(rows, ignore_conflicts=True)
    feedback = []
    for workshop in series.workshops.all():
        last = workshop.sessions.order_by("-ends_at").first()
        if last is None or last.ends_at > now:
            continue
        for number, participant in enumerate(participants[:-1]):
            feedback.append(
                Feedback(
                    workshop=workshop,
                    participant=participant,
                    learned=LEARNED[(number + workshop.order) % len(LEARNED)],
                    will_try=WILL_TRY[(number + workshop.order) % len(WILL_TRY)],
                    rating=[5, 4, 5, 3, 4][(number + workshop.order) % 5],
                    submitted_at=last.ends_at + timedelta(hours=20),
                )
            )
    Feedback.objects.bulk_create(feedback, ignore_conflicts=True)


def _canvas_pdf() -> bytes:
    """A one-page PDF worksheet (materials are checked like every upload: a PDF, not text)."""
    import io

    from PIL import Image, ImageDraw

    page = Image.new("RGB", (842, 595), "white")
    draw = ImageDraw.Draw(page)
    for index, heading in enumerate(("Purpose", "Goals", "Vision", "Strategy")):
        left = 20 + index * 205
        draw.rectangle((left, 60, left + 195, 575), outline="black", width=2)
        draw.text((left + 10, 70), heading, fill="black")
    draw.text((20, 20), "Strategy canvas", fill="black")
    output = io.BytesIO()
    page.save(output, format="PDF")
    return output.getvalue()
