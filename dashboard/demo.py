"""Demo data of the dashboard for `manage.py seed_demo` (idempotent): the finished cohort
(ifc-2025) gets its showcase (each organisation's short story, figures and a visit photo when
there is one, consented by its leader and, where there is a coach, by the coach) and the
staff's paragraphs of its funder's report. Consents go through `consent_give`, which records
nothing new while the text is unchanged, so a second run changes nothing."""

from __future__ import annotations

from coaching.enums import MatchStatus
from coaching.models import Match, VisitPhoto
from cohorts.enums import ParticipantRole
from cohorts.models import Cohort, Participant
from dashboard.enums import ConsentSubject, ReportSection
from dashboard.models import ReportNarrative, ShowcaseEntry
from dashboard.services import consent_give, narratives_save

STORIES = [
    (
        "จากแปลงผลไม้ที่พึ่งทุนให้เปล่า สู่ร้านชุมชนที่ขายผลไม้ปลอดสารได้ทุกสัปดาห์ ทีมเขียนวิสัยทัศน์ร่วมกันและมีผู้นำรุ่นที่สองดูแลงานขาย",
        "From an orchard living on grants to a community shop selling chemical-free fruit every week; "
        "the team wrote its vision together and two second-line leaders now run sales.",
        "ผู้รับประโยชน์ที่เข้าถึง: 160 → 260 คน\nสัดส่วนรายได้จากทุนให้เปล่า: 85% → 70%",
    ),
    (
        "กลุ่มเยาวชนที่เริ่มจากค่ายอาสา วันนี้มีแผนการเงินรายเดือนและเงินสำรองพอใช้สองเดือน",
        "A youth group that began with volunteer camps now keeps a monthly budget and two months of reserves.",
        "เงินสำรองพอใช้: 1 → 2 เดือน\nอาสาสมัคร: 12 → 18 คน",
    ),
]

NARRATIVES = {
    ReportSection.SELECTION: "รุ่นนี้เปิดรับสมัครผู้นำองค์กรและ Intrapreneur ทั่วประเทศ ผู้พิจารณาให้คะแนนตามเกณฑ์การพิจารณา "
    "และทีมโครงการสัมภาษณ์ผู้ผ่านรอบแรกก่อนคัดเลือก",
    ReportSection.WORKSHOPS: "เวิร์กช็อปสามครั้ง ห่างกันราวสองเดือน ว่าด้วยกลยุทธ์ การเงินแบบผู้ประกอบการสังคม "
    "และการพัฒนาทีมในช่วงเปลี่ยนผ่าน",
    ReportSection.VISITS: "โค้ชติดตามพื้นที่ลงพื้นที่ระหว่างเวิร์กช็อปเพื่อทดลองกลยุทธ์ในสนามจริงร่วมกับผู้นำ",
    ReportSection.OUTCOMES: "องค์กรส่วนใหญ่พึ่งทุนให้เปล่าน้อยลงและเข้าถึงผู้รับประโยชน์มากขึ้น ทีมวิจัยถอดบทเรียนจากทุกพื้นที่เพื่อใช้ในรุ่นต่อไป",
    ReportSection.FEEDBACK: "ผู้เข้าร่วมให้คะแนนเวิร์กช็อปการเงินสูงที่สุด และขอเวลาฝึกทำแผนการเงินมากขึ้น",
}


def seed(*, users: dict, today) -> list[str]:
    cohort = Cohort.objects.filter(slug="ifc-2025").first()
    if cohort is None:
        return []
    leaders = list(
        Participant.objects.filter(
            cohort=cohort, role=ParticipantRole.ORGANISATION_LEADER, is_active=True, organisation__isnull=False
        )
        .select_related("organisation", "user")
        .order_by("organisation__name", "pk")
    )
    coaches = {
        m.organisation_id: m.coach
        for m in Match.objects.filter(cohort=cohort, status=MatchStatus.CONFIRMED).select_related("coach__user")
    }
    for n, leader in enumerate(leaders):
        story, story_en, figures = STORIES[n % len(STORIES)]
        photo = VisitPhoto.objects.filter(
            visit__match__cohort=cohort, visit__match__organisation=leader.organisation
        ).first()
        entry, _created = ShowcaseEntry.objects.get_or_create(
            cohort=cohort,
            organisation=leader.organisation,
            defaults={"order": n, "story": story, "story_en": story_en, "figures": figures, "photo": photo,
                      "coach": coaches.get(leader.organisation_id)},
        )  # fmt: skip
        consent_give(entry=entry, subject=ConsentSubject.ORGANISATION, by=leader.user)
        if entry.coach_id:
            consent_give(entry=entry, subject=ConsentSubject.COACH, by=entry.coach.user)
    staff = users.get("programstaff@incubator.local") or users.get("staff@incubator.local")
    if not ReportNarrative.objects.filter(cohort=cohort).exists():
        narratives_save(cohort=cohort, texts={str(k): v for k, v in NARRATIVES.items()}, by=staff)
    return [
        f"dashboard: /staff/dashboard/cohorts/{cohort.pk}/ (staff), the report and its PDF from there;"
        f" the showcase /showcase/{cohort.slug}/ (anyone)",
    ]
