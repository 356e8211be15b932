"""Demo programs, cohorts, applications and reviews (called by `manage.py seed_demo`).

Two programs, a cohort in every state (draft, open, closed, running, completed), tracks, the
cohorts' own questions and rubrics, organisations across the regions, applications in every
status from believable Thai applicants (with their status history), reviewer assignments with
scores, and participants for the accepted applications.

Every object is fetched or created by a natural key (slug, email, name, cohort + order,
cohort + applicant, ...) and nothing that exists is changed, so a second run changes nothing.
The ORM is used directly (not the services) so that no email is queued and the past can be
dated. Dates are relative to `today`.
"""

from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from cohorts import enums
from cohorts.enums import ApplicationStatus as Status
from cohorts.enums import CohortStatus, QuestionKind, TrackKind
from cohorts.models import (
    Answer,
    Application,
    Cohort,
    Criterion,
    Organisation,
    Participant,
    Program,
    Question,
    ReviewAssignment,
    Score,
    Track,
)
from cohorts.services.applications import fields_for_track
from cohorts.services.reviews import staff_grant_program_role
from incubator.demo import DEMO_PASSWORD, at_bangkok
from incubator.geo import region_of

IFC = "intrapreneur-for-change"
SI = "social-incubator"

PROGRAMS = [
    {
        "slug": IFC,
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
        "slug": SI,
        "name": "ระบบบ่มเพาะโครงการและกิจการสังคม (Social Incubator)",
        "name_en": "Social Incubator",
        "description": (
            "สนับสนุนผู้ที่สนใจแก้ปัญหาสังคมระยะ 6-12 เดือน พัฒนาและทดลองไอเดียผ่านเวิร์กช็อป มีโคชและที่ปรึกษา แล้วนำเสนอผลงานต่อสาธารณะ"
        ),
        "description_en": "Six to twelve months to develop and test an idea for social change, with coaches.",
        "supports": [enums.Support.FUNDING, enums.Support.TRAINING, enums.Support.COACHING, enums.Support.WELLBEING],
    },
]

PRIVACY_NOTICE = "ข้อมูลส่วนบุคคลของท่านจะถูกใช้เพื่อการคัดเลือกและดำเนินโครงการเท่านั้น ตาม พ.ร.บ. คุ้มครองข้อมูลส่วนบุคคล"

# slug, program, number, name, status, call text, (open, close, starts, ends) in days from today.
COHORTS = [
    (
        "ifc-2027",
        IFC,
        5,
        "รุ่นที่ 5 (2570)",
        CohortStatus.OPEN,
        "เปิดรับสมัคร Intrapreneur ราว 30 คน และองค์กรภาคประชาสังคมที่ต้องการโคชติดตามพื้นที่ เวิร์กช็อป 3 ครั้ง พฤศจิกายนถึงพฤษภาคม",
        (-14, 12, 30, 210),
    ),
    (
        "ifc-2026",
        IFC,
        4,
        "รุ่นที่ 4 (2569)",
        CohortStatus.RUNNING,
        "Intrapreneur จากภาคธุรกิจจับคู่กับผู้นำองค์กรภาคประชาสังคม 4 พื้นที่ ทดลองกลยุทธ์ในพื้นที่จริงระหว่างเวิร์กช็อป",
        (-200, -150, -120, 90),
    ),
    (
        "ifc-2025",
        IFC,
        3,
        "รุ่นที่ 3 (2568)",
        CohortStatus.COMPLETED,
        "ปิดรุ่นด้วยเวทีแลกเปลี่ยนเรียนรู้ ทีมวิจัยถอดบทเรียนจากทุกพื้นที่",
        (-560, -510, -480, -270),
    ),
    (
        "si-2026",
        SI,
        2,
        "รุ่นที่ 2 (2569)",
        CohortStatus.CLOSED,
        "ระบบบ่มเพาะโครงการและกิจการสังคม 6-12 เดือน: เวิร์กช็อปเตรียมความพร้อม 3 ครั้งใน 3 เดือน "
        "(ต้องเข้าร่วมครบทั้ง 3 ครั้ง) ทดลองทำจริงพร้อมโคชและที่ปรึกษา แล้วนำเสนอผลงานต่อสาธารณะ",
        (-60, -10, 20, 200),
    ),
    (
        "si-2027",
        SI,
        3,
        "รุ่นที่ 3 (2570)",
        CohortStatus.DRAFT,
        "กำลังเตรียมประกาศรับสมัคร: คนรุ่นใหม่และกลุ่มที่มีไอเดียแก้ปัญหาสังคมในพื้นที่ของตนเอง ทั่วทุกภูมิภาค",
        (30, 75, 100, 280),
    ),
]

TRACKS = {
    IFC: [
        (TrackKind.ORGANISATION, "ผู้นำองค์กรภาคประชาสังคม", "Civil-society organisation leader", 15),
        (TrackKind.INTRAPRENEUR, "Intrapreneur (โคชติดตามพื้นที่)", "Intrapreneur (field coach)", 30),
    ],
    SI: [
        (TrackKind.TEAM, "ทีมหรือไอเดียเพื่อสังคม", "Team or idea for social change", 12),
        (TrackKind.ORGANISATION, "องค์กรหรือกิจการเพื่อสังคม", "Organisation or social enterprise", 6),
    ],
}

HEARD_FROM = "เพจ Facebook ของโครงการ\nเพื่อนหรือศิษย์เก่าแนะนำ\nมหาวิทยาลัยหรือหน่วยงานต้นสังกัด\nอื่น ๆ"
SUPPORT_CHOICES = "ทุนและทรัพยากร\nความรู้และเครื่องมือ\nโคชและที่ปรึกษา\nเครือข่าย"

