"""Selection at a call's real size (issue 16): the staff pages of a call with phases and the
planners behind them.

    .venv/bin/python benchmarks/selection.py            # 5,000 applications, 200 reviewers (a few minutes)
    .venv/bin/python benchmarks/selection.py --small    # CI smoke run: 300 applications, 20 reviewers

One call with `--applications` handed-in applications (organisations, intrapreneurs, teams) and
two phases: a blind scored review (a 3-criterion rubric, `--reviewers` reviewers, 3 reviews per
application, 2% of the applications with a declared conflict and a few reviewers belonging to an
applying organisation) and an interview phase. In order:

1. A group message to everyone in the review phase (`cohort_message_send`): seconds, queries,
   outbox rows (must equal the recipients) and the same form sent again (must queue 0).
2. `reviews_propose` for the review phase (the solver's share timed apart), its load spread and
   the conflicts it assigned (must be 0), then the assignment preview page
   `GET /staff/phases/<id>/assign/` with that proposal.
3. The proposal's pairs become completed reviews with scores; `--interviews` applications move
   to the interview phase (shortlisted), `--slots` interview slots within the next 24 hours
   take `--bookings` bookings.
4. The staff selection page `GET /staff/cohorts/<id>/selection/` and the review phase's ranking
   `GET /staff/cohorts/<id>/ranking/?phase=<id>`.
5. `interview_reminders_plan()` with every booking due for its 24-hour reminder, then again
   (must queue 0).
6. `--interviews` staged decisions (a third each accepted, waitlisted, rejected): the
   staged-decisions page `GET /staff/cohorts/<id>/decisions/` (by default the last phase's
   applications, 100 a page) and the same over all handed-in applications
   (`?phase=all&page=30`), then `decisions_send` of the batch: outbox rows written (must equal
   the staged ones).

Pages go through Django's test client in production mode (static files collected into a scratch
directory), as the call's program staff: one warm-up GET, then `--requests` timed GETs each, with
queries counted. `ok` holds when the counts above hold and each page's query count is at most
its bound in `PAGE_QUERY_BOUNDS` (fixed: the same at any size; the pages read a fixed number of
queries whatever the rows). Timings are reported, not asserted.

Prints ONE JSON object on stdout; logs go to stderr. The database and the Redis server are
cleaned up even on failure or Ctrl-C (`--keep-db` keeps the database).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    BenchEnvironment,
    loadavg,
    log,
    make_users,
    org_fields,
    parse_with_small,
    percentiles,
    redact_url,
    reported,
    shared_password_hash,
    slowest_queries,
    stop_on_signals,
    track_fields,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_selection"
SETTINGS_MODULE = "benchmarks.settings"
# The most queries each page may read, at any number of rows (flat: measured 300 and 5,000
# applications, plus headroom for a session or message read; see benchmarks/README.md).
PAGE_QUERY_BOUNDS = {"selection": 20, "ranking": 20, "assign": 25, "decisions": 20, "decisions_all": 20}


def timed(function, /, **kwargs):
    """(result, seconds, captured queries) of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        value = function(**kwargs)
        seconds = time.perf_counter() - started
    return value, seconds, captured.captured_queries


def query_figures(seconds: float, queries: list[dict]) -> dict:
    return {
        "s": round(seconds, 3),
        "queries": len(queries),
        "queries_ms": round(sum(float(q.get("time") or 0) for q in queries) * 1000),
        "slowest_queries": slowest_queries(queries),
    }


def query_kinds(queries: list[dict], top: int = 10) -> dict[str, int]:
    """How many queries of each kind (statement and first table), most frequent first: where a
    count that grows with rows comes from."""
    kinds: Counter = Counter()
    for query in queries:
        sql = query["sql"].lstrip()
        verb = sql.split(None, 1)[0].upper() if sql else "?"
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
        kinds[f"{verb} {table.group(1)}" if table else verb] += 1
    return dict(kinds.most_common(top))


