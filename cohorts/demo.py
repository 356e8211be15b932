"""Demo programs, cohorts, applications and reviews (called by `manage.py seed_demo`).

Two programs, a cohort in every state (draft, open, closed, running, completed), tracks, the
cohorts' own questions and rubrics, organisations across the regions, applications in every
status from believable Thai applicants (with their status history), reviewer assignments with
scores, participants for the accepted applications, and a few staged (not yet sent)
decisions in the cohort with the most applications still to decide.

Every object is fetched or created by a natural key (slug, email, name, cohort + order,
cohort + applicant, ...) and nothing that exists is changed, so a second run changes nothing.
The ORM is used directly (not the services) so that no email is queued and the past can be
dated. Dates are relative to `today`.

The data (Thai text: programs, cohorts, questions, rubrics, organisations, people,
applications, reviews) is in the JSON files of `cohorts/demo_data/`; this module only seeds it.
"""

import json
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from cohorts import enums, models
from cohorts.enums import ApplicationStatus as Status
from cohorts.enums import QuestionKind
from cohorts.fields import fields_for_track
from cohorts.selectors.emails import editable_email_get, program_email_override
from cohorts.services.emails import program_email_save
from cohorts.services.reviews import staff_grant_program_role
from incubator.demo import DEMO_PASSWORD, at_bangkok
from incubator.geo import region_of

DATA_DIR = Path(__file__).resolve().parent / "demo_data"

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


@cache
def load(name: str) -> dict:
    """One file of `cohorts/demo_data/` (programs, cohorts, organisations, people, applications)."""
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def seed(*, users: dict, today) -> list[str]:
    programs = _seed_programs(users)
    cohorts = _seed_cohorts(programs, today)
    tracks = _seed_tracks(cohorts)
    questions = _seed_questions(cohorts, tracks)
    phases = _seed_phases(cohorts)
    _seed_rubrics(cohorts, phases)
    organisations = _seed_organisations(users)
    people = {**users, **_seed_applicants()}
    applications = _seed_applications(cohorts, tracks, organisations, people, users, today, phases)
    _seed_answers(applications, questions)
    _seed_reviews(applications, people, users, today, phases)
    _seed_reviewer_expertise(people)
    _seed_participants(applications)
    staged = _seed_staged_decisions(applications)
    _seed_extension(applications, users)
    si_program = programs[load("programs")["si_staff"]["program"]]
    _seed_email_texts(si_program)
    interview_phase = _seed_interviews(cohorts["si-2026"], today)
    open_cohort = cohorts["ifc-2027"]
    applicants = load("people")["applicants"]
    return [
        f"{'program staff (SI)':<22} {load('programs')['si_staff']['email']}  password: {DEMO_PASSWORD}",
        f"{'more applicants':<22} {len(applicants)} people, e.g. {applicants[0]['email']}  password: {DEMO_PASSWORD}",
        f"open call: /calls/{open_cohort.slug}/ (deadline {open_cohort.applications_close_at:%Y-%m-%d %H:%M}); "
        "applicant@incubator.local holds a draft there",
        f"deadline extension: thanawat.p@incubator.local has 3 more days; /staff/cohorts/{open_cohort.pk}/extensions/",
        "cohorts: " + ", ".join(f"{cohort.slug} ({cohort.status})" for cohort in cohorts.values()),
        "selection in four phases (blind review, interviews): "
        + ", ".join(f"/staff/cohorts/{cohorts[slug].pk}/selection/" for slug in ("ifc-2027", "si-2026")),
        *([f"staged decisions (not sent): /staff/cohorts/{staged.pk}/decisions/"] if staged else []),
        f"email texts of {si_program.slug} (acceptance reworded in Thai): /staff/programs/{si_program.pk}/emails/",
        f"interview slots (staff): /staff/phases/{interview_phase.pk}/interviews/",
    ]


