"""Who runs which program: the one place that reads (and the one that writes) Program.staff.

Everything that limits what a staff member sees asks here: the rules predicates, the staff
selectors, the staff-role service and the admin of every app. Superusers run every program;
an inactive or non-staff user none.

- `programs_for_staff`, `program_ids_for_staff`, `is_staff_of_program`, `staff_program_ids`
  (once per request), `program_staff_ids` / `staff_of_programs` (the people who run given
  programs) and `program_staff_add` (the only writer).
- The program scope of each model: `register_program_scope(Model, "cohort__program")` (or a
  function of the program ids returning a `Q`), and `scope_to_programs(queryset, program_ids)`.
  Every `ProgramScopedAdmin` registers its own model; the cohorts models are registered below.
- `ProgramScopedAdmin`: the one admin base for program-scoped data, in `cohorts/` and in the
  apps above it (`workshops/`, `coaching/`): set `program_path` to the lookup from the model to
  its program. It scopes the changelist, change and delete views, the history views (a
  malformed id answers 404), the autocomplete results the model serves, exports, actions and,
  on the server, every foreign-key and many-to-many field of its forms and of its inlines'
  forms (each inline gets `ProgramScopedInline` mixed in): a posted id of another program is
  refused as an invalid choice, and a raw-id field never shows the title of a row the staff
  member may not see. Saving a scoped many-to-many field keeps the values the staff member
  cannot see (a coach's cohorts of another program stay). Its system check (cohorts.E003)
  refuses to start while a foreign key or many-to-many field of the model or of an inline
  points at a model with no registered program scope that is not declared program-neutral
  (`register_program_neutral`: people, content types).

Why a plain module and not django-scopes: django-scopes activates one scope (pretalx: one
event) around each request and makes every manager refuse to query outside it. Here a staff
member runs several programs and a superuser all of them, the Celery tasks and set-based
planners (reminders, outbox) work across programs, and only the staff pages and the admin are
scoped. Scoped managers would make every task and service disable the scope again, while the
admin needs a per-model program path anyway; one explicit module is less machinery and is
read in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import checks
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from import_export.admin import ExportMixin

from cohorts.exports import BOM, EXPORT_FORMATS, ExportFieldsForm, escape_dataset, export_filename
from cohorts.models import (
    Answer,
    Application,
    Cohort,
    CohortMessage,
    Criterion,
    DeadlineExtension,
    DeadlineReminder,
    ExtensionReminder,
    InterviewBooking,
    InterviewReminder,
    InterviewSlot,
    Organisation,
    Participant,
    PendingDecision,
    Phase,
    PlaceFreed,
    Program,
    Question,
    ReviewAssignment,
    ReviewerExpertise,
    ReviewPairRule,
    ReviewProposal,
    ReviewReminder,
    Score,
    Track,
    WaitlistSpot,
)
from incubator.admin_helpers import check_date_hierarchy
from incubator.audit import access_log_record
from incubator.enums import AccessAction

# Largest id a database integer column holds (PostgreSQL bigint).
MAX_ID = 2**63 - 1

ProgramScope = str | Callable[[Sequence[int]], Q]


# Who runs which program -----------------------------------------------------------------------


def programs_for_staff(*, user) -> QuerySet[Program]:
    """The programs a staff member runs: all for superusers, their own for program staff."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return Program.objects.none()
    if user.is_superuser:
        return Program.objects.all()
    return Program.objects.filter(staff=user)


def program_ids_for_staff(*, user) -> list[int] | None:
    """Program ids a staff member may see, or None for "all" (superusers)."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return None
    return list(programs_for_staff(user=user).values_list("pk", flat=True))


def is_staff_of_program(*, user, program_id: int | None) -> bool:
    """Whether `user` runs the program `program_id` (superusers run all)."""
    if not (user.is_authenticated and user.is_active and user.is_staff) or program_id is None:
        return False
    program_ids = program_ids_for_staff(user=user)
    return program_ids is None or program_id in program_ids


def staff_program_ids(request) -> list[int] | None:
    """The program ids the request's user may see (None: all), read once per request."""
    if not hasattr(request, "_cohorts_program_ids"):
        request._cohorts_program_ids = program_ids_for_staff(user=request.user)
    return request._cohorts_program_ids


