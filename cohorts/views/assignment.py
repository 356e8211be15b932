"""Automatic reviewer assignment: a reviewer's expertise (reviewers), the phase's assignment
page and the replacement after a conflict (program staff). Staff pages answer 404 to anyone
who does not run the program; the expertise page to anyone who does not review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cohorts.enums import PairRuleKind, ProposalStatus, ReviewState, Sector, TrackKind
from cohorts.review_forms import ExpertiseForm, PairForm, ReplaceForm
from cohorts.selectors.assignment import (
    conflicted_review_get_for_staff,
    expertise_for,
    expertise_organisations,
    is_reviewer,
    phase_get_for_staff,
    proposal_current,
)
from cohorts.services.assignment import (
    BLOCK_TEXT,
    assignment_inputs,
    pair_rule_set,
    proposal_pair_add,
    proposal_pair_remove,
    reasons_text,
    reviewer_expertise_save,
    reviews_confirm,
    reviews_propose,
)
from cohorts.services.conflicts import replacement_candidates, review_replace
from incubator.forms import add_service_errors
from incubator.geo import Region


def _labels(values, choices) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(value, value)) for value in values or [])


@login_required
def reviewer_expertise(request: HttpRequest) -> HttpResponse:
    """A reviewer's own expertise: what automatic assignment counts as fit."""
    if not is_reviewer(user=request.user):
        raise Http404("Not a reviewer.")
    expertise = expertise_for(user=request.user)
    organisations = expertise_organisations(user=request.user)
    initial = {}
    if expertise is not None:
        initial = {
            "track_kinds": expertise.track_kinds,
            "sectors": expertise.sectors,
            "regions": expertise.regions,
            "organisation": expertise.organisation_id,
        }
    form = ExpertiseForm(request.POST or None, initial=initial, organisations=organisations)
    if request.method == "POST":
        if form.is_valid():
            try:
                reviewer_expertise_save(user=request.user, **form.service_kwargs())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your expertise is saved; it counts in the next automatic assignment."))
                return redirect("cohorts:reviewer_expertise")
        return render(request, "cohorts/reviewer_expertise.html", {"form": form}, status=400)
    return render(request, "cohorts/reviewer_expertise.html", {"form": form})


def _person(user) -> str:
    return user.get_full_name() or user.email


def _why_short(*, missing: int, eligible: int, per_application: int, limit) -> str:
    if eligible < per_application:
        return ngettext(
            "only %(count)s reviewer of the phase may review it (conflicts, own organisation or forbidden pairs)",
            "only %(count)s reviewers of the phase may review it (conflicts, own organisation or forbidden pairs)",
            eligible,
        ) % {"count": eligible}
    if limit:
        return _("the eligible reviewers are at the phase's maximum load")
    return _("pairs were removed by hand")