def _seed_email_texts(program: models.Program) -> None:
    """The program's own acceptance email in Thai, as its staff would reword it (once)."""
    email = editable_email_get("decision_accepted")
    if program_email_override(program=program, email=email, language="th") is not None:
        return
    program_email_save(
        program=program,
        email=email,
        language="th",
        subject="ยินดีต้อนรับสู่ {{ program.display_name }} {{ cohort.name }}",
        body_text=(
            "เรียน คุณ{{ applicant.full_name }}\n\n"
            "ทีมงาน {{ program.display_name }} ยินดีที่ได้ต้อนรับท่านเข้าสู่ {{ cohort.name }} "
            "ในกลุ่ม {{ track.display_name }}\n"
            "{% if cohort.starts_on %}เวิร์กช็อปแรกเริ่มวันที่ {{ cohort.starts_on|bdate }}\n{% endif %}\n"
            "ดูใบสมัครของท่าน: {{ application_url }}\n\n"
            "ด้วยความยินดี\nทีมงาน {{ program.display_name }}"
        ),
        by=None,
    )


def _seed_programs(users: dict) -> dict[str, models.Program]:
    data = load("programs")
    programs = {}
    for row in data["programs"]:
        defaults = {name: value for name, value in row.items() if name != "tracks"}
        programs[row["slug"]], _ = models.Program.objects.get_or_create(slug=row["slug"], defaults=defaults)
    for slug, email in data["program_staff"].items():
        staff_grant_program_role(user=users[email], program=programs[slug])
    si_staff = data["si_staff"]
    user = _person(si_staff["email"], si_staff["full_name"], language="th", phone="", is_staff=True)
    staff_grant_program_role(user=user, program=programs[si_staff["program"]])
    return programs


def _seed_cohorts(programs: dict, today) -> dict[str, models.Cohort]:
    data = load("cohorts")
    cohorts = {}
    for row in data["cohorts"]:
        days = row["days_from_today"]
        cohorts[row["slug"]], _ = models.Cohort.objects.get_or_create(
            slug=row["slug"],
            defaults={
                "program": programs[row["program"]],
                "number": row["number"],
                "name": row["name"],
                "status": row["status"],
                "call_text": row["call_text"],
                "applications_open_at": at_bangkok(today + timedelta(days=days["opens"]), 9, 0),
                "applications_close_at": at_bangkok(today + timedelta(days=days["closes"])),
                "starts_on": today + timedelta(days=days["starts"]),
                "ends_on": today + timedelta(days=days["ends"]),
                "privacy_notice": data["privacy_notice"],
                "privacy_notice_version": data["privacy_notice_version"],
            },
        )
    return cohorts


def _cohort_rows() -> dict[str, dict]:
    return {row["slug"]: row for row in load("cohorts")["cohorts"]}


def _seed_tracks(cohorts: dict) -> dict[tuple[str, str], models.Track]:
    program_tracks = {row["slug"]: row["tracks"] for row in load("programs")["programs"]}
    rows = _cohort_rows()
    tracks = {}
    for slug, cohort in cohorts.items():
        for row in program_tracks[rows[slug]["program"]]:
            defaults = {"name": row["name"], "name_en": row["name_en"], "capacity": row["capacity"]}
            tracks[(slug, row["kind"])], _ = models.Track.objects.get_or_create(
                cohort=cohort, kind=row["kind"], defaults=defaults
            )
    return tracks


def _seed_questions(cohorts: dict, tracks: dict) -> dict[str, list[models.Question]]:
    questions = {}
    for slug, cohort_row in _cohort_rows().items():
        if "questions" not in cohort_row:
            continue
        questions[slug] = []
        for row in cohort_row["questions"]:
            defaults = {name: value for name, value in row.items() if name not in ("order", "track")}
            defaults["track"] = tracks[(slug, row["track"])] if row["track"] else None
            question, _ = models.Question.objects.get_or_create(
                cohort=cohorts[slug], order=row["order"], defaults=defaults
            )
            questions[slug].append(question)
    return questions


# The phase an application stands in after each step of its path, in a call with phases (by kind).
PHASE_AFTER = {
    Status.SUBMITTED: enums.PhaseKind.SCREENING,
    Status.UNDER_REVIEW: enums.PhaseKind.REVIEW,
    Status.SHORTLISTED: enums.PhaseKind.INTERVIEW,
    Status.ACCEPTED: enums.PhaseKind.DECISION,
    Status.WAITLISTED: enums.PhaseKind.DECISION,
}