# cohort slug -> [(order, track kind or None, kind, Thai text, English text, required, choices, max length)]
QUESTIONS = {
    "ifc-2027": [
        (
            1,
            TrackKind.ORGANISATION,
            QuestionKind.LONG_TEXT,
            "ปัญหาสังคมที่องค์กรของท่านกำลังแก้ไขคืออะไร และท่านอยากเห็นการเปลี่ยนแปลงอะไรใน 3 ปีข้างหน้า",
            "What social problem does your organisation work on, and what change do you want to see in three years?",
            True,
            "",
            1500,
        ),
        (
            2,
            TrackKind.ORGANISATION,
            QuestionKind.NUMBER,
            "องค์กรของท่านมีเจ้าหน้าที่ประจำกี่คน",
            "How many permanent staff does your organisation have?",
            False,
            "",
            None,
        ),
        (
            3,
            TrackKind.INTRAPRENEUR,
            QuestionKind.LONG_TEXT,
            "ทักษะเฉพาะทางจากงานของท่านที่จะนำไปหนุนเสริมผู้นำองค์กรภาคประชาสังคมได้คืออะไร",
            "Which skills from your work could support a civil-society leader?",
            True,
            "",
            1000,
        ),
        (
            4,
            None,
            QuestionKind.YES_NO,
            "ท่านสามารถเข้าร่วมเวิร์กช็อปได้ครบทั้ง 3 ครั้ง (พฤศจิกายนถึงพฤษภาคม) ใช่หรือไม่",
            "Can you attend all three workshops (November to May)?",
            True,
            "",
            None,
        ),
        (
            5,
            None,
            QuestionKind.SINGLE_CHOICE,
            "ท่านทราบข่าวการรับสมัครจากช่องทางใด",
            "Where did you hear about this call?",
            False,
            HEARD_FROM,
            None,
        ),
        (
            6,
            None,
            QuestionKind.MULTIPLE_CHOICE,
            "ท่านต้องการการสนับสนุนด้านใดบ้าง",
            "Which kinds of support do you need?",
            False,
            SUPPORT_CHOICES,
            None,
        ),
        (
            7,
            TrackKind.ORGANISATION,
            QuestionKind.FILE,
            "แนบแผนงานหรือรายงานประจำปีขององค์กร (ถ้ามี, PDF)",
            "Attach your organisation's plan or annual report (optional, PDF)",
            False,
            "",
            None,
        ),
    ],
    "si-2026": [
        (
            1,
            None,
            QuestionKind.LONG_TEXT,
            "ไอเดียของท่านแก้ปัญหาให้ใคร ในพื้นที่ใด และท่านจะรู้ได้อย่างไรว่าได้ผล",
            "Whom does your idea help, where, and how will you know it works?",
            True,
            "",
            1500,
        ),
        (
            2,
            None,
            QuestionKind.YES_NO,
            "ทีมของท่านเข้าร่วมเวิร์กช็อปเตรียมความพร้อมได้ครบทั้ง 3 ครั้ง ใช่หรือไม่",
            "Can your team attend all three preparation workshops?",
            True,
            "",
            None,
        ),
        (
            3,
            None,
            QuestionKind.SHORT_TEXT,
            "ลิงก์ผลงานหรือเพจของทีม (ถ้ามี)",
            "Link to your team's work or page (optional)",
            False,
            "",
            200,
        ),
    ],
    "si-2027": [
        (
            1,
            None,
            QuestionKind.LONG_TEXT,
            "เล่าถึงปัญหาในชุมชนของท่านที่อยากลงมือแก้",
            "Tell us about a problem in your community that you want to tackle",
            True,
            "",
            1500,
        ),
        (
            2,
            None,
            QuestionKind.SINGLE_CHOICE,
            "ท่านทราบข่าวการรับสมัครจากช่องทางใด",
            "Where did you hear about this call?",
            False,
            HEARD_FROM,
            None,
        ),
    ],
}

# (name, English name, description, weight)
RUBRIC_IFC = [
    ("ความชัดเจนของปัญหาและเป้าหมาย", "Clarity of problem and goals", "เข้าใจปัญหาและรู้ว่าอยากเห็นการเปลี่ยนแปลงอะไร", "1.50"),
    ("ความพร้อมและความมุ่งมั่น", "Readiness and commitment", "เข้าร่วมเวิร์กช็อปครบและมีเวลาทำงานในพื้นที่", "1.00"),
    (
        "ศักยภาพในการสร้างผลกระทบทางสังคม",
        "Potential for social impact",
        "ผลกระทบที่วัดได้ต่อหน่วยต้นทุน (impact unit cost)",
        "2.00",
    ),
    ("ความเหมาะสมในการจับคู่", "Fit for matching", "ทักษะและความต้องการที่เติมเต็มกันได้ระหว่างองค์กรกับ Intrapreneur", "1.00"),
]
RUBRIC_SI = [
    ("ความเข้าใจปัญหาและกลุ่มเป้าหมาย", "Understanding of the problem and people", "", "1.50"),
    ("ความเป็นไปได้ในการทดลองทำจริง", "Feasibility of a test run", "ทดลองได้จริงใน 6-12 เดือน", "1.50"),
    ("ความพร้อมของทีม", "Team readiness", "", "1.00"),
]
RUBRICS = {"ifc-2027": RUBRIC_IFC, "ifc-2026": RUBRIC_IFC, "ifc-2025": RUBRIC_IFC, "si-2026": RUBRIC_SI}

