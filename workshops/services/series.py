"""Creating a cohort's workshop series: from the template, or by cloning a past cohort's
timeline with every date shifted by the same amount; and registering participants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from cohorts.models import Cohort, Participant
from incubator.dates import BANGKOK, shift_date
from workshops.enums import Rsvp
from workshops.models import Material, Registration, ReminderText, Session, Workshop, WorkshopSeries


@dataclass(frozen=True)
class Topic:
    title: str
    title_en: str = ""
    description: str = ""
    description_en: str = ""
    preparation: str = ""


DEFAULT_TOPICS = (
    Topic(
        title="กลยุทธ์การขับเคลื่อนงานสังคม",
        title_en="Strategy for driving social change",
        description="เป้าประสงค์ เป้าหมาย วิสัยทัศน์ และกลยุทธ์ขององค์กร ทดลองใช้ในพื้นที่ร่วมกับโค้ช",
        description_en="Purpose, goals, vision and strategy; tested in the field with the coach.",
        preparation="ทบทวนเป้าหมายขององค์กรและนำแผนงานปัจจุบันมาด้วย",
    ),
    Topic(
        title="การคิดและวางแผนการเงินแบบผู้ประกอบการสังคม",
        title_en="Social-entrepreneur financial thinking and planning",
        description="ผลลัพธ์ทางสังคม (impact) และต้นทุนต่อหน่วยผลลัพธ์ (impact unit cost)",
        description_en="Impact and impact unit cost.",
        preparation="นำงบประมาณและรายงานการเงินปีล่าสุดขององค์กรมาด้วย",
    ),
    Topic(
        title="การบริหารและพัฒนาทีมในช่วงเปลี่ยนผ่าน",
        title_en="Managing and growing the team through transition",
        description="การบริหารคน การกระจายบทบาท และการดูแลทีมในช่วงเปลี่ยนผ่าน",
        description_en="Leading people, sharing roles and caring for the team through transition.",
        preparation="เขียนโครงสร้างทีมปัจจุบันและบทบาทของแต่ละคน",
    ),
)

# A two-day workshop: morning and afternoon sessions on each day (Bangkok time).
DAY_SESSIONS = ((time(9, 0), time(12, 0)), (time(13, 0), time(16, 30)))
WEEKS_APART = 8
DAYS_PER_WORKSHOP = 2


def at_bangkok(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=BANGKOK)


def session_title(*, day: int, number: int) -> str:
    """Generated titles are data, written in the programs' first language (Thai)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Day %(day)s, session %(number)s") % {"day": day, "number": number}


def series_create_from_template(
    *,
    cohort: Cohort,
    starts_on: date,
    topics: list[Topic] | tuple[Topic, ...] = DEFAULT_TOPICS,
    weeks_apart: int = WEEKS_APART,
    days_per_workshop: int = DAYS_PER_WORKSHOP,
    venue: str = "",
    province: str = "",
    by=None,
) -> WorkshopSeries:
    """The cohort's series in one step: one workshop per topic, `weeks_apart` weeks apart from
    `starts_on`, each `days_per_workshop` days with a morning and an afternoon session; then
    every accepted participant is registered for the required ones. Everything stays editable."""
    if not topics:
        raise ValidationError(_("Give at least one workshop topic."))
    if weeks_apart < 1 or not 1 <= days_per_workshop <= 7:
        raise ValidationError(_("Workshops must be at least a week apart and last one to seven days."))
    with transaction.atomic():
        if WorkshopSeries.objects.filter(cohort=cohort).exists():
            raise ValidationError(_("This cohort already has a workshop series."))
        series = WorkshopSeries(cohort=cohort, starts_on=starts_on)
        series.full_clean()
        series.save()
        for index, topic in enumerate(topics):
            first = shift_date(starts_on, weeks=weeks_apart * index)
            last = shift_date(first, days=days_per_workshop - 1)
            workshop = Workshop(
                series=series,
                order=index + 1,
                title=topic.title,
                title_en=topic.title_en,
                description=topic.description,
                description_en=topic.description_en,
                preparation=topic.preparation,
                starts_on=first,
                ends_on=last,
                venue=venue,
                province=province,
                required=True,
            )
            workshop.full_clean()
            workshop.save()
            sessions = []
            for day in range(days_per_workshop):
                for number, (start, end) in enumerate(DAY_SESSIONS, start=1):
                    sessions.append(
                        Session(
                            workshop=workshop,
                            title=session_title(day=day + 1, number=number),
                            starts_at=at_bangkok(shift_date(first, days=day), start),
                            ends_at=at_bangkok(shift_date(first, days=day), end),
                        )
                    )
            bulk_create_with_history(sessions, Session)
        registrations_sync(series=series)
    return series