def _seed_phases(cohorts: dict) -> dict[str, dict[str, models.Phase]]:
    """The open and the closed call select in four phases (screening, a blind scored review, an
    interview, the final decision), dated from the call's deadline: {slug: {kind: phase}}."""
    data = load("cohorts")
    phases = {}
    for slug in data["phased_cohorts"]:
        cohort = cohorts[slug]
        phases[slug] = {}
        for order, row in enumerate(data["phases"], start=1):
            close = cohort.applications_close_at
            days = row["days"]
            phases[slug][row["kind"]], _ = models.Phase.objects.get_or_create(
                cohort=cohort,
                order=order,
                defaults={
                    **{name: row[name] for name in ("kind", "name", "name_en", "description", "description_en")},
                    "is_blind": row["is_blind"],
                    "starts_at": close + timedelta(days=days["starts"]),
                    "review_deadline": close + timedelta(days=days["review_deadline"])
                    if days["review_deadline"]
                    else None,
                    "ends_at": close + timedelta(days=days["ends"]),
                },
            )
    return phases


def _seed_rubrics(cohorts: dict, phases: dict) -> None:
    """Each call's rubric; in a call with phases the call's rubric is its scored review's, and
    the screening and the interview have their own."""
    rubrics = load("cohorts")["rubrics"]
    phase_rows = {row["kind"]: row for row in load("cohorts")["phases"]}
    for slug, cohort_row in _cohort_rows().items():
        review = phases.get(slug, {}).get(enums.PhaseKind.REVIEW)
        for order, row in enumerate(rubrics.get(cohort_row.get("rubric"), []), start=1):
            models.Criterion.objects.get_or_create(
                cohort=cohorts[slug],
                order=order,
                defaults={**row, "phase": review, "weight": Decimal(row["weight"]), "min_score": 1, "max_score": 5},
            )
        for kind, phase in phases.get(slug, {}).items():
            if not isinstance(phase_rows[kind]["rubric"], list):
                continue
            for order, row in enumerate(phase_rows[kind]["rubric"], start=101):
                models.Criterion.objects.get_or_create(
                    cohort=cohorts[slug],
                    phase=phase,
                    order=order,
                    defaults={**row, "weight": Decimal(row["weight"]), "min_score": 1, "max_score": 5},
                )


def _seed_organisations(users: dict) -> dict[str, models.Organisation]:
    organisations = {}
    staff = users["staff@incubator.local"]
    data = load("organisations")
    for index, row in enumerate(data["organisations"], start=1):
        name = row["name"]
        organisations[name], _ = models.Organisation.objects.get_or_create(
            name=name,
            defaults={
                **row,
                "region": region_of(row["province"]),
                "contact_phone": f"02-555-01{index:02d}",
                "description": data["description"].format(name=name),
                "created_by": staff,
            },
        )
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
    return {
        row["email"]: _person(row["email"], row["full_name"], language=row["preferred_language"], phone=row["phone"])
        for row in load("people")["applicants"]
    }


def _fields_for(row: dict, texts: dict) -> dict:
    """The application's own fields: its text template, then its fields, only those of its
    track (as the form would have them)."""
    fields = {**texts.get(row.get("text"), {}), **row.get("fields", {})}
    allowed = set(fields_for_track(row["track"]))
    return {name: value for name, value in fields.items() if name in allowed}


def _status_dates(cohort: models.Cohort, index: int, today) -> dict:
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


def _seed_applications(
    cohorts, tracks, organisations, people, users, today, phases
) -> dict[tuple[str, str], models.Application]:
    staff = users["programstaff@incubator.local"]
    applications = {}
    data = load("applications")
    for index, row in enumerate(data["applications"]):
        slug, email = row["cohort"], row["applicant"]
        cohort = cohorts[slug]
        applicant = people[email]
        application = models.Application.objects.filter(cohort=cohort, applicant=applicant).first()
        if application is None:
            application = _create_application(
                cohort=cohort,
                track=tracks[(slug, row["track"])],
                applicant=applicant,
                organisation=organisations.get(row["organisation"]),
                status=row["status"],
                fields=_fields_for(row, data["texts"]),
                staff=staff,
                index=index,
                today=today,
                phases=phases.get(slug, {}),
            )
        applications[(slug, email)] = application
    return applications


