"""Exports (django-import-export resources): one flat row per application or organisation.

Columns are named in the staff member's language; choices, lists and provinces by their
labels; an application export has one column per question of the exported cohorts (the
applicant's answers as they read them). Escaping, BOM and file name: `cohorts.exports`.
"""

from __future__ import annotations

from functools import partial

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from import_export import fields

from cohorts.admin.answers import labels_text, plain_text
from cohorts.enums import Need, QuestionKind, Sector
from cohorts.exports import VerboseModelResource
from cohorts.models import Answer, Application, Organisation, Question
from incubator.geo import province_name


class OrganisationResource(VerboseModelResource):
    kind = fields.Field(column_name=_("kind"))
    province = fields.Field(column_name=_("province"))
    region = fields.Field(column_name=_("region"))
    size = fields.Field(column_name=_("size"))
    focus_areas = fields.Field(column_name=_("focus areas"))
    needs = fields.Field(column_name=_("needs"))

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "province",
            "region",
            "size",
            "focus_areas",
            "needs",
            "website",
            "contact_name",
            "contact_email",
            "contact_phone",
            "created_at",
        ]
        export_order = fields

    def dehydrate_kind(self, organisation):
        return organisation.get_kind_display()

    def dehydrate_province(self, organisation):
        return province_name(organisation.province)

    def dehydrate_region(self, organisation):
        return organisation.get_region_display()

    def dehydrate_size(self, organisation):
        return organisation.get_size_display()

    def dehydrate_focus_areas(self, organisation):
        return labels_text(organisation.focus_areas, Sector.choices)

    def dehydrate_needs(self, organisation):
        return labels_text(organisation.needs, Need.choices)


def answer_text(question: Question, answer: Answer | None) -> str:
    """An answer as plain text for a spreadsheet cell (a file by the applicant's file name)."""
    if answer is None:
        return ""
    if question.kind == QuestionKind.FILE:
        return answer.value if isinstance(answer.value, str) else ""
    return plain_text(answer.value)


class ApplicationResource(VerboseModelResource):
    """One flat row per application, then one column per question of the exported cohorts."""

    applicant_name = fields.Field(column_name=_("applicant"))
    applicant_email = fields.Field(attribute="applicant__email", column_name=_("email"))
    program = fields.Field(column_name=_("program"))
    cohort = fields.Field(attribute="cohort__name", column_name=_("cohort"))
    track = fields.Field(column_name=_("track"))
    status = fields.Field(column_name=_("status"))
    organisation = fields.Field(attribute="organisation__name", column_name=_("organisation"))
    province = fields.Field(column_name=_("province"))
    score = fields.Field(column_name=_("weighted score (0-100)"))
    reviews_completed = fields.Field(attribute="reviews_completed", column_name=_("completed reviews"))
    score_spread = fields.Field(column_name=_("spread between reviewers"))

    class Meta:
        model = Application
        fields = [
            "id",
            "applicant_name",
            "applicant_email",
            "program",
            "cohort",
            "track",
            "status",
            "organisation",
            "province",
            "team_name",
            "idea_title",
            "submitted_at",
            "decided_at",
            "score",
            "reviews_completed",
            "score_spread",
        ]
        export_order = fields

    # Rows read per query, and the answers of each batch in one more query.
    answers_batch_size = 2000

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._question_ids: list[int] = []

    def export(self, queryset=None, **kwargs):
        """Add a column for each question of the cohorts in `queryset` (one query); the
        answers are read with each batch of rows (`iter_queryset`)."""
        if queryset is None:
            queryset = self.get_queryset()
        self._question_ids = []
        if isinstance(queryset, QuerySet):
            questions = self._questions(queryset)
            self._question_ids = [question.pk for question in questions]
            names = self._add_question_fields(questions)
            if kwargs.get("export_fields"):
                kwargs["export_fields"] = [*kwargs["export_fields"], *names]
        return super().export(queryset=queryset, **kwargs)

    def iter_queryset(self, queryset):
        """Rows through one streaming query (not the library's OFFSET pages, which a
        prefetch would need: quadratic at 100,000 rows), answers one query per batch."""
        if not self._question_ids or not isinstance(queryset, QuerySet):
            yield from super().iter_queryset(queryset)
            return
        batch: list[Application] = []
        for application in queryset.iterator(chunk_size=self.answers_batch_size):
            batch.append(application)
            if len(batch) >= self.answers_batch_size:
                yield from self._with_answers(batch)
                batch = []
        yield from self._with_answers(batch)

    def _with_answers(self, applications: list[Application]) -> list[Application]:
        by_application: dict[int, dict[int, Answer]] = {application.pk: {} for application in applications}
        answers = Answer.objects.filter(
            application_id__in=list(by_application), question_id__in=self._question_ids
        ).only("pk", "application_id", "question_id", "value", "file")
        for answer in answers:
            by_application[answer.application_id][answer.question_id] = answer
        for application in applications:
            application._answers_by_question = by_application[application.pk]
        return applications

    @staticmethod
    def _questions(queryset: QuerySet[Application]) -> list[Question]:
        cohort_ids = queryset.order_by().values("cohort_id").distinct()
        return list(
            Question.objects.filter(cohort_id__in=cohort_ids)
            .select_related("cohort")
            .order_by("cohort__applications_close_at", "cohort_id", "order", "pk")
        )

    def _add_question_fields(self, questions: list[Question]) -> list[str]:
        several_cohorts = len({question.cohort_id for question in questions}) > 1
        names = []
        for question in questions:
            name = f"question_{question.pk}"
            label = question.display_text
            if several_cohorts:
                label = f"{question.cohort.name}: {label}"
            self.fields[name] = fields.Field(column_name=label, dehydrate_method=partial(self._answer, question))
            names.append(name)
        return names

    @staticmethod
    def _answer(question: Question, application: Application) -> str:
        by_question = getattr(application, "_answers_by_question", None)
        if by_question is None:  # exported one by one, outside iter_queryset
            by_question = {answer.question_id: answer for answer in application.answers.all()}
            application._answers_by_question = by_question
        return answer_text(question, by_question.get(question.pk))

    def dehydrate_applicant_name(self, application):
        return application.applicant.get_full_name()

    def dehydrate_program(self, application):
        return application.cohort.program.display_name

    def dehydrate_track(self, application):
        return application.track.display_name

    def dehydrate_status(self, application):
        return application.get_status_display()

    def dehydrate_province(self, application):
        return province_name(application.organisation.province) if application.organisation else ""

    def dehydrate_score(self, application):
        value = getattr(application, "weighted_score", None)
        return "" if value is None else round(value, 1)

    def dehydrate_score_spread(self, application):
        value = getattr(application, "score_spread", None)
        return "" if value is None else round(value, 1)
