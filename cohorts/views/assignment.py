"""Automatic reviewer assignment: a reviewer's expertise (reviewers), the phase's assignment
page and the replacement after a conflict (program staff). Staff pages answer 404 to anyone
who does not run the program; the expertise page to anyone who does not review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
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
    blocks_of,
    inputs_fingerprint,
    pair_rule_set,
    phase_application_ids,
    phase_applications_by_id,
    phase_reviewers,
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


# The preview lists applications a page at a time: those needing attention (left short, or with
# a pair staff added or fixed) first, then the rest. Loads and the spread cover the whole proposal.
PAGE_SIZE = 100
SHOW_ALL, SHOW_ATTENTION = "all", "attention"
# The table's buttons carry their pair in their value: name="remove" value="<application>:<reviewer>".
PAIR_BUTTONS = ("remove", "fixed", "forbidden")


def _listing(source) -> dict:
    """The filter and page asked for (GET on the page, hidden fields on the table's form)."""
    show = source.get("show")
    page = source.get("page", "")
    return {
        "show": show if show in (SHOW_ALL, SHOW_ATTENTION) else SHOW_ALL,
        "page": page if page.isdigit() and len(page) < 9 else "1",
    }


def _assign_context(request, phase, *, pair_form=None, confirming=False, listing=None) -> dict:
    listing = listing or _listing(request.GET)
    proposal = proposal_current(phase=phase)
    draft = proposal is not None and proposal.status == ProposalStatus.DRAFT
    reviewers, expertise = phase_reviewers(phase=phase)
    users = {user.pk: user for user in reviewers}
    app_ids = phase_application_ids(phase=phase)
    in_phase = set(app_ids)
    pairs = [p for p in (proposal.pairs if draft else []) if p["application"] in in_phase and p["reviewer"] in users]
    loads = dict.fromkeys(users, 0)
    for pair in pairs:
        loads[pair["reviewer"]] += 1
    short = {int(app_id): missing for app_id, missing in (proposal.short if draft else {}).items()}
    changed = {pair["application"] for pair in pairs if pair.get("added") or pair["fixed"]}
    attention = [pk for pk in app_ids if pk in short or pk in changed]
    ordered = attention
    if listing["show"] == SHOW_ALL:
        needs = set(attention)
        ordered = attention + [pk for pk in app_ids if pk not in needs]
    page = Paginator(ordered, PAGE_SIZE).get_page(listing["page"])
    listing = {**listing, "page": str(page.number)}
    page_ids = list(page.object_list)
    applications = phase_applications_by_id(phase=phase, ids=page_ids)
    pairs_by_app: dict[int, list] = {pk: [] for pk in page_ids}
    for pair in pairs:
        if pair["application"] in pairs_by_app:
            pairs_by_app[pair["application"]].append(
                {
                    **pair,
                    "user": users[pair["reviewer"]],
                    "words": reasons_text(pair["reasons"], fixed=pair["fixed"], existing=pair["existing"]),
                }
            )
    # Why an application is short needs its blocks: computed for this page's short ones only.
    short_here = [applications[pk] for pk in page_ids if short.get(pk) and pk in applications]
    blocked = blocks_of(phase=phase, applications=short_here, reviewer_ids=list(users), expertise=expertise)
    rows = [
        {
            "application": applications[pk],
            "pairs": pairs_by_app[pk],
            "short": short.get(pk, 0),
            "changed": pk in changed,
            "why": _why_short(
                missing=short[pk],
                eligible=sum(1 for reviewer_id in users if (reviewer_id, pk) not in blocked),
                per_application=phase.reviewers_per_application,
                limit=phase.max_reviews_per_reviewer,
            )
            if short.get(pk)
            else "",
        }
        for pk in page_ids
        if pk in applications
    ]
    reviewer_rows = [
        {
            "user": user,
            "load": loads[user.pk],
            "tracks": _labels(getattr(expertise.get(user.pk), "track_kinds", []), TrackKind.choices),
            "sectors": _labels(getattr(expertise.get(user.pk), "sectors", []), Sector.choices),
            "regions": _labels(getattr(expertise.get(user.pk), "regions", []), Region.choices),
        }
        for user in reviewers
    ]
    load_values = list(loads.values())
    new_pairs = [p for p in (proposal.pairs if draft else []) if not p["existing"]]
    problems = proposal.problems if draft else []
    named = phase_applications_by_id(phase=phase, ids={a for _c, _r, a in problems}) if problems else {}
    if pair_form is None:
        pair_form = PairForm(phase=phase, reviewers=[(u.pk, _person(u)) for u in reviewers])
    return {
        "phase": phase,
        "cohort": phase.cohort,
        "proposal": proposal,
        "draft": draft,
        # A cheap hash of the raw input rows (no blocks computed, no model instances), the same
        # one `reviews_confirm` compares: the page tells a stale proposal before the button.
        "stale": draft and proposal.fingerprint != inputs_fingerprint(phase=phase),
        "rows": rows,
        "page": page,
        "listing": listing,
        "attention_count": len(attention),
        "application_count": len(app_ids),
        "reviewer_rows": reviewer_rows,
        "spread": (max(load_values) - min(load_values)) if load_values and draft else None,
        "short_count": len(short),
        "problems": [
            _("%(person)s → %(application)s: %(why)s")
            % {
                "person": _person(users[reviewer_id]) if reviewer_id in users else reviewer_id,
                "application": named.get(application_id, application_id),
                "why": _("the fixed pair may never be assigned")
                if code == "fixed_blocked"
                else _("the reviewer or the application is no longer in the phase"),
            }
            for code, reviewer_id, application_id in problems
        ],
        "pair_form": pair_form,
        "confirming": confirming and draft,
        "new_count": len(new_pairs),
        "new_reviewers": len({p["reviewer"] for p in new_pairs}),
        "block_text": BLOCK_TEXT,
    }


def _button_pair(post) -> tuple[str, dict] | None:
    """(action, form data) of a table button (name="remove" value="<application>:<reviewer>"),
    None when the POST came from elsewhere. A value that is not two numbers raises."""
    for action in PAIR_BUTTONS:
        if action in post:
            application, colon, reviewer = post.get(action, "").partition(":")
            if not (colon and application.isdigit() and reviewer.isdigit() and len(application + reviewer) < 30):
                raise ValidationError(_("That button does not name a pair; reload the page and try again."))
            return action, {"application": application, "reviewer": reviewer}
    return None


def _back(phase, listing: dict) -> HttpResponse:
    url = reverse("cohorts:phase_assign", kwargs={"pk": phase.pk})
    query = {key: value for key, value in listing.items() if value not in (SHOW_ALL, "1")}
    return redirect(f"{url}?{urlencode(query)}" if query else url)


def _pair_change(request, *, phase, proposal, action: str, form: PairForm, reviewers: list) -> None:
    """Remove or add a pair of the draft, or fix or forbid it and run the proposal again."""
    application = form.cleaned_data["application"]
    reviewer_id = form.cleaned_data["reviewer"]
    if action in ("remove", "add") and (proposal is None or proposal.status != ProposalStatus.DRAFT):
        raise ValidationError(_("Run a proposal first."))
    if action == "remove":
        proposal_pair_remove(proposal=proposal, application_id=application.pk, reviewer_id=reviewer_id, by=request.user)
        messages.success(request, _("The pair is taken out of the proposal."))
    elif action == "add":
        proposal_pair_add(proposal=proposal, application_id=application.pk, reviewer_id=reviewer_id, by=request.user)
        messages.success(request, _("The pair is added to the proposal."))
    else:
        pair_rule_set(
            phase=phase,
            application=application,
            reviewer=next(u for u in reviewers if u.pk == reviewer_id),
            kind=PairRuleKind.FIXED if action == "fixed" else PairRuleKind.FORBIDDEN,
            by=request.user,
        )
        reviews_propose(phase=phase, by=request.user)
        messages.success(request, _("The rule is saved and the proposal was run again."))


@login_required
def phase_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Program staff: run a proposal, preview it with reasons and loads, adjust, confirm."""
    phase = phase_get_for_staff(user=request.user, pk=pk)
    if request.method != "POST":
        return render(request, "cohorts/phase_assign.html", _assign_context(request, phase))
    listing = _listing(request.POST)
    proposal = proposal_current(phase=phase)
    try:
        button = _button_pair(request.POST)
        action = button[0] if button else request.POST.get("action")
        if action == "run":
            reviews_propose(phase=phase, by=request.user)
            messages.success(request, _("A new proposal is ready. Nothing is assigned until you confirm it."))
        elif action in ("remove", "add", "fixed", "forbidden"):
            reviewers = phase_reviewers(phase=phase)[0]
            pair_form = PairForm(
                button[1] if button else request.POST, phase=phase, reviewers=[(u.pk, _person(u)) for u in reviewers]
            )
            if button and not pair_form.is_valid():  # nothing typed: the reason goes on top
                raise ValidationError([e for errors in pair_form.errors.values() for e in errors])
            if pair_form.is_valid():
                try:
                    _pair_change(
                        request, phase=phase, proposal=proposal, action=action, form=pair_form, reviewers=reviewers
                    )
                except ValidationError as error:
                    if button:
                        raise
                    add_service_errors(pair_form, error)
            if pair_form.errors:  # the add form again, with what was typed and why it was refused
                context = _assign_context(request, phase, pair_form=pair_form, listing=listing)
                return render(request, "cohorts/phase_assign.html", context, status=400)
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
        context = _assign_context(request, phase, listing=listing)
        return render(request, "cohorts/phase_assign.html", context, status=400)
    return _back(phase, listing)


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
