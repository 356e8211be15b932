"""Chart data for the dashboard's pages: plain dicts the template hands to the browser with
`json_script` (no inline script: static/dashboard/charts.js draws them with Chart.js). Each
chart is also printed as a table beside it, so nothing depends on the chart or its colours."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dashboard.selectors import CohortColumn, CohortDashboard
from incubator.dates import format_date


def funnel_labels() -> list[str]:
    """The funnel's stages, in the context "funnel" ("Submitted" means other things elsewhere)."""
    return [
        pgettext("funnel", "Started"),
        pgettext("funnel", "Submitted"),
        pgettext("funnel", "Reviewed"),
        pgettext("funnel", "Accepted"),
    ]


def _bar(labels, datasets, *, axis: str = "") -> dict:
    return {"type": "bar", "labels": [str(label) for label in labels], "datasets": datasets, "axis": axis}


def cohort_charts(board: CohortDashboard) -> dict:
    total = board.applications.total
    stages = funnel_labels()
    charts = {
        "funnel": _bar(
            stages,
            [{"label": _("Applications"), "data": [total.started, total.submitted, total.reviewed, total.accepted]}],
            axis=_("Applications"),
        ),
        "visits": _bar(
            [format_date(month).split(" ", 1)[1] for month, _n in board.coaching.visits_by_month],
            [{"label": _("Visits"), "data": [n for _month, n in board.coaching.visits_by_month]}],
            axis=_("Visits"),
        ),
        "attendance": _bar(
            [f"{row.workshop.order}.{i}" for row in board.workshops.rows for i, _s in enumerate(row.sessions, 1)],
            [
                {
                    "label": _("Present or late"),
                    "data": [s.attended for row in board.workshops.rows for s in row.sessions],
                }
            ],
            axis=_("People"),
        ),
        "outcomes": _bar(
            [row.indicator.display_name for row in board.outcomes],
            [
                {"label": _("Better"), "data": [row.better for row in board.outcomes]},
                {"label": _("Worse"), "data": [row.worse for row in board.outcomes]},
            ],
            axis=_("Organisations"),
        ),
    }
    return charts


def program_chart(columns: list[CohortColumn]) -> dict:
    return _bar(
        [column.cohort.name for column in columns],
        [
            {"label": pgettext("funnel", "Submitted"), "data": [c.submitted for c in columns]},
            {"label": pgettext("funnel", "Accepted"), "data": [c.accepted for c in columns]},
        ],
        axis=_("Applications"),
    )