# name, kind, province, needs, focus areas, size, contact person
ORGANISATIONS = [
    (
        "มูลนิธิอันดามันเพื่อชุมชนชายฝั่ง",
        enums.OrganisationKind.NGO,
        "TH-82",
        [enums.Need.STRATEGY, enums.Need.FINANCE],
        [enums.Sector.ENVIRONMENT, enums.Sector.COMMUNITY],
        enums.OrganisationSize.S,
        "อนันต์ แก้วมณี",
    ),
    (
        "วิสาหกิจชุมชนข้าวอินทรีย์ลพบุรี",
        enums.OrganisationKind.COMMUNITY_ENTERPRISE,
        "TH-16",
        [enums.Need.FINANCE],
        [enums.Sector.AGRICULTURE],
        enums.OrganisationSize.XS,
        "กนกวรรณ จันทร์เพ็ญ",
    ),
    (
        "เครือข่ายเยาวชนรักษ์ถิ่นเชียงราย",
        enums.OrganisationKind.NGO,
        "TH-57",
        [enums.Need.TEAM, enums.Need.COMMUNICATION],
        [enums.Sector.CHILDREN_YOUTH, enums.Sector.CULTURE],
        enums.OrganisationSize.S,
        "รัตนา ผลบุญ",
    ),
    (
        "กิจการเพื่อสังคมผ้าทอขอนแก่น",
        enums.OrganisationKind.SOCIAL_ENTERPRISE,
        "TH-40",
        [enums.Need.TECHNOLOGY],
        [enums.Sector.CULTURE, enums.Sector.COMMUNITY],
        enums.OrganisationSize.S,
        "มาลี ผู้นำองค์กร",
    ),
    (
        "สมาคมคนรุ่นใหม่เพื่อสันติภาพชายแดนใต้",
        enums.OrganisationKind.NGO,
        "TH-94",
        [enums.Need.IMPACT, enums.Need.FUNDRAISING],
        [enums.Sector.CHILDREN_YOUTH, enums.Sector.COMMUNITY],
        enums.OrganisationSize.XS,
        "อารีฟ มะลี",
    ),
    (
        "วิสาหกิจชุมชนผลไม้ปลอดสารจันทบุรี",
        enums.OrganisationKind.COMMUNITY_ENTERPRISE,
        "TH-22",
        [enums.Need.BUSINESS_MODEL, enums.Need.COMMUNICATION],
        [enums.Sector.AGRICULTURE, enums.Sector.HEALTH],
        enums.OrganisationSize.M,
        "พรทิพย์ ยอดยิ่ง",
    ),
    (
        "มูลนิธิรักษ์ป่าต้นน้ำน่าน",
        enums.OrganisationKind.NGO,
        "TH-55",
        [enums.Need.STRATEGY, enums.Need.IMPACT],
        [enums.Sector.ENVIRONMENT],
        enums.OrganisationSize.S,
        "สมศักดิ์ ทองดี",
    ),
    (
        "กลุ่มท่องเที่ยวโดยชุมชนบ้านไร่กาญจนบุรี",
        enums.OrganisationKind.COMMUNITY_ENTERPRISE,
        "TH-71",
        [enums.Need.BUSINESS_MODEL, enums.Need.FINANCE],
        [enums.Sector.COMMUNITY, enums.Sector.CULTURE],
        enums.OrganisationSize.XS,
        "สุนิสา มีสุข",
    ),
    (
        "ศูนย์การเรียนรู้ผู้สูงวัยอุบลราชธานี",
        enums.OrganisationKind.NGO,
        "TH-34",
        [enums.Need.TEAM, enums.Need.FUNDRAISING],
        [enums.Sector.ELDERLY, enums.Sector.HEALTH],
        enums.OrganisationSize.S,
        "จิราพร คำแก้ว",
    ),
    (
        "กิจการเพื่อสังคมอาหารปลอดภัยคลองเตย",
        enums.OrganisationKind.SOCIAL_ENTERPRISE,
        "TH-10",
        [enums.Need.FINANCE, enums.Need.TECHNOLOGY],
        [enums.Sector.HEALTH, enums.Sector.AGRICULTURE],
        enums.OrganisationSize.S,
        "ประสิทธิ์ ลือชา",
    ),
    (
        "มูลนิธิเด็กและเยาวชนโคราช",
        enums.OrganisationKind.NGO,
        "TH-30",
        [enums.Need.STRATEGY, enums.Need.TEAM],
        [enums.Sector.CHILDREN_YOUTH, enums.Sector.EDUCATION],
        enums.OrganisationSize.M,
        "ยุพิน คงคา",
    ),
]

# email, full name, preferred language, phone
APPLICANTS = [
    ("anan.k@incubator.local", "อนันต์ แก้วมณี", "th", "081-234-5601"),
    ("pimchanok.s@incubator.local", "พิมพ์ชนก ศรีสุข", "th", "081-234-5602"),
    ("thanawat.p@incubator.local", "ธนวัฒน์ พรหมวงศ์", "th", "081-234-5603"),
    ("kanokwan.j@incubator.local", "กนกวรรณ จันทร์เพ็ญ", "th", "081-234-5604"),
    ("somsak.t@incubator.local", "สมศักดิ์ ทองดี", "th", "081-234-5605"),
    ("nattida.w@incubator.local", "ณัฐธิดา วงศ์ใหญ่", "th", "081-234-5606"),
    ("worawut.c@incubator.local", "วรวุฒิ ชัยมงคล", "th", "081-234-5607"),
    ("sudarat.n@incubator.local", "สุดารัตน์ นาคสุข", "th", "081-234-5608"),
    ("arif.m@incubator.local", "อารีฟ มะลี", "th", "081-234-5609"),
    ("jiraporn.k@incubator.local", "จิราพร คำแก้ว", "th", "081-234-5610"),
    ("prasit.l@incubator.local", "ประสิทธิ์ ลือชา", "th", "081-234-5611"),
    ("wipawee.s@incubator.local", "วิภาวี แสงทอง", "th", "081-234-5612"),
    ("chatchai.b@incubator.local", "ฉัตรชัย บุญมา", "th", "081-234-5613"),
    ("emma.h@incubator.local", "Emma Hughes", "en", "081-234-5614"),
    ("kittipong.r@incubator.local", "กิตติพงษ์ รุ่งเรือง", "th", "081-234-5615"),
    ("rattana.p@incubator.local", "รัตนา ผลบุญ", "th", "081-234-5616"),
    ("natthapong.d@incubator.local", "ณัฐพงศ์ ดวงดี", "th", "081-234-5617"),
    ("sunisa.m@incubator.local", "สุนิสา มีสุข", "th", "081-234-5618"),
    ("pornthip.y@incubator.local", "พรทิพย์ ยอดยิ่ง", "th", "081-234-5619"),
    ("kritsada.w@incubator.local", "กฤษดา วิเศษ", "th", "081-234-5620"),
    ("yupin.k@incubator.local", "ยุพิน คงคา", "th", "081-234-5621"),
]