def seed(*, applications: int, reviewers: int, password: str) -> dict:
    """The call, its two phases, rubric, reviewers (with expertise) and handed-in applications."""
    from decimal import Decimal

    from django.utils import timezone

    from cohorts.enums import ApplicationStatus, CohortStatus, PhaseKind, ReviewState, Sector, TrackKind
    from cohorts.models import (
        Application,
        Cohort,
        Criterion,
        Organisation,
        Phase,
        Program,
        ReviewAssignment,
        ReviewerExpertise,
        Track,
    )
    from cohorts.services.staff import staff_grant_program_role
    from incubator.geo import Region
    from incubator.models import User

    now = timezone.now()
    program = Program.objects.create(name="โครงการบ่มเพาะกิจการเพื่อสังคม", slug="selection-program")
    cohort = Cohort.objects.create(
        program=program,
        number=1,
        name="รุ่นที่ 7",
        slug="selection-cohort",
        status=CohortStatus.CLOSED,
        applications_open_at=now - timedelta(days=50),
        applications_close_at=now - timedelta(days=10),
    )
    tracks = {
        kind: Track.objects.create(cohort=cohort, kind=kind, name=str(label)) for kind, label in TrackKind.choices
    }
    review = Phase.objects.create(
        cohort=cohort,
        order=1,
        kind=PhaseKind.REVIEW,
        name="พิจารณาใบสมัคร",
        name_en="Application review",
        review_deadline=now + timedelta(days=7),
        reviewers_per_application=3,
        is_blind=True,
    )
    interview = Phase.objects.create(
        cohort=cohort, order=2, kind=PhaseKind.INTERVIEW, name="สัมภาษณ์", name_en="Interview", booking_cutoff_hours=2
    )
    criteria = Criterion.objects.bulk_create(
        [
            Criterion(cohort=cohort, phase=review, order=i, name=f"เกณฑ์ {i + 1}", weight=Decimal(1 + i % 2))
            for i in range(3)
        ]
    )
    staff = User.objects.create(email="staff@example.org", full_name="เจ้าหน้าที่โครงการ", password=password)
    staff_grant_program_role(user=staff, program=program)
    staff.refresh_from_db()

    reviewer_users = make_users(prefix="reviewer", count=reviewers, password=password)
    through = Phase.reviewers.through
    through.objects.bulk_create([through(phase_id=review.pk, user_id=user.pk) for user in reviewer_users])
    org_count = max(1, applications // 3)
    organisations = Organisation.objects.bulk_create(
        [Organisation(**org_fields(n)) for n in range(org_count)], batch_size=5000
    )
    kinds, regions, sectors = list(TrackKind.values), list(Region.values), list(Sector.values)
    ReviewerExpertise.objects.bulk_create(
        [
            ReviewerExpertise(
                user=user,
                track_kinds=[kinds[n % 3], kinds[(n + 1) % 3]],
                sectors=[sectors[n % len(sectors)], sectors[(n + 4) % len(sectors)]],
                regions=[regions[n % len(regions)], regions[(n + 2) % len(regions)]],
                # One reviewer in twenty belongs to an applying organisation: never assigned its applications.
                organisation=organisations[n % org_count] if n % 20 == 0 else None,
            )
            for n, user in enumerate(reviewer_users)
        ]
    )
    applicants = make_users(prefix="applicant", count=applications, password=password)
    rows = []
    for n, applicant in enumerate(applicants):
        kind = kinds[n % 3]
        fields = track_fields(kind, n)
        if kind != TrackKind.INTRAPRENEUR:
            fields["sectors"] = [sectors[n % len(sectors)]]
        rows.append(
            Application(
                cohort=cohort,
                track=tracks[kind],
                phase=review,
                applicant=applicant,
                organisation=organisations[n % org_count] if kind == TrackKind.ORGANISATION else None,
                status=ApplicationStatus.UNDER_REVIEW,
                submitted_at=cohort.applications_close_at - timedelta(minutes=n),
                consent_version="1.0",
                consented_at=cohort.applications_close_at - timedelta(days=1),
                **fields,
            )
        )
    made = Application.objects.bulk_create(rows, batch_size=2500)
    # 2% of the applications have a reviewer who declared a conflict of interest.
    conflicts = ReviewAssignment.objects.bulk_create(
        [
            ReviewAssignment(
                application=application,
                phase=review,
                reviewer=reviewer_users[(n * 7) % reviewers],
                state=ReviewState.CONFLICT,
                conflict_reason="เคยทำงานร่วมกับองค์กรนี้",
            )
            for n, application in enumerate(made)
            if n % 50 == 0
        ]
    )
    return {
        "program": program,
        "cohort": cohort,
        "review": review,
        "interview": interview,
        "criteria": criteria,
        "staff": staff,
        "reviewers": reviewer_users,
        "applications": made,
        "conflicts": len(conflicts),
    }


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure_page(client, url: str, *, requests: int, marker: bytes) -> dict:
    """One warm-up GET, then `requests` timed GETs: ms, queries, bytes, and `marker` counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    warm = client.get(url)
    if warm.status_code != 200:
        raise RuntimeError(f"{url} answered {warm.status_code}")
    ms, queries = [], []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            ms.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        queries.append(len(captured))
    db_ms = sum(float(q.get("time") or 0) for q in captured.captured_queries) * 1000
    return {
        "url": url,
        "ms": percentiles(ms),
        "s_p50": round(percentiles(ms)["p50"] / 1000, 3),
        "queries": max(queries),
        "queries_each_request": sorted(set(queries)),
        "queries_ms": round(db_ms),
        "kb": round(len(response.content) / 1024),
        "rows_shown": response.content.count(marker),
        "slowest_queries": slowest_queries(captured.captured_queries),
    }


def run_message(world: dict) -> dict:
    from cohorts.enums import MessageGroup
    from cohorts.selectors.messages import message_recipients
    from cohorts.services.messages import cohort_message_send
    from incubator.models import OutboundEmail

    cohort, phase = world["cohort"], world["review"]
    expected = message_recipients(cohort=cohort, group=MessageGroup.PHASE, phase=phase).count()
    token = uuid.uuid4()
    kwargs = {
        "cohort": cohort,
        "group": MessageGroup.PHASE,
        "phase": phase,
        "subject": "กำหนดการประกาศผลรอบพิจารณา",
        "body": "เรียนผู้สมัครทุกท่าน คณะกรรมการกำลังพิจารณาใบสมัคร จะแจ้งผลภายในสองสัปดาห์",
        "subject_en": "When the review results come",
        "body_en": "Dear applicants, the reviewers are reading your applications; results within two weeks.",
        "token": token,
        "by": world["staff"],
        "expected_count": expected,
    }
    before = OutboundEmail.objects.count()
    (message, sent), seconds, queries = timed(cohort_message_send, **kwargs)
    outbox = OutboundEmail.objects.filter(key__startswith=f"cohort-message:{message.pk}:").count()
    written = OutboundEmail.objects.count() - before
    before = OutboundEmail.objects.count()
    (_again, sent_again), again_s, _q = timed(cohort_message_send, **kwargs)
    return {
        "recipients": expected,
        "sent": sent,
        **query_figures(seconds, queries),
        "outbox_rows": outbox,
        "outbox_rows_written": written,
        "resend_sent": sent_again,
        "resend_queued": OutboundEmail.objects.count() - before,
        "resend_s": round(again_s, 3),
    }


def run_propose(world: dict) -> dict:
    from cohorts.services import assignment
    from cohorts.services.assignment import assignment_inputs, reviews_propose

    phase, staff = world["review"], world["staff"]
    spent = {"solver": 0.0, "inputs": 0.0}

    def clocked(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        return wrapper

    original_solver, original_inputs = assignment.assign_reviewers, assignment.assignment_inputs
    assignment.assign_reviewers = clocked("solver", original_solver)
    assignment.assignment_inputs = clocked("inputs", original_inputs)
    try:
        cpu = time.process_time()
        proposal, seconds, queries = timed(reviews_propose, phase=phase, by=staff)
        cpu = time.process_time() - cpu
    finally:
        assignment.assign_reviewers, assignment.assignment_inputs = original_solver, original_inputs
    inputs = assignment_inputs(phase=phase)
    pairs = [(pair["reviewer"], pair["application"]) for pair in proposal.pairs]
    load = Counter(reviewer for reviewer, _app in pairs)
    loads = [load.get(user.pk, 0) for user in world["reviewers"]]
    return {
        "proposal": proposal,
        "figures": {
            **query_figures(seconds, queries),
            "cpu_s": round(cpu, 3),
            "solver_s": round(spent["solver"], 3),
            "inputs_s": round(spent["inputs"], 3),
            "pairs": len(pairs),
            "distinct_pairs": len(set(pairs)),
            "short": sum(proposal.short.values()),
            "load_min": min(loads),
            "load_max": max(loads),
            "load_spread": max(loads) - min(loads),
            "blocked_pairs": len(inputs.blocked),
            "conflicts_assigned": sum(1 for pair in pairs if pair in inputs.blocked),
        },
    }


def seed_reviews_and_interviews(world: dict, proposal, *, interviews: int, slots: int, bookings: int) -> dict:
    """The proposal's pairs as completed, scored reviews; the best `interviews` applications
    shortlisted into the interview phase; `slots` slots in the next 24 hours, `bookings` booked."""
    from django.db.models import F
    from django.utils import timezone

    from cohorts.enums import ApplicationStatus, ReviewState
    from cohorts.models import Application, InterviewBooking, InterviewSlot, ReviewAssignment, Score

    now = timezone.now()
    review, interview = world["review"], world["interview"]
    reviews = ReviewAssignment.objects.bulk_create(
        [
            ReviewAssignment(
                application_id=pair["application"],
                phase=review,
                reviewer_id=pair["reviewer"],
                state=ReviewState.COMPLETED,
                assigned_by=world["staff"],
                completed_at=now - timedelta(days=1),
                comment="โครงการมีความชัดเจน ทีมมีประสบการณ์ในพื้นที่",
            )
            for pair in proposal.pairs
        ],
        batch_size=5000,
    )
    Score.objects.bulk_create(
        [
            Score(review=item, criterion=criterion, score=1 + (item.application_id * 7 + item.reviewer_id + i) % 5)
            for item in reviews
            for i, criterion in enumerate(world["criteria"])
        ],
        batch_size=5000,
    )
    chosen = [application.pk for application in world["applications"][:interviews]]
    Application.objects.filter(pk__in=chosen).update(phase=interview, status=ApplicationStatus.SHORTLISTED)
    # Slots of 30 minutes from 3 hours ahead: every one within 24 hours, none within 2.
    capacity = -(-bookings // slots)
    first = now + timedelta(hours=3)
    made = InterviewSlot.objects.bulk_create(
        [
            InterviewSlot(
                phase=interview,
                starts_at=first + timedelta(minutes=30 * n),
                ends_at=first + timedelta(minutes=30 * n + 25),
                place="ห้องประชุม 2 อาคารเรียนรวม",
                capacity=capacity,
                created_by=world["staff"],
            )
            for n in range(slots)
        ]
    )
    through = InterviewSlot.panel.through
    panel = world["reviewers"][:3]
    through.objects.bulk_create([through(interviewslot_id=slot.pk, user_id=user.pk) for slot in made for user in panel])
    booked = InterviewBooking.objects.bulk_create(
        [
            InterviewBooking(
                application_id=pk, phase=interview, slot=made[n % slots], booked_at=now - timedelta(days=2)
            )
            for n, pk in enumerate(chosen[:bookings])
        ]
    )
    taken = Counter(booking.slot_id for booking in booked)
    for slot_id, count in taken.items():
        InterviewSlot.objects.filter(pk=slot_id).update(seats_taken=F("seats_taken") + count)
    return {
        "reviews": len(reviews),
        "scores": len(reviews) * len(world["criteria"]),
        "interview_applications": len(chosen),
        "slots": len(made),
        "slot_capacity": capacity,
        "bookings": len(booked),
        "chosen": chosen,
    }


def run_reminders() -> dict:
    from cohorts.services.interviews import REMINDER_KEY, interview_reminders_plan
    from incubator.models import OutboundEmail

    queued, seconds, queries = timed(interview_reminders_plan)
    again, again_s, again_queries = timed(interview_reminders_plan)
    return {
        **query_figures(seconds, queries),
        "queued": queued,
        "outbox_rows": OutboundEmail.objects.filter(key__startswith=f"{REMINDER_KEY}:").count(),
        "second_run_queued": again,
        "second_run_s": round(again_s, 3),
        "second_run_queries": len(again_queries),
    }


def stage_decisions(world: dict, chosen: list[int]) -> dict[str, int]:
    from django.utils import timezone

    from cohorts.enums import ApplicationStatus
    from cohorts.models import PendingDecision

    cycle = [ApplicationStatus.ACCEPTED, ApplicationStatus.WAITLISTED, ApplicationStatus.REJECTED]
    rows = []
    position = 0
    for n, pk in enumerate(chosen):
        status = cycle[n % 3]
        if status == ApplicationStatus.WAITLISTED:
            position += 1
        rows.append(
            PendingDecision(
                cohort=world["cohort"],
                application_id=pk,
                status=status,
                waitlist_position=position if status == ApplicationStatus.WAITLISTED else None,
                prepared_by=world["staff"],
                prepared_at=timezone.now(),
            )
        )
    PendingDecision.objects.bulk_create(rows)
    return dict(Counter(row.status for row in rows))


def run_send(world: dict, staged: int) -> dict:
    from cohorts.models import PendingDecision
    from cohorts.services.staging import decisions_send
    from incubator.models import OutboundEmail

    before = OutboundEmail.objects.count()
    summary, seconds, queries = timed(decisions_send, cohort=world["cohort"], by=world["staff"], expected_count=staged)
    return {
        **query_figures(seconds, queries),
        "queries_per_decision": round(len(queries) / staged, 1),
        "queries_by_kind": query_kinds(queries),
        "staged": staged,
        "emailed": summary.emailed,
        "outbox_rows": OutboundEmail.objects.filter(key__startswith="decision:").count(),
        "outbox_rows_written": OutboundEmail.objects.count() - before,
        "staged_left": PendingDecision.objects.filter(cohort=world["cohort"]).count(),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--applications", type=int, default=5000, help="handed-in applications (default 5000)")
    parser.add_argument("--reviewers", type=int, default=200, help="reviewers of the review phase (default 200)")
    parser.add_argument("--interviews", type=int, default=300, help="moved to the interview phase (default 300)")
    parser.add_argument("--slots", type=int, default=40, help="interview slots (default 40)")
    parser.add_argument("--bookings", type=int, default=250, help="interview bookings (default 250)")
    parser.add_argument("--requests", type=int, default=3, help="timed GETs per page after a warm-up (default 3)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default="", help="use this Redis db (and the next, flushed) instead")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    args = parse_with_small(
        parser,
        argv,
        {"applications": 300, "reviewers": 20, "interviews": 60, "slots": 10, "bookings": 50, "requests": 2},
    )
    if args.reviewers < 3:
        parser.error("--reviewers must be at least 3 (3 reviews per application)")
    if not 1 <= args.bookings <= args.interviews <= args.applications or not 1 <= args.slots <= 40:
        parser.error("need 1 <= --bookings <= --interviews <= --applications and 1 <= --slots <= 40")
    if -(-args.bookings // args.slots) > 50:
        parser.error("--bookings / --slots must be at most 50 (a slot's capacity)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    result: dict = {
        "benchmark": "selection",
        "applications": args.applications,
        "reviewers": args.reviewers,
        "page_query_bounds": PAGE_QUERY_BOUNDS,
        "database": redact_url(args.database_url),
        "cpus": os.cpu_count(),
        "loadavg_before": loadavg(),
    }
    environment = BenchEnvironment(
        database_url=args.database_url,
        redis_url=args.redis_url,
        settings_module=SETTINGS_MODULE,
        collect_static=True,
        keep_db=args.keep_db,
        extra_env={"SECURE_SSL_REDIRECT": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver"},
    )
    with reported(result), environment:
        from django.test import Client

        started = time.perf_counter()
        world = seed(applications=args.applications, reviewers=args.reviewers, password=shared_password_hash())
        analyze()
        result["seed_s"] = round(time.perf_counter() - started, 1)
        log("selection: %s applications seeded in %ss", args.applications, result["seed_s"])
        client = Client()
        client.force_login(world["staff"])
        cohort, review = world["cohort"], world["review"]
        pages: dict = {}

        result["message"] = message = run_message(world)
        log("message: %s recipients in %ss", message["recipients"], message["s"])

        proposed = run_propose(world)
        result["propose"] = propose = proposed["figures"]
        log("propose: %ss (solver %ss), spread %s", propose["s"], propose["solver_s"], propose["load_spread"])
        pages["assign"] = measure_page(
            client, f"/staff/phases/{review.pk}/assign/", requests=args.requests, marker=b"<tr"
        )

        started = time.perf_counter()
        interviews = seed_reviews_and_interviews(
            world, proposed["proposal"], interviews=args.interviews, slots=args.slots, bookings=args.bookings
        )
        analyze()
        chosen = interviews.pop("chosen")
        result["seed_reviews_s"] = round(time.perf_counter() - started, 1)
        result["seeded"] = {"conflicts_declared": world["conflicts"], **interviews}
        pages["selection"] = measure_page(
            client, f"/staff/cohorts/{cohort.pk}/selection/", requests=args.requests, marker=b'name="applications"'
        )
        pages["ranking"] = measure_page(
            client, f"/staff/cohorts/{cohort.pk}/ranking/?phase={review.pk}", requests=args.requests, marker=b"<tr"
        )

        result["interview_reminders"] = reminders = run_reminders()
        log("interview reminders: %s in %ss", reminders["queued"], reminders["s"])

        staged = stage_decisions(world, chosen)
        pages["decisions"] = measure_page(
            client, f"/staff/cohorts/{cohort.pk}/decisions/", requests=args.requests, marker=b"<tr"
        )
        # The worst case: every handed-in application of the call ranked, a page deep in the list.
        pages["decisions_all"] = measure_page(
            client, f"/staff/cohorts/{cohort.pk}/decisions/?phase=all&page=30", requests=args.requests, marker=b"<tr"
        )
        result["decisions_send"] = send = run_send(world, sum(staged.values()))
        send["staged_by_decision"] = staged
        log("decisions_send: %s in %ss", send["emailed"], send["s"])
        result["pages"] = pages
        for name, page in pages.items():
            log("page %s: p50 %s ms, %s queries, %s KB", name, page["ms"]["p50"], page["queries"], page["kb"])
        checks = {
            "message_outbox_equals_recipients": message["outbox_rows"] == message["recipients"] > 0
            and message["outbox_rows_written"] == message["recipients"],
            "message_resend_queues_0": message["resend_sent"] is False and message["resend_queued"] == 0,
            "propose_no_conflicts": propose["conflicts_assigned"] == 0,
            "propose_full": propose["short"] == 0 and propose["distinct_pairs"] == 3 * args.applications,
            "reminders_one_per_booking": reminders["queued"] == interviews["bookings"] == reminders["outbox_rows"],
            "reminders_second_run_0": reminders["second_run_queued"] == 0,
            "send_outbox_equals_staged": send["emailed"] == send["staged"] == args.interviews
            and send["outbox_rows"] == send["staged"]
            and send["staged_left"] == 0,
            "pages_within_query_bounds": all(
                page["queries"] <= PAGE_QUERY_BOUNDS[name] for name, page in pages.items()
            ),
        }
        result["checks"] = checks
        result["ok"] = all(checks.values())
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
