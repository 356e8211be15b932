"""Demo data for coaching (`manage.py seed_demo`): coach profiles from the accepted
intrapreneur applications of the running cohort, matches proposed by the solver and
confirmed (the demo coach with the demo leader, fixed), plans with goals and milestones,
visits with actions, researcher access. Idempotent: natural keys and fixed client ids."""

from __future__ import annotations

import uuid
from datetime import timedelta

from coaching.enums import ActionOwner, MatchStatus, PairRuleKind, VisitMode, VisitPhase
from coaching.models import (
    CohortCoachingSettings,
    Match,
    Milestone,
    PairRule,
    PlanGoal,
    RelationshipPlan,
    ResearcherAccess,
)
from coaching.services.matches import match_confirm, matching_run
from coaching.services.profiles import coach_profile_from_application
from coaching.services.visits import NewAction, VisitInput, visit_submit
from cohorts.enums import ApplicationStatus, ParticipantRole, TrackKind
from cohorts.models import Application, Cohort, Participant

RUNNING = "ifc-2026"
DEMO_NAMESPACE = uuid.UUID("0b6f5c1e-6a55-4a11-9f0e-2c7a3d1f9e01")

GOALS = [
    (1, "ทดลองกลยุทธ์ใหม่กับชุมชนนำร่อง 2 หมู่บ้าน และเก็บเสียงสะท้อนทุกเดือน"),
    (2, "คำนวณต้นทุนต่อหน่วยผลลัพธ์ (impact unit cost) ของกิจกรรมหลักให้ได้ภายในไตรมาสนี้"),
]
MILESTONES = [("แผนกลยุทธ์ฉบับทดลองใช้", -45), ("ตัวเลขต้นทุนและผู้รับประโยชน์ครบ 3 เดือน", 20), ("ทีมแบ่งบทบาทใหม่", 80)]
VISITS = [
    (-60, VisitPhase.STRATEGY, "ทีมเริ่มทดลองกลยุทธ์ในหมู่บ้านนำร่อง ชาวบ้านให้ความร่วมมือดี",
     "ทีมงานมีน้อย งานเอกสารล้น", "จัดประชุมทีมทุกสัปดาห์", ActionOwner.LEADER, -30),
    (-12, VisitPhase.FINANCE, "ทบทวนต้นทุนกิจกรรมกับผู้นำ เริ่มเห็นต้นทุนต่อผู้รับประโยชน์",
     "ข้อมูลค่าใช้จ่ายกระจายหลายสมุด", "รวมบัญชีค่าใช้จ่ายเป็นไฟล์เดียว", ActionOwner.COACH, 5),
]  # fmt: skip


def seed(*, users: dict, today) -> list[str]:
    cohort = Cohort.objects.filter(slug=RUNNING).select_related("program").first()
    if cohort is None:
        return []
    staff = users["staff@incubator.local"]
    CohortCoachingSettings.objects.get_or_create(cohort=cohort, defaults={"no_visit_alert_days": 30})
    ResearcherAccess.objects.get_or_create(user=users["researcher@incubator.local"], cohort=cohort)
    applications = Application.objects.filter(
        cohort=cohort, status=ApplicationStatus.ACCEPTED, track__kind=TrackKind.INTRAPRENEUR
    ).order_by("pk")
    profiles = {app.applicant.email: coach_profile_from_application(application=app) for app in applications}
    coach = profiles.get("coach@incubator.local")
    if coach is not None and coach.capacity < 2:
        coach.capacity = 2
        coach.save(update_fields=["capacity"])
    leader = Participant.objects.filter(
        cohort=cohort, user=users["leader@incubator.local"], role=ParticipantRole.ORGANISATION_LEADER
    ).first()
    if coach is not None and leader is not None and leader.organisation_id:
        PairRule.objects.get_or_create(
            cohort=cohort, coach=coach, organisation_id=leader.organisation_id,
            defaults={"kind": PairRuleKind.FIXED, "note": "คู่สาธิต", "created_by": staff},
        )  # fmt: skip
    if not Match.objects.filter(cohort=cohort).exists():
        matching_run(cohort=cohort, by=staff)
        for match in Match.objects.filter(cohort=cohort, status=MatchStatus.PROPOSED).order_by("pk"):
            match_confirm(match=match, by=staff)
    confirmed = list(
        Match.objects.filter(cohort=cohort, status=MatchStatus.CONFIRMED).select_related("coach__user").order_by("pk")
    )
    for match in confirmed:
        _seed_plan(match, today)
        _seed_visits(match, today)
    return [
        f"coaching: {len(confirmed)} confirmed pairs in {cohort.slug}; coach workspace /coaching/ "
        f"(coach@incubator.local), matching /coaching/staff/cohorts/{cohort.pk}/matching/ (staff), "
        "visits /coaching/visits/ (staff, researcher@incubator.local)"
    ]


def _seed_plan(match: Match, today) -> None:
    plan, _ = RelationshipPlan.objects.get_or_create(
        match=match, defaults={"summary": "ทำงานร่วมกันระหว่างเวิร์กช็อป ทดลองกลยุทธ์และวางระบบการเงิน"}
    )
    for after, text in GOALS:
        PlanGoal.objects.get_or_create(plan=plan, after_workshop=after, defaults={"text": text})
    for title, days in MILESTONES:
        Milestone.objects.get_or_create(plan=plan, title=title, defaults={"due_on": today + timedelta(days=days)})


def _seed_visits(match: Match, today) -> None:
    province = match.organisation.province
    for index, (days, phase, seen, challenge, action, owner, due) in enumerate(VISITS):
        fields = {
            "visited_on": today + timedelta(days=days),
            "mode": VisitMode.ON_SITE if index == 0 else VisitMode.ONLINE,
            "place": "สำนักงานองค์กร",
            "province": province,
            "phase": phase,
            "observations": seen,
            "challenges": challenge,
            "wellbeing_score": 4 - index,
            "wellbeing_note": "ผู้นำเหนื่อยแต่มีกำลังใจ",
            "next_visit_on": today + timedelta(days=days + 30),
            "shared_with_leader": True,
        }
        if phase == VisitPhase.FINANCE:
            fields.update({"costs": 45000, "beneficiaries": 150})
        visit_submit(
            match=match,
            by=match.coach.user,
            client_id=uuid.uuid5(DEMO_NAMESPACE, f"{match.pk}:{index}"),
            data=VisitInput(
                fields=fields, actions=[NewAction(title=action, owner=owner, due_on=today + timedelta(days=due))]
            ),
        )