# Staff member who runs the Social Incubator (program staff see only their own programs).
SI_STAFF = ("incubatorstaff@incubator.local", "ปิยะนุช ทีมบ่มเพาะ")

# The statuses an application passes through on its way to each status.
PATHS = {
    Status.DRAFT: [],
    Status.SUBMITTED: [Status.SUBMITTED],
    Status.UNDER_REVIEW: [Status.SUBMITTED, Status.UNDER_REVIEW],
    Status.SHORTLISTED: [Status.SUBMITTED, Status.UNDER_REVIEW, Status.SHORTLISTED],
    Status.ACCEPTED: [Status.SUBMITTED, Status.UNDER_REVIEW, Status.SHORTLISTED, Status.ACCEPTED],
    Status.WAITLISTED: [Status.SUBMITTED, Status.UNDER_REVIEW, Status.WAITLISTED],
    Status.REJECTED: [Status.SUBMITTED, Status.UNDER_REVIEW, Status.REJECTED],
    Status.WITHDRAWN: [Status.SUBMITTED, Status.WITHDRAWN],
}
CHANGE_REASONS = {
    Status.SUBMITTED: "submitted",
    Status.UNDER_REVIEW: "review started",
    Status.SHORTLISTED: "decision: shortlisted",
    Status.ACCEPTED: "decision: accepted",
    Status.WAITLISTED: "decision: waitlisted",
    Status.REJECTED: "decision: rejected",
    Status.WITHDRAWN: "withdrawn",
}

ORG_TEXT = {
    "motivation": "อยากทบทวนกลยุทธ์ขององค์กรให้ทันกับปัญหาที่เปลี่ยนเร็วขึ้น และลดการพึ่งพาทุนให้เปล่า",
    "expectations": "ได้คู่คิดจากภาคธุรกิจช่วยวางแผนการเงินและวัดผลกระทบ (impact unit cost)",
}
INTRA_TEXT = {
    "motivation": "อยากใช้ทักษะจากงานประจำช่วยองค์กรภาคประชาสังคมในต่างจังหวัด และเรียนรู้จากคนทำงานในพื้นที่จริง",
    "expectations": "ได้เป็นโคชติดตามพื้นที่ ทดลองกลยุทธ์ร่วมกับผู้นำองค์กร และได้เครือข่ายคนทำงานสังคม",
}
TEAM_TEXT = {
    "motivation": "ทีมของเราลงพื้นที่มาหนึ่งปีแล้ว อยากทดสอบว่าไอเดียแก้ปัญหาได้จริงก่อนขยายผล",
    "expectations": "ได้โคชและที่ปรึกษา เครื่องมือออกแบบการทดลอง และเครือข่ายที่ช่วยส่งต่อไอเดีย",
}