def _create_application(*, cohort, track, applicant, organisation, status, fields, staff, index, today, phases):
    """A new application, walked through its statuses so that its history reads as it happened."""
    dates = _status_dates(cohort, index, today)
    started = cohort.applications_open_at + timedelta(hours=1 + index % 24)
    application = models.Application(
        cohort=cohort, track=track, applicant=applicant, organisation=organisation, **fields
    )
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
        if step in PHASE_AFTER and phases:
            application.phase = phases[PHASE_AFTER[step]]
        by_applicant = step in (Status.SUBMITTED, Status.WITHDRAWN)
        application._history_date = at
        application._history_user = applicant if by_applicant else staff
        application._change_reason = CHANGE_REASONS[step]
        application.save()
    models.Application.objects.filter(pk=application.pk).update(created_at=started)
    return application


def _answer_for(question: models.Question, application: models.Application):
    answers = load("applications")["answers"]
    if question.kind == QuestionKind.LONG_TEXT:
        return application.motivation or answers["long_text"]
    if question.kind == QuestionKind.SHORT_TEXT:
        return answers["short_text"]
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
                models.Answer.objects.get_or_create(
                    application=application, question=question, defaults={"value": value}
                )


# What the demo reviewers say they know, so automatic assignment shows reasons beyond load.
DEMO_EXPERTISE = (
    (["organisation"], ["environment", "community"], ["south", "north"]),
    (["intrapreneur", "team"], ["education", "children_youth"], ["northeast", "central"]),
    (["organisation", "team"], ["health", "agriculture"], ["north", "east"]),
)


def _seed_reviewer_expertise(people: dict) -> None:
    emails = sorted({reviewer["reviewer"] for row in load("applications")["reviews"] for reviewer in row["reviewers"]})
    for index, email in enumerate(emails):
        tracks, sectors, regions = DEMO_EXPERTISE[index % len(DEMO_EXPERTISE)]
        models.ReviewerExpertise.objects.get_or_create(
            user=people[email], defaults={"track_kinds": tracks, "sectors": sectors, "regions": regions}
        )


def _seed_reviews(applications: dict, people: dict, users: dict, today, phases: dict) -> None:
    staff = users["programstaff@incubator.local"]
    data = load("applications")
    for row in data["reviews"]:
        application = applications[(row["cohort"], row["applicant"])]
        phase = phases.get(row["cohort"], {}).get(enums.PhaseKind.REVIEW)
        criteria = list(models.Criterion.objects.filter(cohort=application.cohort, phase=phase).order_by("order", "pk"))
        if application.cohort.applications_close_at < at_bangkok(today, 0, 0):
            assigned_at = application.cohort.applications_close_at + timedelta(days=1)
            completed_at = assigned_at + timedelta(days=3)
        else:  # reviewing early, while the call is still open
            assigned_at = application.submitted_at + timedelta(hours=20)
            completed_at = assigned_at + timedelta(hours=2)
        for reviewer in row["reviewers"]:
            state, scores = reviewer["state"], reviewer["scores"]
            review, created = models.ReviewAssignment.objects.get_or_create(
                application=application,
                reviewer=people[reviewer["reviewer"]],
                defaults={
                    "phase": phase,
                    "state": state,
                    "assigned_by": staff,
                    "assigned_at": assigned_at,
                    "completed_at": completed_at if state == "completed" else None,
                    "comment": data["review_comment"] if state == "completed" else "",
                    "conflict_reason": data["conflict_reason"] if state == "conflict" else "",
                },
            )
            if not created or not scores:
                continue
            for criterion, value in zip(criteria, scores, strict=False):
                models.Score.objects.get_or_create(
                    review=review,
                    criterion=criterion,
                    defaults={"score": value, "comment": data["score_comments"][str(value)]},
                )


def _seed_participants(applications: dict) -> None:
    for application in applications.values():
        if application.status != Status.ACCEPTED:
            continue
        models.Participant.objects.get_or_create(
            cohort=application.cohort,
            user=application.applicant,
            defaults={
                "role": enums.ROLE_FOR_TRACK[application.track.kind],
                "organisation": application.organisation,
                "application": application,
                "joined_at": application.decided_at,
            },
        )