def program_staff_ids(*, program: Program) -> set[int]:
    """The user ids of the people who run `program`."""
    return set(Program.staff.through.objects.filter(program=program).values_list("user_id", flat=True))


def staff_of_programs(*, program_ids: Sequence[int]) -> Q:
    """A condition on users: runs one of these programs (a subquery, no query of its own)."""
    return Q(pk__in=Program.staff.through.objects.filter(program_id__in=program_ids).values("user_id"))


def program_staff_count() -> models.Count:
    """An annotation for Program querysets: how many people run the program."""
    return models.Count("staff", distinct=True)


def program_staff_add(*, program: Program, user) -> None:
    """Make `user` one of the people who run `program` (the only writer of Program.staff;
    the role around it is granted by `cohorts.services.staff.staff_grant_program_role`)."""
    program.staff.add(user)


# The program scope of each model ---------------------------------------------------------------

_PROGRAM_SCOPES: dict[type[models.Model], ProgramScope] = {}


def register_program_scope(model: type[models.Model], scope: ProgramScope, *, replace: bool = True) -> None:
    """Declare how `model` rows belong to a program: a lookup path to the program ("pk",
    "cohort__program") or a function of the program ids returning a `Q` on the model."""
    if replace or model not in _PROGRAM_SCOPES:
        _PROGRAM_SCOPES[model] = scope


def program_scope(model: type[models.Model]) -> ProgramScope | None:
    return _PROGRAM_SCOPES.get(model)


_PROGRAM_NEUTRAL: set[type[models.Model]] = {Group, Permission, ContentType}


def register_program_neutral(model: type[models.Model]) -> None:
    """Declare that `model` rows belong to no program (people, content types): a scoped
    admin may link to them unscoped."""
    _PROGRAM_NEUTRAL.add(model)


def is_program_neutral(model: type[models.Model]) -> bool:
    return model in _PROGRAM_NEUTRAL or model is get_user_model()


def scope_to_programs(
    queryset: QuerySet, program_ids: Sequence[int] | None, *, scope: ProgramScope | None = None
) -> QuerySet:
    """`queryset` limited to rows of the programs `program_ids` (None: all programs).

    A model without a program scope (people, content types) is not program data and is
    returned unchanged."""
    if program_ids is None:
        return queryset
    scope = scope if scope is not None else program_scope(queryset.model)
    if scope is None:
        return queryset
    if callable(scope):
        return queryset.filter(scope(program_ids))
    return queryset.filter(**{f"{scope}__in": program_ids})


def _organisation_scope(program_ids: Sequence[int]) -> Q:
    """An organisation belongs to the programs it applied to or takes part in."""
    applied = Application.objects.filter(organisation=OuterRef("pk"), cohort__program__in=program_ids)
    takes_part = Participant.objects.filter(organisation=OuterRef("pk"), cohort__program__in=program_ids)
    return Q(Exists(applied)) | Q(Exists(takes_part))


def _expertise_scope(program_ids: Sequence[int]) -> Q:
    """A reviewer's expertise belongs to the programs they review in (a phase or a review)."""
    in_phase = Phase.reviewers.through.objects.filter(user=OuterRef("user"), phase__cohort__program__in=program_ids)
    reviews = ReviewAssignment.objects.filter(reviewer=OuterRef("user"), application__cohort__program__in=program_ids)
    return Q(Exists(in_phase)) | Q(Exists(reviews))


for _model, _scope in (
    (Program, "pk"),
    (Cohort, "program"),
    (Track, "cohort__program"),
    (Question, "cohort__program"),
    (Criterion, "cohort__program"),
    (Application, "cohort__program"),
    (Answer, "application__cohort__program"),
    (ReviewAssignment, "application__cohort__program"),
    (Score, "review__application__cohort__program"),
    (Participant, "cohort__program"),
    (DeadlineReminder, "application__cohort__program"),
    (DeadlineExtension, "cohort__program"),
    (ExtensionReminder, "extension__cohort__program"),
    (Phase, "cohort__program"),
    (PendingDecision, "cohort__program"),
    (WaitlistSpot, "cohort__program"),
    (PlaceFreed, "cohort__program"),
    (CohortMessage, "cohort__program"),
    (ReviewReminder, "phase__cohort__program"),
    (InterviewSlot, "phase__cohort__program"),
    (InterviewBooking, "phase__cohort__program"),
    (InterviewReminder, "booking__phase__cohort__program"),
    (Organisation, _organisation_scope),
    (ReviewPairRule, "phase__cohort__program"),
    (ReviewProposal, "phase__cohort__program"),
    (ReviewerExpertise, _expertise_scope),
):
    register_program_scope(_model, _scope)