# cohort slug, applicant email, track, status, organisation name, extra fields
APPLICATIONS = [
    # Open call (ifc-2027): drafts, submissions waiting for review, a withdrawal.
    (
        "ifc-2027",
        "applicant@incubator.local",
        TrackKind.INTRAPRENEUR,
        Status.DRAFT,
        None,
        {
            "motivation": INTRA_TEXT["motivation"],
            "employer": "บริษัท สยามโลจิสติกส์ จำกัด",
            "job_title": "ผู้จัดการโครงการ",
            "sectors": [enums.Sector.COMMUNITY],
            "languages": [enums.Language.THAI, enums.Language.ENGLISH],
        },
    ),
    (
        "ifc-2027",
        "anan.k@incubator.local",
        TrackKind.ORGANISATION,
        Status.SUBMITTED,
        "มูลนิธิอันดามันเพื่อชุมชนชายฝั่ง",
        ORG_TEXT,
    ),
    (
        "ifc-2027",
        "pimchanok.s@incubator.local",
        TrackKind.INTRAPRENEUR,
        Status.SUBMITTED,
        None,
        {
            **INTRA_TEXT,
            "employer": "บริษัท สยามดิจิทัล จำกัด",
            "job_title": "นักวิเคราะห์ข้อมูล",
            "skills": "วิเคราะห์ข้อมูล ออกแบบตัวชี้วัด และทำแดชบอร์ดติดตามผล",
            "sectors": [enums.Sector.TECHNOLOGY, enums.Sector.EDUCATION],
            "travel_provinces": ["TH-82", "TH-57"],
            "languages": [enums.Language.THAI, enums.Language.ENGLISH],
            "availability_days_per_month": 3,
        },
    ),
    (
        "ifc-2027",
        "thanawat.p@incubator.local",
        TrackKind.INTRAPRENEUR,
        Status.DRAFT,
        None,
        {"employer": "ธนาคารเพื่อชุมชน", "job_title": "เจ้าหน้าที่สินเชื่อ"},
    ),
    (
        "ifc-2027",
        "somsak.t@incubator.local",
        TrackKind.ORGANISATION,
        Status.DRAFT,
        "มูลนิธิรักษ์ป่าต้นน้ำน่าน",
        {"motivation": "อยากวางกลยุทธ์ฟื้นฟูป่าต้นน้ำร่วมกับชุมชน"},
    ),
    (
        "ifc-2027",
        "kanokwan.j@incubator.local",
        TrackKind.ORGANISATION,
        Status.WITHDRAWN,
        "วิสาหกิจชุมชนข้าวอินทรีย์ลพบุรี",
        ORG_TEXT,
    ),
    # Closed call in review (si-2026): every step of selection.
    (
        "si-2026",
        "nattida.w@incubator.local",
        TrackKind.TEAM,
        Status.ACCEPTED,
        None,
        {
            **TEAM_TEXT,
            "team_name": "กลุ่มเยาวชนรักษ์น้ำน่าน",
            "idea_title": "ธนาคารน้ำใต้ดินโดยเยาวชน",
            "idea_summary": "เยาวชนสำรวจและทำบ่อเติมน้ำใต้ดินร่วมกับเกษตรกร ลดปัญหาภัยแล้งในหน้าแล้ง",
            "team_size": 5,
        },
    ),
    (
        "si-2026",
        "arif.m@incubator.local",
        TrackKind.TEAM,
        Status.ACCEPTED,
        "สมาคมคนรุ่นใหม่เพื่อสันติภาพชายแดนใต้",
        {
            **TEAM_TEXT,
            "team_name": "ทีมห้องเรียนสันติภาพ",
            "idea_title": "วงคุยข้ามวัฒนธรรมในโรงเรียน",
            "idea_summary": "กระบวนการเรียนรู้ให้นักเรียนไทยพุทธและมุสลิมทำโครงการชุมชนร่วมกัน",
            "team_size": 4,
        },
    ),
    (
        "si-2026",
        "worawut.c@incubator.local",
        TrackKind.TEAM,
        Status.SHORTLISTED,
        None,
        {
            **TEAM_TEXT,
            "team_name": "ทีมตลาดสีเขียวมหาสารคาม",
            "idea_title": "ตลาดนัดผักปลอดสารออนไลน์",
            "idea_summary": "เชื่อมเกษตรกรรายย่อยกับโรงพยาบาลและโรงเรียนผ่านระบบสั่งจองล่วงหน้า",
            "team_size": 3,
        },
    ),
    (
        "si-2026",
        "sudarat.n@incubator.local",
        TrackKind.TEAM,
        Status.UNDER_REVIEW,
        None,
        {
            **TEAM_TEXT,
            "team_name": "กลุ่มแม่หญิงสกลนคร",
            "idea_title": "ผ้าย้อมครามสร้างรายได้",
            "idea_summary": "พัฒนาลวดลายและช่องทางขายผ้าย้อมครามของกลุ่มแม่บ้าน",
            "team_size": 6,
        },
    ),
    (
        "si-2026",
        "emma.h@incubator.local",
        TrackKind.TEAM,
        Status.UNDER_REVIEW,
        None,
        {
            "motivation": "We run weekend reading clubs in Chiang Mai and want to test a model for hill schools.",
            "expectations": "Coaching on measuring learning outcomes and a network of local partners.",
            "team_name": "Read Together Chiang Mai",
            "idea_title": "Mobile reading corners for hill schools",
            "idea_summary": "Volunteers rotate book boxes and reading sessions between small schools each month.",
            "team_size": 4,
        },
    ),
    (
        "si-2026",
        "jiraporn.k@incubator.local",
        TrackKind.ORGANISATION,
        Status.WAITLISTED,
        "ศูนย์การเรียนรู้ผู้สูงวัยอุบลราชธานี",
        ORG_TEXT,
    ),
    (
        "si-2026",
        "prasit.l@incubator.local",
        TrackKind.ORGANISATION,
        Status.REJECTED,
        "กิจการเพื่อสังคมอาหารปลอดภัยคลองเตย",
        ORG_TEXT,
    ),
    (
        "si-2026",
        "wipawee.s@incubator.local",
        TrackKind.TEAM,
        Status.SUBMITTED,
        None,
        {
            **TEAM_TEXT,
            "team_name": "ทีมเด็กสงขลารักษ์ทะเล",
            "idea_title": "เก็บขยะชายหาดแลกแต้ม",
            "idea_summary": "ระบบแต้มสะสมจากการเก็บขยะ แลกสินค้าจากร้านค้าในชุมชน",
            "team_size": 8,
        },
    ),
    (
        "si-2026",
        "chatchai.b@incubator.local",
        TrackKind.TEAM,
        Status.WITHDRAWN,
        None,
        {
            **TEAM_TEXT,
            "team_name": "ทีมโดรนเพื่อเกษตรกร",
            "idea_title": "โดรนพ่นสารชีวภัณฑ์ราคาถูก",
            "idea_summary": "บริการโดรนพ่นสารชีวภัณฑ์ให้กลุ่มเกษตรกรรายย่อยใช้ร่วมกัน",
            "team_size": 2,
        },
    ),
    # Running cohort (ifc-2026): the demo leader and coach are participants.
    (
        "ifc-2026",
        "leader@incubator.local",
        TrackKind.ORGANISATION,
        Status.ACCEPTED,
        "กิจการเพื่อสังคมผ้าทอขอนแก่น",
        ORG_TEXT,
    ),
    (
        "ifc-2026",
        "rattana.p@incubator.local",
        TrackKind.ORGANISATION,
        Status.ACCEPTED,
        "เครือข่ายเยาวชนรักษ์ถิ่นเชียงราย",
        ORG_TEXT,
    ),
    (
        "ifc-2026",
        "coach@incubator.local",
        TrackKind.INTRAPRENEUR,
        Status.ACCEPTED,
        None,
        {
            **INTRA_TEXT,
            "employer": "บริษัท ไทยรีเทล จำกัด (มหาชน)",
            "job_title": "ผู้จัดการฝ่ายกลยุทธ์",
            "skills": "วางแผนกลยุทธ์ การเงิน และการบริหารทีม",
            "sectors": [enums.Sector.FINANCE, enums.Sector.COMMUNITY],
            "travel_provinces": ["TH-40", "TH-57", "TH-16"],
            "languages": [enums.Language.THAI, enums.Language.ISAN],
            "availability_days_per_month": 4,
        },
    ),
    (
        "ifc-2026",
        "kittipong.r@incubator.local",
        TrackKind.INTRAPRENEUR,
        Status.ACCEPTED,
        None,
        {
            **INTRA_TEXT,
            "employer": "บริษัท กรีนเอนเนอร์ยี จำกัด",
            "job_title": "วิศวกรอาวุโส",
            "skills": "ออกแบบกระบวนการ ทดลองต้นแบบ และเขียนข้อเสนอโครงการ",
            "sectors": [enums.Sector.ENVIRONMENT, enums.Sector.TECHNOLOGY],
            "travel_provinces": ["TH-57", "TH-50"],
            "languages": [enums.Language.THAI, enums.Language.NORTHERN_THAI],
            "availability_days_per_month": 2,
        },
    ),
    (
        "ifc-2026",
        "natthapong.d@incubator.local",
        TrackKind.INTRAPRENEUR,
        Status.REJECTED,
        None,
        {
            **INTRA_TEXT,
            "employer": "บริษัท มีเดียพลัส จำกัด",
            "job_title": "นักออกแบบ",
            "skills": "ออกแบบสื่อและการสื่อสารองค์กร",
            "sectors": [enums.Sector.CULTURE],
            "travel_provinces": ["TH-10"],
            "languages": [enums.Language.THAI, enums.Language.ENGLISH],
            "availability_days_per_month": 1,
        },
    ),
    (
        "ifc-2026",
        "sunisa.m@incubator.local",
        TrackKind.ORGANISATION,
        Status.WAITLISTED,
        "กลุ่มท่องเที่ยวโดยชุมชนบ้านไร่กาญจนบุรี",
        ORG_TEXT,
    ),
    # Completed cohort (ifc-2025).
    (
        "ifc-2025",
        "pornthip.y@incubator.local",
        TrackKind.ORGANISATION,
        Status.ACCEPTED,
        "วิสาหกิจชุมชนผลไม้ปลอดสารจันทบุรี",
        ORG_TEXT,
    ),
    (
        "ifc-2025",
        "kritsada.w@incubator.local",
        TrackKind.INTRAPRENEUR,
        Status.ACCEPTED,
        None,
        {
            **INTRA_TEXT,
            "employer": "บริษัท สยามเฮลท์แคร์ จำกัด",
            "job_title": "นักบัญชีอาวุโส",
            "skills": "บัญชีและการเงิน การคำนวณต้นทุนต่อหน่วยผลกระทบ",
            "sectors": [enums.Sector.FINANCE, enums.Sector.HEALTH],
            "travel_provinces": ["TH-22", "TH-10"],
            "languages": [enums.Language.THAI],
            "availability_days_per_month": 3,
        },
    ),
    (
        "ifc-2025",
        "yupin.k@incubator.local",
        TrackKind.ORGANISATION,
        Status.REJECTED,
        "มูลนิธิเด็กและเยาวชนโคราช",
        ORG_TEXT,
    ),
]