def _seed_staged_decisions(applications: dict) -> models.Cohort | None:
    """Stage (not send) decisions for up to three undecided applications of the cohort (of a
    program the demo Social Incubator staff run) with the most of them, in the order they came in:
    accepted, waitlisted first, rejected."""
    staff = get_user_model().objects.get(email=load("programs")["si_staff"]["email"])
    runs = set(staff.staffed_programs.values_list("pk", flat=True))
    undecided: dict[int, list[models.Application]] = {}
    for application in applications.values():
        if application.cohort.program_id not in runs:
            continue
        if application.status in (Status.SUBMITTED, Status.UNDER_REVIEW, Status.SHORTLISTED):
            undecided.setdefault(application.cohort_id, []).append(application)
    if not undecided:
        return None
    chosen = max(undecided.values(), key=lambda rows: (len(rows), -rows[0].cohort_id))
    chosen.sort(key=lambda application: application.pk)
    plan = [(Status.ACCEPTED, None), (Status.WAITLISTED, 1), (Status.REJECTED, None)]
    for application, (status, position) in zip(chosen, plan, strict=False):
        models.PendingDecision.objects.get_or_create(
            application=application,
            defaults={
                "cohort": application.cohort,
                "status": status,
                "waitlist_position": position,
                "prepared_by": staff,
            },
        )
    return chosen[0].cohort


def _seed_extension(applications: dict, users: dict) -> None:
    """One applicant of the open call with three more days (as staff would grant it, without
    the email: the demo queues none), so the staff page and "You have until" have something."""
    application = applications[("ifc-2027", "thanawat.p@incubator.local")]
    cohort = application.cohort
    if models.DeadlineExtension.objects.filter(cohort=cohort, person=application.applicant).exists():
        return
    staff = users["programstaff@incubator.local"]
    extension = models.DeadlineExtension(
        cohort=cohort,
        person=application.applicant,
        email=application.applicant.email,
        until=cohort.applications_close_at + timedelta(days=3),
        reason="ลาคลอด ขอเวลาเพิ่มเพื่อเตรียมเอกสารแผนงาน",
        granted_by=staff,
    )
    extension.full_clean(exclude=["cohort", "person", "granted_by", "revoked_by"])
    extension._history_user = staff
    extension._change_reason = "granted (demo)"
    extension.save()


def _seed_interviews(cohort: models.Cohort, today) -> models.Phase:
    """An interview phase for the cohort's shortlisted applicants (the cohort's own if it has
    one), a morning of slots a week ahead with the program's staff as panel, and the first
    shortlisted applicant booked (without emails)."""
    phase = models.Phase.objects.filter(cohort=cohort, kind=enums.PhaseKind.INTERVIEW).order_by("order").first()
    if phase is None:
        last = models.Phase.objects.filter(cohort=cohort).order_by("-order").values_list("order", flat=True).first()
        phase = models.Phase.objects.create(
            cohort=cohort,
            order=(last or 0) + 1,
            kind=enums.PhaseKind.INTERVIEW,
            name="สัมภาษณ์ผู้ผ่านการคัดเลือกรอบแรก",
            name_en="Interviews of the shortlist",
            description="ผู้ผ่านการคัดเลือกรอบแรกเลือกเวลาสัมภาษณ์กับคณะกรรมการ 30 นาที ที่สำนักงานหรือออนไลน์",
            booking_cutoff_hours=24,
        )
    models.Application.objects.filter(cohort=cohort, status=Status.SHORTLISTED, phase__isnull=True).update(phase=phase)
    panel = list(cohort.program.staff.order_by("pk"))
    day = today + timedelta(days=7)
    slots = []
    for index in range(4):
        starts_at = at_bangkok(day, 9, 0) + timedelta(minutes=40 * index)
        slot, created = models.InterviewSlot.objects.get_or_create(
            phase=phase,
            starts_at=starts_at,
            defaults={
                "ends_at": starts_at + timedelta(minutes=30),
                "place": "ห้องประชุม สำนักงานโครงการ ชั้น 3",
                "online_url": "https://meet.example.org/si-interviews",
            },
        )
        if created:
            slot.panel.set(panel)
        slots.append(slot)
    first = models.Application.objects.filter(phase=phase, status=Status.SHORTLISTED).order_by("pk").first()
    if first is not None and not models.InterviewBooking.objects.filter(application=first, phase=phase).exists():
        booking = models.InterviewBooking(
            application=first, phase=phase, slot=slots[0], booked_at=at_bangkok(today, 10, 0)
        )
        booking._history_user = first.applicant
        booking._change_reason = "booked"
        booking.save()
        models.InterviewSlot.objects.filter(pk=slots[0].pk).update(seats_taken=1)
        for person in panel:
            models.ReviewAssignment.objects.get_or_create(
                application=first, reviewer=person, phase=phase, defaults={"assigned_by": person}
            )
    return phase