def series_clone(*, source: WorkshopSeries, cohort: Cohort, starts_on: date, by=None) -> WorkshopSeries:
    """`cohort` takes `source`'s whole timeline (workshops, sessions, reminder settings and
    texts, materials), every date shifted by `starts_on - source.starts_on`. Cancelled
    sessions are left behind; attendance, feedback and registrations are the old cohort's."""
    shift = starts_on - source.starts_on
    with transaction.atomic():
        if WorkshopSeries.objects.filter(cohort=cohort).exists():
            raise ValidationError(_("This cohort already has a workshop series."))
        series = WorkshopSeries(
            cohort=cohort,
            starts_on=starts_on,
            reminder_offsets=list(source.reminder_offsets or []),
            rsvp_reminder_days=source.rsvp_reminder_days,
            followup_hours=source.followup_hours,
        )
        series.full_clean()
        series.save()
        ReminderText.objects.bulk_create(
            [
                ReminderText(series=series, language=text.language, body=text.body)
                for text in source.reminder_texts.all()
            ]
        )
        workshops = source.workshops.prefetch_related("sessions", "materials").order_by("order", "pk")
        for old in workshops:
            workshop = Workshop(
                series=series,
                order=old.order,
                title=old.title,
                title_en=old.title_en,
                description=old.description,
                description_en=old.description_en,
                starts_on=shift_date(old.starts_on, days=shift.days),
                ends_on=shift_date(old.ends_on, days=shift.days),
                venue=old.venue,
                province=old.province,
                online_url=old.online_url,
                facilitators=old.facilitators,
                preparation=old.preparation,
                required=old.required,
            )
            workshop.full_clean(exclude=["series"])
            workshop.save()
            bulk_create_with_history(
                [
                    Session(
                        workshop=workshop,
                        title=session.title,
                        starts_at=session.starts_at + shift,
                        ends_at=session.ends_at + shift,
                        room=session.room,
                        facilitator=session.facilitator,
                    )
                    for session in old.sessions.all()
                    if not session.is_cancelled
                ],
                Session,
            )
            Material.objects.bulk_create(
                [
                    Material(workshop=workshop, title=material.title, file=material.file.name)
                    for material in old.materials.all()
                ]
            )
        registrations_sync(series=series)
    return series


def registrations_sync(*, series: WorkshopSeries) -> int:
    """Register every active participant of the cohort for every workshop of the series:
    coming (yes) for required workshops, waiting for an RSVP for optional ones. Existing
    registrations (and answers) are kept. Returns how many were added."""
    participant_ids = list(
        Participant.objects.filter(cohort_id=series.cohort_id, is_active=True).values_list("pk", flat=True)
    )
    now = timezone.now()
    rows = [
        Registration(
            workshop_id=workshop_id,
            participant_id=participant_id,
            rsvp=Rsvp.YES if required else Rsvp.PENDING,
            created_at=now,
        )
        for workshop_id, required in series.workshops.values_list("pk", "required")
        for participant_id in participant_ids
    ]
    before = Registration.objects.filter(workshop__series=series).count()
    Registration.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return Registration.objects.filter(workshop__series=series).count() - before


def registrations_sync_all() -> int:
    """Beat: register participants accepted since the series was made (see registrations_sync)."""
    total = 0
    for series in WorkshopSeries.objects.filter(workshops__ends_on__gte=timezone.localdate()).distinct():
        with transaction.atomic():
            total += registrations_sync(series=series)
    return total