# Reviews of decided and in-review applications: (cohort, applicant) -> {reviewer: (state, scores)}.
# Scores follow the cohort's rubric order; None = still to review.
REVIEWS = {
    ("si-2026", "nattida.w@incubator.local"): {
        "reviewer@incubator.local": ("completed", [5, 4, 5]),
        "reviewer2@incubator.local": ("completed", [4, 5, 4]),
    },
    ("si-2026", "arif.m@incubator.local"): {
        "reviewer@incubator.local": ("completed", [5, 4, 4]),
        "reviewer2@incubator.local": ("completed", [5, 4, 5]),
    },
    ("si-2026", "worawut.c@incubator.local"): {
        "reviewer@incubator.local": ("completed", [4, 4, 3]),
        "reviewer2@incubator.local": ("completed", [4, 3, 4]),
    },
    ("si-2026", "jiraporn.k@incubator.local"): {
        "reviewer@incubator.local": ("completed", [3, 4, 3]),
        "reviewer2@incubator.local": ("completed", [4, 3, 3]),
    },
    ("si-2026", "prasit.l@incubator.local"): {
        "reviewer@incubator.local": ("completed", [2, 3, 2]),
        "reviewer2@incubator.local": ("completed", [3, 2, 2]),
    },
    ("si-2026", "sudarat.n@incubator.local"): {
        "reviewer@incubator.local": ("completed", [4, 3, 4]),
        "reviewer2@incubator.local": ("pending", None),
    },
    ("si-2026", "emma.h@incubator.local"): {
        "reviewer@incubator.local": ("pending", None),
        "reviewer2@incubator.local": ("conflict", None),
    },
    ("ifc-2027", "anan.k@incubator.local"): {
        "reviewer@incubator.local": ("pending", None),
        "reviewer2@incubator.local": ("pending", None),
    },
    ("ifc-2027", "pimchanok.s@incubator.local"): {
        "reviewer@incubator.local": ("completed", [4, 5, 4, 5]),
        "reviewer2@incubator.local": ("pending", None),
    },
    ("ifc-2026", "leader@incubator.local"): {"reviewer@incubator.local": ("completed", [5, 5, 4, 5])},
    ("ifc-2026", "coach@incubator.local"): {"reviewer@incubator.local": ("completed", [4, 5, 4, 5])},
}
SCORE_COMMENTS = {
    1: "ยังไม่ชัดเจน",
    2: "ควรพัฒนาเพิ่ม",
    3: "พอใช้",
    4: "ดี มีหลักฐานจากพื้นที่",
    5: "โดดเด่น",
}


