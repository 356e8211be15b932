"""Coaching pages: the coach's workspace (phone first), visits (offline-capable), the leader's
view, the staff and researcher visits list and export, and the staff matching page.

Every object is fetched through a scoped selector that answers 404 (coaching.selectors)."""

from __future__ import annotations

import json
import uuid

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from coaching import selectors
from coaching.enums import ActionStatus, MatchStatus, PreferenceSide, VisitStatus
from coaching.explain import reasons_text
from coaching.exports import VisitResource, visits_for_export
from coaching.forms import EndMatchForm, GoalForm, MilestoneForm, ProfileForm, VisitFilterForm, VisitForm
from coaching.models import CoachProfile, Match, MatchingRun, Preference, RelationshipPlan
from coaching.services import matches as match_services
from coaching.services import profiles as profile_services
from coaching.services import visits as visit_services
from cohorts.access import is_staff_of_program
from cohorts.enums import ParticipantRole
from cohorts.exports import export_stream_response
from cohorts.models import Cohort, Participant
from incubator.assignment import alternatives
from incubator.audit import access_log_record
from incubator.enums import AccessAction


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
def workspace(request):
    ws = selectors.workspace_for(request.user)
    staff_cohorts = list(selectors.reader_cohorts(request.user)) if request.user.is_staff else []
    return render(
        request,
        "coaching/workspace.html",
        {
            "ws": ws,
            "profile": selectors.coach_profile_for(request.user),
            "statuses": ActionStatus.choices,
            "staff_cohorts": staff_cohorts,
            "rank_cohorts": selectors.cohorts_to_rank(request.user),
        },
    )


@login_required
def match_detail(request, pk: int):
    match = selectors.match_get_for_user(request.user, pk)
    is_coach = match.coach.user_id == request.user.pk
    is_leader = any(leader.pk == request.user.pk for leader in match.leaders)
    visits = list(selectors.visits_for_match(match, user=request.user)[:50])
    plan = getattr(match, "plan", None)
    return render(
        request,
        "coaching/match_detail.html",
        {
            "match": match,
            "plan": plan,
            "visits": visits,
            "is_coach": is_coach,
            "is_leader": is_leader,
            "can_edit_plan": (is_coach or is_leader) and match.status == MatchStatus.CONFIRMED,
            "goal_form": GoalForm(),
            "milestone_form": MilestoneForm(),
            "end_form": EndMatchForm(),
            "is_staff": is_staff_of_program(user=request.user, program_id=match.cohort.program_id),
            "statuses": ActionStatus.choices,
            "reasons": reasons_text(match.reasons),
        },
    )


def _plan_for_edit(request, pk: int) -> tuple[Match, RelationshipPlan]:
    match = selectors.match_get_for_user(request.user, pk)
    is_leader = any(leader.pk == request.user.pk for leader in match.leaders)
    if match.status != MatchStatus.CONFIRMED or not (match.coach.user_id == request.user.pk or is_leader):
        raise Http404("No such plan.")
    plan, _created = RelationshipPlan.objects.get_or_create(match=match)
    return match, plan


@login_required
@require_POST
def plan_goal_add(request, pk: int):
    match, plan = _plan_for_edit(request, pk)
    form = GoalForm(request.POST)
    if form.is_valid():
        match_services.plan_goal_add(plan=plan, by=request.user, **form.cleaned_data)
        messages.success(request, _("Goal added."))
    else:
        messages.error(request, _("The goal was not added: %(e)s") % {"e": " ".join(form.errors.get("text", []))})
    return redirect("coaching:match_detail", pk=match.pk)


@login_required
@require_POST
def plan_milestone_add(request, pk: int):
    match, plan = _plan_for_edit(request, pk)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        match_services.milestone_add(plan=plan, **form.cleaned_data)
        messages.success(request, _("Milestone added."))
    else:
        messages.error(request, _("The milestone needs a title and a date."))
    return redirect("coaching:match_detail", pk=match.pk)


