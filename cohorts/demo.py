"""Demo programs, cohorts and organisations (called by `manage.py seed_demo`)."""

from datetime import timedelta

from cohorts import enums
from cohorts.models import Cohort, Organisation, Program, Track
from incubator.demo import at_bangkok
from incubator.geo import region_of

PROGRAMS = [
    {
        "slug": "intrapreneur-for-change",
        "name": "Intrapreneur for Change เพื่อนร่วมทางสร้างการเปลี่ยนแปลง",
        "name_en": "Intrapreneur for Change",
        "description": (
            "จับคู่คนรุ่นใหม่จากภาคธุรกิจ (Intrapreneur) เป็นโคชติดตามพื้นที่ให้ผู้นำองค์กรภาคประชาสังคม "
            "ผ่านเวิร์กช็อป 3 ครั้ง ห่างกันราว 2 เดือน: กลยุทธ์การขับเคลื่อนงานสังคม, "
            "การคิดและวางแผนการเงินแบบผู้ประกอบการสังคม (impact unit cost) และการบริหารทีมในช่วงเปลี่ยนผ่าน"
        ),
        "description_en": (
            "Young professionals from business are matched as field coaches with leaders of civil-society "
            "organisations through three workshops about two months apart."
        ),
        "supports": [enums.Support.FUNDING, enums.Support.TRAINING, enums.Support.COACHING, enums.Support.NETWORK],
    },
    {
        "slug": "social-incubator",
        "name": "ระบบบ่มเพาะโครงการและกิจการสังคม (Social Incubator)",
        "name_en": "Social Incubator",
        "description": (
            "สนับสนุนผู้ที่สนใจแก้ปัญหาสังคมระยะ 6-12 เดือน พัฒนาและทดลองไอเดียผ่านเวิร์กช็อป มีโคชและที่ปรึกษา แล้วนำเสนอผลงานต่อสาธารณะ"
        ),
        "description_en": "Six to twelve months to develop and test an idea for social change, with coaches.",
        "supports": [enums.Support.FUNDING, enums.Support.TRAINING, enums.Support.COACHING, enums.Support.WELLBEING],
    },
]

ORGANISATIONS = [
    ("มูลนิธิอันดามันเพื่อชุมชนชายฝั่ง", enums.OrganisationKind.NGO, "TH-82", [enums.Need.STRATEGY, enums.Need.FINANCE]),
    ("วิสาหกิจชุมชนข้าวอินทรีย์ลพบุรี", enums.OrganisationKind.COMMUNITY_ENTERPRISE, "TH-16", [enums.Need.FINANCE]),
    ("เครือข่ายเยาวชนรักษ์ถิ่นเชียงราย", enums.OrganisationKind.NGO, "TH-57", [enums.Need.TEAM, enums.Need.COMMUNICATION]),
    ("กิจการเพื่อสังคมผ้าทอขอนแก่น", enums.OrganisationKind.SOCIAL_ENTERPRISE, "TH-40", [enums.Need.TECHNOLOGY]),
]


def seed(*, users: dict, today) -> list[str]:
    programs = {}
    for data in PROGRAMS:
        program, _ = Program.objects.get_or_create(slug=data["slug"], defaults=data)
        programs[data["slug"]] = program
    ifc = programs["intrapreneur-for-change"]
    ifc.staff.add(users["programstaff@incubator.local"])

    open_cohort, _ = Cohort.objects.get_or_create(
        slug="ifc-2027",
        defaults={
            "program": ifc,
            "number": 5,
            "name": "รุ่นที่ 5 (2570)",
            "status": enums.CohortStatus.OPEN,
            "call_text": (
                "เปิดรับสมัคร Intrapreneur ราว 30 คน และองค์กรภาคประชาสังคมที่ต้องการโคชติดตามพื้นที่ "
                "เวิร์กช็อป 3 ครั้ง พฤศจิกายนถึงพฤษภาคม"
            ),
            "applications_open_at": at_bangkok(today - timedelta(days=14), 9, 0),
            "applications_close_at": at_bangkok(today + timedelta(days=12)),
            "starts_on": today + timedelta(days=30),
            "ends_on": today + timedelta(days=210),
            "privacy_notice": ("ข้อมูลส่วนบุคคลของท่านจะถูกใช้เพื่อการคัดเลือกและดำเนินโครงการเท่านั้น ตาม พ.ร.บ. คุ้มครองข้อมูลส่วนบุคคล"),
            "privacy_notice_version": "2026-1",
        },
    )
    for kind, name, name_en, capacity in [
        (enums.TrackKind.ORGANISATION, "ผู้นำองค์กร", "Organisation leader", 15),
        (enums.TrackKind.INTRAPRENEUR, "Intrapreneur (โคชติดตามพื้นที่)", "Intrapreneur (field coach)", 30),
    ]:
        Track.objects.get_or_create(
            cohort=open_cohort, kind=kind, defaults={"name": name, "name_en": name_en, "capacity": capacity}
        )

    for name, kind, province, needs in ORGANISATIONS:
        Organisation.objects.get_or_create(
            name=name,
            defaults={"kind": kind, "province": province, "region": region_of(province), "needs": needs},
        )
    return [f"open call: /calls/{open_cohort.slug}/ (deadline {open_cohort.applications_close_at:%Y-%m-%d %H:%M})"]