def seed(*, users: dict, today) -> list[str]:
    programs = _seed_programs(users)
    cohorts = _seed_cohorts(programs, today)
    tracks = _seed_tracks(cohorts)
    questions = _seed_questions(cohorts, tracks)
    _seed_rubrics(cohorts)
    organisations = _seed_organisations(users)
    people = {**users, **_seed_applicants()}
    applications = _seed_applications(cohorts, tracks, organisations, people, users, today)
    _seed_answers(applications, questions)
    _seed_reviews(applications, people, users, today)
    _seed_participants(applications)
    open_cohort = cohorts["ifc-2027"]
    return [
        f"{'program staff (SI)':<22} {SI_STAFF[0]}  password: {DEMO_PASSWORD}",
        f"{'more applicants':<22} {len(APPLICANTS)} people, e.g. {APPLICANTS[0][0]}  password: {DEMO_PASSWORD}",
        f"open call: /calls/{open_cohort.slug}/ (deadline {open_cohort.applications_close_at:%Y-%m-%d %H:%M}); "
        "applicant@incubator.local holds a draft there",
        "cohorts: " + ", ".join(f"{cohort.slug} ({cohort.status})" for cohort in cohorts.values()),
    ]


def _seed_programs(users: dict) -> dict[str, Program]:
    programs = {}
    for data in PROGRAMS:
        program, _ = Program.objects.get_or_create(slug=data["slug"], defaults=data)
        programs[data["slug"]] = program
    staff_grant_program_role(user=users["programstaff@incubator.local"], program=programs[IFC])
    si_staff = _person(*SI_STAFF, language="th", phone="", is_staff=True)
    staff_grant_program_role(user=si_staff, program=programs[SI])
    return programs


def _seed_cohorts(programs: dict, today) -> dict[str, Cohort]:
    cohorts = {}
    for slug, program, number, name, status, call_text, (opens, closes, starts, ends) in COHORTS:
        cohort, _ = Cohort.objects.get_or_create(
            slug=slug,
            defaults={
                "program": programs[program],
                "number": number,
                "name": name,
                "status": status,
                "call_text": call_text,
                "applications_open_at": at_bangkok(today + timedelta(days=opens), 9, 0),
                "applications_close_at": at_bangkok(today + timedelta(days=closes)),
                "starts_on": today + timedelta(days=starts),
                "ends_on": today + timedelta(days=ends),
                "privacy_notice": PRIVACY_NOTICE,
                "privacy_notice_version": "2026-1",
            },
        )
        cohorts[slug] = cohort
    return cohorts


def _seed_tracks(cohorts: dict) -> dict[tuple[str, str], Track]:
    tracks = {}
    for slug, cohort in cohorts.items():
        program = IFC if slug.startswith("ifc-") else SI
        for kind, name, name_en, capacity in TRACKS[program]:
            track, _ = Track.objects.get_or_create(
                cohort=cohort, kind=kind, defaults={"name": name, "name_en": name_en, "capacity": capacity}
            )
            tracks[(slug, kind)] = track
    return tracks


def _seed_questions(cohorts: dict, tracks: dict) -> dict[str, list[Question]]:
    questions = {}
    for slug, rows in QUESTIONS.items():
        questions[slug] = []
        for order, track_kind, kind, text, text_en, required, choices, max_length in rows:
            question, _ = Question.objects.get_or_create(
                cohort=cohorts[slug],
                order=order,
                defaults={
                    "track": tracks[(slug, track_kind)] if track_kind else None,
                    "kind": kind,
                    "text": text,
                    "text_en": text_en,
                    "required": required,
                    "choices": choices,
                    "max_length": max_length,
                },
            )
            questions[slug].append(question)
    return questions


def _seed_rubrics(cohorts: dict) -> None:
    for slug, rubric in RUBRICS.items():
        for order, (name, name_en, description, weight) in enumerate(rubric, start=1):
            Criterion.objects.get_or_create(
                cohort=cohorts[slug],
                order=order,
                defaults={
                    "name": name,
                    "name_en": name_en,
                    "description": description,
                    "weight": Decimal(weight),
                    "min_score": 1,
                    "max_score": 5,
                },
            )


def _seed_organisations(users: dict) -> dict[str, Organisation]:
    organisations = {}
    staff = users["staff@incubator.local"]
    for index, (name, kind, province, needs, focus, size, contact) in enumerate(ORGANISATIONS, start=1):
        organisation, _ = Organisation.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "province": province,
                "region": region_of(province),
                "needs": needs,
                "focus_areas": focus,
                "size": size,
                "contact_name": contact,
                "contact_phone": f"02-555-01{index:02d}",
                "description": f"{name} ทำงานกับชุมชนในพื้นที่มากว่าสิบปี",
                "created_by": staff,
            },
        )
        organisations[name] = organisation
    return organisations