# Ids from URLs and filters --------------------------------------------------------------------


def parse_id(value) -> int | None:
    """A positive database id from a URL or query string, or None if `value` is not one
    (letters, 25 digits): callers answer 404 or 400 instead of a database error."""
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


# The admin base ------------------------------------------------------------------------------


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id input that names the chosen row only if the staff member may see it (Django's
    own looks the id up unscoped, so a posted id of another program showed that row's title)."""

    scoped_queryset: QuerySet | None = None

    def label_and_url_for_value(self, value):
        queryset = self.scoped_queryset
        if queryset is not None:
            key = self.rel.get_related_field().name
            try:
                visible = queryset.filter(**{key: value}).exists()
            except (ValueError, TypeError, OverflowError, ValidationError):
                visible = False
            if not visible:
                return "", ""
        return super().label_and_url_for_value(value)


def limit_formfield(formfield, db_field, request):
    """Limit a foreign-key or many-to-many form field to the staff member's programs, so a
    posted id of another program fails validation ("Select a valid choice"). The field is
    marked `program_scoped` (see `keep_hidden_values`)."""
    if formfield is None or not hasattr(formfield, "queryset"):
        return formfield
    program_ids = staff_program_ids(request)
    if program_ids is None or program_scope(db_field.remote_field.model) is None:
        return formfield
    formfield.queryset = scope_to_programs(formfield.queryset, program_ids)
    formfield.program_scoped = True
    widget = formfield.widget
    if type(widget) is ForeignKeyRawIdWidget:
        widget.__class__ = ScopedRawIdWidget
        widget.scoped_queryset = formfield.queryset
    return formfield


def keep_hidden_values(form) -> None:
    """Before `form.save_m2m()`: add to each scoped many-to-many field the values the staff
    member cannot see, so that saving the form as it was rendered keeps them (a coach profile
    in cohorts of two programs keeps the other program's cohort)."""
    instance = getattr(form, "instance", None)
    cleaned = getattr(form, "cleaned_data", None)
    if instance is None or instance.pk is None or cleaned is None:
        return
    for name, field in form.fields.items():
        if not getattr(field, "program_scoped", False) or name not in cleaned:
            continue
        if not isinstance(field, forms.ModelMultipleChoiceField):
            continue
        hidden = getattr(instance, name).exclude(pk__in=field.queryset.values("pk"))
        cleaned[name] = [*cleaned[name], *hidden]


class ProgramScopedFormfields:
    """Foreign-key and many-to-many form fields limited to the staff member's programs; a
    person is chosen by "name (email)"."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and db_field.remote_field.model is get_user_model():
            from incubator.admin import person_label

            formfield.label_from_instance = person_label
        return limit_formfield(formfield, db_field, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return limit_formfield(super().formfield_for_manytomany(db_field, request, **kwargs), db_field, request)


class ProgramScopedInline(ProgramScopedFormfields):
    """An inline whose related-object choices are scoped. `ProgramScopedAdmin` mixes it into
    every inline it shows, so subclasses in other apps need not remember to."""


_SCOPED_INLINES: dict[type, type] = {}


def scoped_inline(inline_class: type) -> type:
    """`inline_class`, or a subclass of it with `ProgramScopedInline` mixed in (made once)."""
    if issubclass(inline_class, ProgramScopedInline):
        return inline_class
    if inline_class not in _SCOPED_INLINES:
        _SCOPED_INLINES[inline_class] = type(
            inline_class.__name__,
            (ProgramScopedInline, inline_class),
            {"__module__": inline_class.__module__, "__doc__": inline_class.__doc__},
        )
    return _SCOPED_INLINES[inline_class]


class ProgramScopedAdmin(ProgramScopedFormfields, admin.ModelAdmin):
    """Limits every queryset of the admin (changelist, change and history views,
    autocomplete, export, actions) and every related-object choice of its forms to the
    programs the staff member runs. Subclasses set `program_path` (None: the scope
    registered for the model, e.g. organisations)."""

    program_path: str | None = "cohort__program"

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        if self.program_path is not None:
            register_program_scope(model, self.program_path, replace=False)

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if self.program_path is None and program_scope(self.model) is None:
            errors.append(
                checks.Error(
                    f"{self.model.__name__} has no program scope.",
                    hint="Set program_path or call cohorts.access.register_program_scope().",
                    obj=self.__class__,
                    id="cohorts.E002",
                )
            )
        errors.extend(self._check_related_scopes())
        return errors

    def _check_related_scopes(self) -> list[checks.CheckMessage]:
        """Every model a form of this admin (or of its inlines) can point at is program data
        with a registered scope, or declared program-neutral: otherwise its rows of every
        program are offered, accepted and named (a raw-id field takes any id)."""
        errors = []
        models_seen = [self.model, *(inline.model for inline in self.inlines)]
        for model in models_seen:
            for field in model._meta.get_fields():
                if not (field.is_relation and field.concrete and (field.many_to_one or field.many_to_many)):
                    continue
                if field.one_to_one and field.primary_key:
                    continue
                related = field.remote_field.model
                if program_scope(related) is None and not is_program_neutral(related):
                    errors.append(
                        checks.Error(
                            f"{model.__name__}.{field.name} points at {related.__name__}, which has no program scope.",
                            hint="Call cohorts.access.register_program_scope() (or register_program_neutral()).",
                            obj=self.__class__,
                            id="cohorts.E003",
                        )
                    )
        return errors

    def get_inlines(self, request, obj):
        return [scoped_inline(inline) for inline in super().get_inlines(request, obj)]

    def save_related(self, request, form, formsets, change):
        keep_hidden_values(form)
        for formset in formsets:
            for inline_form in formset.forms:
                keep_hidden_values(inline_form)
        super().save_related(request, form, formsets, change)

    def scope(self, request, queryset):
        program_ids = staff_program_ids(request)
        if program_ids is not None and (self.program_path or program_scope(self.model)) is None:
            return queryset.none()  # no scope declared: closed, not open (see check())
        return scope_to_programs(queryset, program_ids, scope=self.program_path)

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def get_scoped_object_or_404(self, request, object_id):
        """The object `object_id` if the staff member may see it; 404 otherwise (also for
        a malformed id)."""
        pk = unquote(str(object_id))
        if isinstance(self.model._meta.pk, models.IntegerField) and parse_id(pk) is None:
            raise Http404
        obj = self.get_object(request, pk)
        if obj is None:
            raise Http404
        return obj

    def changelist_view(self, request, extra_context=None):
        check_date_hierarchy(self, request)
        return super().changelist_view(request, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self.get_scoped_object_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """django-simple-history's version page (only on admins that also use it)."""
        self.get_scoped_object_or_404(request, object_id)
        if parse_id(version_id) is None:
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScopedExportMixin(ExportMixin):
    """Exports of what the staff member may view, filtered as the changelist is, as CSV
    (with a BOM, for Excel) or XLSX, with formulas escaped in every cell and a file name dated
    in Bangkok (see cohorts.exports)."""

    formats = EXPORT_FORMATS
    export_form_class = ExportFieldsForm

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_export_formats(self):
        return [fmt for fmt in self.formats if fmt().can_export()]

    def get_export_data(self, file_format, request, queryset, **kwargs):
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(request, queryset, force_native_type=file_format.is_binary(), **kwargs)
        access_log_record(
            request=request,
            action=AccessAction.EXPORT,
            target=self.model._meta.label_lower,
            detail=f"{file_format.get_extension()}, {len(data)} rows",
        )
        export_data = file_format.export_data(escape_dataset(data))
        if not file_format.is_binary():
            export_data = BOM + export_data
            encoding = kwargs.get("encoding")
            if encoding:
                export_data = export_data.encode(encoding)
        return export_data

    def get_export_filename(self, request, queryset, file_format):
        return export_filename(name=self.model._meta.model_name, file_format=file_format)