def _assign_context(request, phase, *, pair_form=None, confirming=False) -> dict:
    inputs = assignment_inputs(phase=phase)
    proposal = proposal_current(phase=phase)
    users = {user.pk: user for user in inputs.reviewers}
    applications = {application.pk: application for application in inputs.applications}
    pairs_by_app: dict[int, list] = {pk: [] for pk in applications}
    loads = dict.fromkeys(users, 0)
    draft = proposal is not None and proposal.status == ProposalStatus.DRAFT
    if draft:
        for pair in proposal.pairs:
            if pair["application"] not in applications or pair["reviewer"] not in users:
                continue
            pairs_by_app[pair["application"]].append(
                {
                    **pair,
                    "user": users[pair["reviewer"]],
                    "words": reasons_text(pair["reasons"], fixed=pair["fixed"], existing=pair["existing"]),
                }
            )
            loads[pair["reviewer"]] += 1
    short = {int(app_id): missing for app_id, missing in (proposal.short if draft else {}).items()}
    eligible = {pk: sum(1 for reviewer_id in users if (reviewer_id, pk) not in inputs.blocked) for pk in applications}
    rows = [
        {
            "application": application,
            "pairs": pairs_by_app[application.pk],
            "short": short.get(application.pk, 0),
            "why": _why_short(
                missing=short.get(application.pk, 0),
                eligible=eligible[application.pk],
                per_application=phase.reviewers_per_application,
                limit=phase.max_reviews_per_reviewer,
            )
            if short.get(application.pk)
            else "",
        }
        for application in inputs.applications
    ]
    reviewer_rows = [
        {
            "user": user,
            "load": loads[user.pk],
            "tracks": _labels(getattr(inputs.expertise.get(user.pk), "track_kinds", []), TrackKind.choices),
            "sectors": _labels(getattr(inputs.expertise.get(user.pk), "sectors", []), Sector.choices),
            "regions": _labels(getattr(inputs.expertise.get(user.pk), "regions", []), Region.choices),
        }
        for user in inputs.reviewers
    ]
    load_values = list(loads.values())
    new_pairs = [p for p in (proposal.pairs if draft else []) if not p["existing"]]
    if pair_form is None:
        pair_form = PairForm(
            applications=[(a.pk, str(a)) for a in inputs.applications],
            reviewers=[(u.pk, _person(u)) for u in inputs.reviewers],
        )
    return {
        "phase": phase,
        "cohort": phase.cohort,
        "proposal": proposal,
        "draft": draft,
        "stale": draft and proposal.fingerprint != inputs.fingerprint,
        "rows": rows,
        "reviewer_rows": reviewer_rows,
        "spread": (max(load_values) - min(load_values)) if load_values and draft else None,
        "short_count": sum(1 for row in rows if row["short"]),
        "problems": [
            _("%(person)s → %(application)s: %(why)s")
            % {
                "person": _person(users[reviewer_id]) if reviewer_id in users else reviewer_id,
                "application": applications.get(application_id, application_id),
                "why": _("the fixed pair may never be assigned")
                if code == "fixed_blocked"
                else _("the reviewer or the application is no longer in the phase"),
            }
            for code, reviewer_id, application_id in (proposal.problems if draft else [])
        ],
        "pair_form": pair_form,
        "confirming": confirming and draft,
        "new_count": len(new_pairs),
        "new_reviewers": len({p["reviewer"] for p in new_pairs}),
        "block_text": BLOCK_TEXT,
    }


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def phase_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Program staff: run a proposal, preview it with reasons and loads, adjust, confirm."""
    phase = phase_get_for_staff(user=request.user, pk=pk)
    if request.method != "POST":
        return render(request, "cohorts/phase_assign.html", _assign_context(request, phase))
    action = request.POST.get("action")
    proposal = proposal_current(phase=phase)
    try:
        if action == "run":
            reviews_propose(phase=phase, by=request.user)
            messages.success(request, _("A new proposal is ready. Nothing is assigned until you confirm it."))
        elif action in ("remove", "add", "fixed", "forbidden"):
            inputs_form = PairForm(
                request.POST,
                applications=[(a.pk, a.pk) for a in assignment_inputs(phase=phase).applications],
                reviewers=[(u.pk, u.pk) for u in phase.reviewers.all()],
            )
            if not inputs_form.is_valid():
                context = _assign_context(request, phase)
                context["pair_form"].errors.update(inputs_form.errors)
                return render(request, "cohorts/phase_assign.html", context, status=400)
            application_id = inputs_form.cleaned_data["application"]
            reviewer_id = inputs_form.cleaned_data["reviewer"]
            if action in ("remove", "add") and proposal is None:
                raise ValidationError(_("Run a proposal first."))
            if action == "remove":
                proposal_pair_remove(
                    proposal=proposal, application_id=application_id, reviewer_id=reviewer_id, by=request.user
                )
                messages.success(request, _("The pair is taken out of the proposal."))
            elif action == "add":
                proposal_pair_add(
                    proposal=proposal, application_id=application_id, reviewer_id=reviewer_id, by=request.user
                )
                messages.success(request, _("The pair is added to the proposal."))
            else:
                application = next(a for a in assignment_inputs(phase=phase).applications if a.pk == application_id)
                reviewer = phase.reviewers.get(pk=reviewer_id)
                pair_rule_set(
                    phase=phase,
                    application=application,
                    reviewer=reviewer,
                    kind=PairRuleKind.FIXED if action == "fixed" else PairRuleKind.FORBIDDEN,
                    by=request.user,
                )
                reviews_propose(phase=phase, by=request.user)
                messages.success(request, _("The rule is saved and the proposal was run again."))
        elif action == "confirm":
            if proposal is None or proposal.status != ProposalStatus.DRAFT:
                raise ValidationError(_("There is no draft proposal to confirm."))
            if request.POST.get("sure") != "yes":
                return render(request, "cohorts/phase_assign.html", _assign_context(request, phase, confirming=True))
            done = reviews_confirm(proposal=proposal, by=request.user)
            messages.success(
                request,
                ngettext(
                    "%(count)s review assigned; each reviewer is emailed their list once.",
                    "%(count)s reviews assigned; each reviewer is emailed their list once.",
                    done.created,
                )
                % {"count": done.created},
            )
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return render(request, "cohorts/phase_assign.html", _assign_context(request, phase), status=400)
    return redirect("cohorts:phase_assign", pk=phase.pk)


@login_required
def review_replace_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Program staff: assign a replacement for a reviewer who declared a conflict."""
    review = conflicted_review_get_for_staff(user=request.user, pk=pk)
    candidates = replacement_candidates(review=review)
    rows = [
        {"candidate": c, "words": reasons_text(c.reasons), "best": index == 0} for index, c in enumerate(candidates)
    ]
    choices = [(c.user.pk, _person(c.user)) for c in candidates]
    form = ReplaceForm(request.POST or None, candidates=choices)
    if request.method == "POST":
        if form.is_valid():
            chosen = next(c.user for c in candidates if c.user.pk == form.cleaned_data["reviewer"])
            try:
                review_replace(review=review, reviewer=chosen, by=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(person)s now reviews this application.") % {"person": _person(chosen)})
                return redirect("cohorts:review_replace", pk=review.pk)
        status = 400
    else:
        status = 200
    replaced_by = list(
        review.application.reviews.filter(phase=review.phase)
        .exclude(pk=review.pk)
        .exclude(state=ReviewState.CONFLICT)
        .select_related("reviewer")
    )
    return render(
        request,
        "cohorts/review_replace.html",
        {"review": review, "rows": rows, "form": form, "assigned": replaced_by},
        status=status,
    )


urlpatterns = [
    path("review/expertise/", reviewer_expertise, name="reviewer_expertise"),
    path("staff/phases/<id:pk>/assign/", phase_assign, name="phase_assign"),
    path("staff/reviews/<id:pk>/replace/", review_replace_view, name="review_replace"),
]