def _person(email: str, name: str, *, language: str, phone: str, is_staff: bool = False):
    user, created = get_user_model().objects.get_or_create(
        email=email,
        defaults={"full_name": name, "preferred_language": language, "phone": phone, "is_staff": is_staff},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _seed_applicants() -> dict:
    return {email: _person(email, name, language=language, phone=phone) for email, name, language, phone in APPLICANTS}


def _fields_for(track_kind: str, extra: dict) -> dict:
    """Only the fields of the application's track (as the form would have them)."""
    allowed = set(fields_for_track(track_kind))
    return {name: value for name, value in extra.items() if name in allowed}


def _status_dates(cohort: Cohort, index: int, today) -> dict:
    """When each step happened: submissions in the past and before the deadline, decisions after it."""
    close = cohort.applications_close_at
    submitted = min(close, at_bangkok(today, 0, 0)) - timedelta(days=1 + index % 4, hours=index % 7)
    return {
        Status.SUBMITTED: submitted,
        Status.UNDER_REVIEW: close + timedelta(days=2),
        Status.SHORTLISTED: close + timedelta(days=5),
        Status.ACCEPTED: close + timedelta(days=8),
        Status.WAITLISTED: close + timedelta(days=8),
        Status.REJECTED: close + timedelta(days=8),
        Status.WITHDRAWN: submitted + timedelta(days=1),
    }


def _seed_applications(cohorts, tracks, organisations, people, users, today) -> dict[tuple[str, str], Application]:
    staff = users["programstaff@incubator.local"]
    applications = {}
    for index, (slug, email, track_kind, status, organisation, extra) in enumerate(APPLICATIONS):
        cohort = cohorts[slug]
        applicant = people[email]
        application = Application.objects.filter(cohort=cohort, applicant=applicant).first()
        if application is None:
            application = _create_application(
                cohort=cohort,
                track=tracks[(slug, track_kind)],
                applicant=applicant,
                organisation=organisations.get(organisation),
                status=status,
                fields=_fields_for(track_kind, extra),
                staff=staff,
                index=index,
                today=today,
            )
        applications[(slug, email)] = application
    return applications


def _create_application(*, cohort, track, applicant, organisation, status, fields, staff, index, today):
    """A new application, walked through its statuses so that its history reads as it happened."""
    dates = _status_dates(cohort, index, today)
    started = cohort.applications_open_at + timedelta(hours=1 + index % 24)
    application = Application(cohort=cohort, track=track, applicant=applicant, organisation=organisation, **fields)
    application._history_date = started
    application._history_user = applicant
    application._change_reason = "started"
    application.save()
    for step in PATHS[status]:
        at = dates[step]
        application.status = step
        if step == Status.SUBMITTED:
            application.submitted_at = at
            application.consent_version = cohort.privacy_notice_version
            application.consented_at = at
        elif step == Status.WITHDRAWN:
            application.withdrawn_at = at
        elif step in enums.DECISION_STATUSES:
            application.decided_at = at
        by_applicant = step in (Status.SUBMITTED, Status.WITHDRAWN)
        application._history_date = at
        application._history_user = applicant if by_applicant else staff
        application._change_reason = CHANGE_REASONS[step]
        application.save()
    Application.objects.filter(pk=application.pk).update(created_at=started)
    return application


def _answer_for(question: Question, application: Application):
    if question.kind == QuestionKind.LONG_TEXT:
        return application.motivation or "ชุมชนยังขาดแผนระยะยาว เราอยากเห็นคนรุ่นใหม่กลับมาทำงานที่บ้าน"
    if question.kind == QuestionKind.SHORT_TEXT:
        return "https://www.facebook.com/"
    if question.kind == QuestionKind.NUMBER:
        return 6 + application.pk % 10
    if question.kind == QuestionKind.YES_NO:
        return True
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return question.choice_list[application.pk % len(question.choice_list)]
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return question.choice_list[:2]
    return None  # files are not part of the demo


def _seed_answers(applications: dict, questions: dict) -> None:
    """Answers for every handed-in application (and the demo draft) to its cohort's questions."""
    for (slug, email), application in applications.items():
        handed_in = application.status != Status.DRAFT
        if slug not in questions or not (handed_in or email == "applicant@incubator.local"):
            continue
        for question in questions[slug]:
            if question.track_id not in (None, application.track_id):
                continue
            if not handed_in and question.required:
                continue  # the demo draft is half done: the required answers are still missing
            value = _answer_for(question, application)
            if value is not None:
                Answer.objects.get_or_create(application=application, question=question, defaults={"value": value})


def _seed_reviews(applications: dict, people: dict, users: dict, today) -> None:
    staff = users["programstaff@incubator.local"]
    for (slug, email), reviewers in REVIEWS.items():
        application = applications[(slug, email)]
        criteria = list(Criterion.objects.filter(cohort=application.cohort).order_by("order", "pk"))
        if application.cohort.applications_close_at < at_bangkok(today, 0, 0):
            assigned_at = application.cohort.applications_close_at + timedelta(days=1)
            completed_at = assigned_at + timedelta(days=3)
        else:  # reviewing early, while the call is still open
            assigned_at = application.submitted_at + timedelta(hours=20)
            completed_at = assigned_at + timedelta(hours=2)
        for reviewer_email, (state, scores) in reviewers.items():
            review, created = ReviewAssignment.objects.get_or_create(
                application=application,
                reviewer=people[reviewer_email],
                defaults={
                    "state": state,
                    "assigned_by": staff,
                    "assigned_at": assigned_at,
                    "completed_at": completed_at if state == "completed" else None,
                    "comment": "ทีมลงพื้นที่จริงและเข้าใจปัญหา ควรได้รับการบ่มเพาะต่อ" if state == "completed" else "",
                    "conflict_reason": "รู้จักผู้สมัครเป็นการส่วนตัว เคยทำงานโครงการเดียวกัน" if state == "conflict" else "",
                },
            )
            if not created or not scores:
                continue
            for criterion, value in zip(criteria, scores, strict=False):
                Score.objects.get_or_create(
                    review=review, criterion=criterion, defaults={"score": value, "comment": SCORE_COMMENTS[value]}
                )


def _seed_participants(applications: dict) -> None:
    for application in applications.values():
        if application.status != Status.ACCEPTED:
            continue
        Participant.objects.get_or_create(
            cohort=application.cohort,
            user=application.applicant,
            defaults={
                "role": enums.ROLE_FOR_TRACK[application.track.kind],
                "organisation": application.organisation,
                "application": application,
                "joined_at": application.decided_at,
            },
        )