@login_required
@require_POST
def match_end(request, pk: int):
    match = selectors.match_get_for_user(request.user, pk)
    if not is_staff_of_program(user=request.user, program_id=match.cohort.program_id):
        raise Http404("No such match.")
    form = EndMatchForm(request.POST)
    if form.is_valid():
        try:
            match_services.match_end(match=match, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("The match has ended."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(
            request, " ".join(str(error) for error in form.errors.get("reason", [_("Say why the match ends.")]))
        )
    return redirect("coaching:match_detail", pk=match.pk)


# Visits ------------------------------------------------------------------------------------


def _visit_form_context(request, match, form, client_id, draft):
    open_actions = selectors.open_actions_for(match)
    return {
        "match": match,
        "form": form,
        "client_id": client_id,
        "server_draft": draft.draft if draft is not None else {},
        "open_actions": open_actions,
        "statuses": ActionStatus.choices,
        "owners": visit_services.ActionOwner.choices,
        "action_rows": _action_rows(request),
    }


def _action_rows(request) -> list[dict]:
    if request.method != "POST":
        return [{}]
    titles, owners, dues = (request.POST.getlist(n) for n in ("action_title", "action_owner", "action_due"))
    rows = [
        {"title": t, "owner": owners[i] if i < len(owners) else "", "due": dues[i] if i < len(dues) else ""}
        for i, t in enumerate(titles)
    ]
    return rows or [{}]


# The photo previews are the picked files shown from the phone's memory (blob: URLs); only
# this page needs them, so only this page allows them.
@csp_update({"img-src": ["blob:"]})
@never_cache
@login_required
def visit_new(request, pk: int):
    match = selectors.match_get_for_coach(request.user, pk)
    if request.method == "POST":
        return _visit_submit(request, match)
    draft = selectors.draft_for(match, user=request.user)
    client_id = draft.client_id if draft else uuid.uuid4()
    initial = {"client_id": client_id}
    if draft:
        initial.update({k: v for k, v in draft.draft.items() if k in VisitForm.Meta.fields and v not in ("", None)})
    form = VisitForm(match=match, initial=initial)
    return render(request, "coaching/visit_form.html", _visit_form_context(request, match, form, client_id, draft))


def _visit_submit(request, match):
    form = VisitForm(request.POST, match=match)
    form.parse_extras(request.POST, request.FILES, selectors.open_actions_for(match))
    error_list: list[str] = []
    if form.is_valid_with_extras():
        try:
            visit, created = visit_services.visit_submit(
                match=match, by=request.user, client_id=form.cleaned_data["client_id"], data=form.visit_input()
            )
        except PermissionDenied as error:
            raise Http404("No such visit.") from error
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    if field in form.fields:
                        form.add_error(field, errors)
                    else:
                        error_list += errors
            else:
                error_list += error.messages
        else:
            url = reverse("coaching:visit_detail", kwargs={"pk": visit.pk})
            if _wants_json(request):
                return JsonResponse({"id": visit.pk, "url": url, "created": created}, status=201 if created else 200)
            messages.success(request, _("The visit is saved."))
            return redirect(url)
    error_list += form.action_errors + [str(e) for e in form.non_field_errors()]
    if _wants_json(request):
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        return JsonResponse({"errors": errors, "messages": error_list}, status=400)
    context = _visit_form_context(request, match, form, request.POST.get("client_id"), None)
    context["error_list"] = error_list
    return render(request, "coaching/visit_form.html", context, status=400)


@login_required
@require_POST
def visit_draft(request, pk: int):
    match = selectors.match_get_for_coach(request.user, pk)
    try:
        payload = json.loads(request.body or b"{}")
        client_id = uuid.UUID(str(payload.get("client_id")))
    except (ValueError, TypeError, AttributeError):
        return JsonResponse({"error": "bad draft"}, status=400)
    try:
        visit = visit_services.visit_draft_save(
            match=match, by=request.user, client_id=client_id, draft=payload.get("draft") or {}
        )
    except PermissionDenied as error:
        raise Http404("No such visit.") from error
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    payload = {"saved": True, "status": visit.status}
    if visit.status == VisitStatus.SUBMITTED:
        # Already sent (Back, another tab): the form says so and offers the visit instead.
        payload["url"] = reverse("coaching:visit_detail", kwargs={"pk": visit.pk})
    return JsonResponse(payload)


@login_required
def visit_detail(request, pk: int):
    visit = selectors.visit_get_for_user(request.user, pk)
    return render(request, "coaching/visit_detail.html", {"visit": visit, "match": visit.match})


def _photo_response(request, row) -> FileResponse:
    access_log_record(request=request, action=AccessAction.DOWNLOAD, target=row)
    try:
        handle = row.image.open("rb")
    except FileNotFoundError:
        raise Http404("No such photo.")
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def photo(request, pk: int):
    return _photo_response(request, selectors.photo_get_for_user(request.user, pk))


def photo_file(request, name: str) -> FileResponse:
    """A photo by its stored name (the private storage's link, e.g. in the admin), for those who
    may read its visit; 404 for everyone else, anonymous visitors too."""
    return _photo_response(request, selectors.photo_get_by_file_for_user(request.user, name=name))


@login_required
@require_POST
def action_update(request, pk: int):
    action = selectors.action_get_for_user(request.user, pk)
    try:
        visit_services.action_set_status(action=action, by=request.user, status=request.POST.get("status", ""))
        messages.success(request, _("Action updated."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    next_url = request.POST.get("next", "")
    if next_url.startswith("/coaching/"):
        return redirect(next_url)
    return redirect("coaching:match_detail", pk=action.match_id)


# Profile -----------------------------------------------------------------------------------


@login_required
def profile_edit(request):
    profile = profile_services.coach_profile_for_accepted(user=request.user)
    if profile is None:
        raise Http404("No coach profile.")
    form = ProfileForm(request.POST or None, instance=CoachProfile.objects.get(pk=profile.pk))
    if request.method == "POST" and form.is_valid():
        try:
            profile_services.coach_profile_update(profile=profile, data=form.cleaned_data)
            messages.success(request, _("Your profile is saved."))
            return redirect("coaching:workspace")
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "coaching/profile_form.html", {"form": form})


# Staff and researchers ----------------------------------------------------------------------


def _filters(request, cohorts):
    form = VisitFilterForm(request.GET or None, cohorts=cohorts)
    filters = selectors.VisitFilters()
    if form.is_valid():
        filters = selectors.VisitFilters(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
    return form, filters


@login_required
def visit_list(request):
    cohorts = list(selectors.reader_cohorts(request.user))
    if not cohorts:
        if selectors.is_coach(request.user):
            return redirect("coaching:my_visits")
        raise Http404("Nothing to read.")
    form, filters = _filters(request, cohorts)
    visits = selectors.visits_for_reader(request.user, filters, cohorts=cohorts).defer(*selectors.LIST_DEFERRED)
    page = Paginator(visits, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "coaching/visit_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "read_only": not request.user.is_staff},
    )


@never_cache
@login_required
def my_visits(request):
    """The coach's own visits: drafts on the server, visits waiting on this phone (filled in by
    offline.js from the phone's outbox) and the visits sent."""
    if not selectors.is_coach(request.user):
        raise Http404("No visits of yours.")
    page = Paginator(selectors.visits_of_coach(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "coaching/visit_mine.html",
        {"drafts": selectors.drafts_of_coach(request.user), "page": page},
    )


@never_cache
@require_GET
def offline_state(request):
    """For the phone (offline.js, the service worker): whether this browser is signed in, a
    CSRF token of the current session (a visit queued before the session ended is sent with it
    after logging in again), and the pages to keep for a place without signal."""
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False, "pages": []})
    return JsonResponse(
        {"authenticated": True, "csrf_token": get_token(request), "pages": selectors.offline_pages_for(request.user)}
    )


@login_required
def visit_export(request):
    """The visits the staff member or researcher reads, filtered as the list is, as a CSV
    through the one export path (`cohorts.exports`: escaped cells, BOM, words not codes),
    streamed while the rows are read."""
    cohorts = list(selectors.reader_cohorts(request.user))
    if not cohorts:
        raise Http404("Nothing to read.")
    _form, filters = _filters(request, cohorts)
    visits = visits_for_export(selectors.visits_for_reader(request.user, filters, cohorts=cohorts))
    access_log_record(request=request, action=AccessAction.EXPORT, target="coaching.visit", detail="CSV")
    return export_stream_response(VisitResource(), visits, name="visits")


def _staff_cohort(request, cohort_id: int) -> Cohort:
    cohort = get_object_or_404(Cohort.objects.select_related("program"), pk=cohort_id)
    if not is_staff_of_program(user=request.user, program_id=cohort.program_id):
        raise Http404("No such cohort.")
    return cohort


@login_required
def matching_page(request, cohort_id: int):
    cohort = _staff_cohort(request, cohort_id)
    if request.method == "POST":
        return _matching_post(request, cohort)
    inputs = match_services.matching_inputs(cohort=cohort)
    live = list(
        Match.objects.filter(cohort=cohort, status__in=match_services.LIVE)
        .select_related("coach__user", "organisation")
        .order_by("organisation__name", "pk")
    )
    by_org = {m.organisation_id: m for m in live}
    coaches_by_id = {c.id: c for c in inputs.coaches}
    org_inputs = {o.id: o for o in inputs.organisations}
    rows = []
    for org in inputs.organisation_rows.values():
        match = by_org.get(org.pk)
        options = []
        if org.pk in org_inputs:
            for pair in alternatives(org_inputs[org.pk], list(coaches_by_id.values()), inputs.rules, limit=5):
                options.append(
                    {"profile": inputs.profiles[pair.coach_id], "score": pair.score,
                     "reasons": reasons_text(pair.reasons)}
                )  # fmt: skip
        rows.append(
            {"organisation": org, "match": match, "reasons": reasons_text(match.reasons) if match else "",
             "alternatives": options}
        )  # fmt: skip
    run = MatchingRun.objects.filter(cohort=cohort).first()
    return render(
        request,
        "coaching/matching.html",
        {
            "cohort": cohort,
            "rows": rows,
            "run": run,
            "unassigned": match_services.unassigned_message(run) if run else "",
            "has_proposed": any(m.status == MatchStatus.PROPOSED for m in live),
            "coaches": list(inputs.profiles.values()),
        },
    )


def _matching_post(request, cohort):
    action = request.POST.get("action")
    try:
        if action == "profiles":
            count = profile_services.coach_profiles_from_cohort(cohort=cohort)
            messages.success(request, _("%(n)d coach profiles filled from accepted applications.") % {"n": count})
        elif action == "run":
            run = match_services.matching_run(cohort=cohort, by=request.user)
            messages.success(request, _("Matching proposed %(n)d pairs.") % {"n": run.matches.count()})
            if run.unassigned_organisations:
                messages.warning(request, match_services.unassigned_message(run))
        elif action == "change":
            organisation = get_object_or_404(
                match_services.cohort_organisations(cohort), pk=request.POST.get("organisation")
            )
            coach = get_object_or_404(CoachProfile.objects.filter(cohorts=cohort), pk=request.POST.get("coach"))
            match_services.match_change(cohort=cohort, organisation=organisation, coach=coach, by=request.user)
            messages.success(request, _("%(org)s: coach changed.") % {"org": organisation.name})
        elif action == "confirm":
            match = get_object_or_404(Match, cohort=cohort, pk=request.POST.get("match"))
            match_services.match_confirm(match=match, by=request.user)
            messages.success(request, _("Match confirmed; both sides are emailed."))
        elif action == "confirm_all":
            count = match_services.matches_confirm_all(cohort=cohort, by=request.user)
            messages.success(request, _("%(n)d matches confirmed; both sides are emailed.") % {"n": count})
        else:
            messages.error(request, _("Unknown action."))
    except (ValueError, TypeError) as error:
        raise Http404("Bad request.") from error
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("coaching:matching", cohort_id=cohort.pk)


@login_required
def preferences(request, cohort_id: int):
    """After meeting, a coach ranks the cohort's organisations, a leader the cohort's coaches."""
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    profile = CoachProfile.objects.filter(user=request.user, cohorts=cohort, is_active=True).first()
    led = (
        Participant.objects.filter(
            cohort=cohort, user=request.user, role=ParticipantRole.ORGANISATION_LEADER, is_active=True,
            organisation__isnull=False,
        ).select_related("organisation").first()
    )  # fmt: skip
    if profile is None and led is None:
        raise Http404("No ranking to give.")
    if profile is not None:
        side, others = PreferenceSide.COACH, list(match_services.cohort_organisations(cohort))
        current = dict(
            Preference.objects.filter(cohort=cohort, side=side, coach=profile).values_list("organisation_id", "rank")
        )
        label = lambda other: other.name  # noqa: E731
    else:
        side, others = PreferenceSide.ORGANISATION, list(match_services.cohort_coaches(cohort))
        current = dict(
            Preference.objects.filter(cohort=cohort, side=side, organisation=led.organisation).values_list(
                "coach_id", "rank"
            )
        )
        label = lambda other: other.user.get_full_name()  # noqa: E731
    if request.method == "POST":
        ranks = {}
        for other in others:
            value = request.POST.get(f"rank_{other.pk}", "")
            ranks[other.pk] = int(value) if value.isdigit() and 1 <= int(value) <= 3 else None
        try:
            match_services.preferences_set(
                cohort=cohort, side=side, coach=profile, organisation=led.organisation if led else None, ranks=ranks
            )
            messages.success(request, _("Your ranking is saved."))
            return redirect("coaching:workspace")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            current = {k: v for k, v in ranks.items() if v}
    rows = [{"pk": other.pk, "label": label(other), "rank": current.get(other.pk)} for other in others]
    return render(request, "coaching/preferences.html", {"cohort": cohort, "rows": rows, "side": side})


@never_cache
@require_GET
def service_worker(request):
    response = render(request, "coaching/sw.js", content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/coaching/"
    return response


urlpatterns = [
    path("coaching/", workspace, name="workspace"),
    path("coaching/sw.js", service_worker, name="service_worker"),
    path("coaching/profile/", profile_edit, name="profile"),
    path("coaching/pairs/<id:pk>/", match_detail, name="match_detail"),
    path("coaching/pairs/<id:pk>/goals/", plan_goal_add, name="goal_add"),
    path("coaching/pairs/<id:pk>/milestones/", plan_milestone_add, name="milestone_add"),
    path("coaching/pairs/<id:pk>/end/", match_end, name="match_end"),
    path("coaching/pairs/<id:pk>/visits/new/", visit_new, name="visit_new"),
    path("coaching/pairs/<id:pk>/visits/draft/", visit_draft, name="visit_draft"),
    path("coaching/visits/", visit_list, name="visit_list"),
    path("coaching/visits/mine/", my_visits, name="my_visits"),
    path("coaching/offline.json", offline_state, name="offline_state"),
    path("coaching/visits/export.csv", visit_export, name="visit_export"),
    path("coaching/visits/<id:pk>/", visit_detail, name="visit_detail"),
    path("coaching/photos/<id:pk>/", photo, name="photo"),
    path("coaching/actions/<id:pk>/", action_update, name="action_update"),
    path("coaching/staff/cohorts/<id:cohort_id>/matching/", matching_page, name="matching"),
    path("coaching/cohorts/<id:cohort_id>/preferences/", preferences, name="preferences"),
]
