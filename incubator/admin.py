"""Admin of the core: people, the mail outbox and email template overrides.

The outbox is the platform's: superusers see every email; any other staff member sees the
emails that the feature apps show them (`register_outbox_scope`: cohorts shows program staff
the emails about their programs' applications) and nothing else, so the core needs to know
no feature app.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.template import TemplateSyntaxError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from incubator import mail
from incubator.admin_helpers import PeopleDatesMixin, check_date_hierarchy, date_column, yes_no_column
from incubator.enums import EmailTextAction
from incubator.line import line_messaging_enabled, line_quota_exhausted
from incubator.models import (
    AccessLogEntry,
    EmailTemplate,
    EmailTemplateChange,
    ErasureRequest,
    LineContact,
    LineQuotaNotice,
    OutboundEmail,
    TwoFactorAuthenticator,
    User,
)
from incubator.text_templates import validate_text_template

# (request) -> Q over OutboundEmail, or None for "every email" (superusers only ever get that).
OutboxScope = Callable[[object], "Q | None"]
_OUTBOX_SCOPES: list[OutboxScope] = []


def register_outbox_scope(scope: OutboxScope) -> None:
    """Let staff who are not superusers see the emails `scope(request)` selects (the union
    over every registered scope). A scope costs no query of its own: return a `Q` with
    subqueries, so the changelist stays at a fixed number of queries."""
    if scope not in _OUTBOX_SCOPES:
        _OUTBOX_SCOPES.append(scope)


# People chooser: staff pick a person (a participant, a coach, a researcher) by name or email.
# The choices read "name (email)", since two people may share a name; staff who may not browse
# people (program staff) may still search them there, by at least PERSON_SEARCH_MIN characters,
# and see nothing else of them.
PERSON_SEARCH_MIN = 3


def person_label(user) -> str:
    """ "name (email)", or the email alone for someone without a name."""
    if user.full_name and user.full_name != user.email:
        return f"{user.full_name} ({user.email})"
    return user.email


class PersonAutocompleteJsonView(AutocompleteJsonView):
    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if isinstance(obj, User):
            result["text"] = person_label(obj)
        return result


def person_autocomplete_view(request):
    return PersonAutocompleteJsonView.as_view(admin_site=admin.site)(request)


admin.site.autocomplete_view = person_autocomplete_view


def _is_person_search(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete" and request.GET.get("model_name") != "user"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "phone", "preferred_language", "is_staff", "is_active", "joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "preferred_language"]
    search_fields = ["email", "full_name", "phone"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "preferred_language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    filter_horizontal = ("groups", "user_permissions")
    joined = date_column("date_joined", _("date joined"))

    def has_view_permission(self, request, obj=None):
        """Staff may search people from another page's chooser (not browse them here)."""
        if super().has_view_permission(request, obj):
            return True
        user = request.user
        return obj is None and user.is_active and user.is_staff and _is_person_search(request)

    def get_search_results(self, request, queryset, search_term):
        if not super().has_view_permission(request) and len(search_term.strip()) < PERSON_SEARCH_MIN:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(PeopleDatesMixin, admin.ModelAdmin):
    list_display = [
        "created",
        "to",
        "subject",
        "channel",
        "state",
        "answer",
        "attempts",
        "sent",
        "template",
        "language",
    ]
    list_filter = ["state", "channel", "template", "language", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["to", "subject", "key"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "key",
        "channel",
        "to",
        "recipient_user",
        "language",
        "template",
        "subject",
        "body_text",
        "body_html",
        "state",
        "attempts",
        "last_error",
        "answer",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "about",
    ]
    exclude = ["content_type", "object_id"]
    list_select_related = ["recipient_user"]
    raw_id_fields = ["recipient_user"]
    actions = ["resend"]
    show_full_result_count = False

    created = date_column("created_at", _("created at"))
    sent = date_column("sent_at", _("sent at"))

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_active and user.is_superuser:
            return queryset
        visible = Q(pk__in=[])
        for scope in _OUTBOX_SCOPES:
            condition = scope(request)
            if condition is None:
                return queryset
            visible |= condition
        return queryset.filter(visible)

    def changelist_view(self, request, extra_context=None):
        check_date_hierarchy(self, request)
        if line_messaging_enabled() and line_quota_exhausted():
            # One notice per month (LineQuotaNotice), shown here until the month ends.
            self.message_user(
                request,
                _("LINE's monthly message quota is used up: LINE messages go by email until the month ends."),
                level=messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("about"))
    def about(self, obj):
        """What the email is about: the kind of row and its number (no query per row)."""
        if obj.content_type_id is None:
            return "–"
        model = ContentType.objects.get_for_id(obj.content_type_id).model_class()
        kind = model._meta.verbose_name if model is not None else "?"
        return f"{capfirst(kind)} #{obj.object_id}"

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("incubator.change_outboundemail")

    @admin.action(description=_("Resend the selected emails"), permissions=["resend"])
    def resend(self, request, queryset):
        count = 0
        with transaction.atomic():
            for email in queryset.exclude(state="sending"):
                mail.outbox_resend(email=email)
                count += 1
        self.message_user(
            request,
            ngettext("%(count)d email queued again.", "%(count)d emails queued again.", count) % {"count": count},
        )


class EmailTemplateForm(forms.ModelForm):
    """Staff write email text with a few template variables; anything else (tags that load,
    include or dump data) is refused here with the template language's own message."""

    class Meta:
        model = EmailTemplate
        fields = ["name", "language", "scope", "subject", "body_text", "is_active"]

    def _checked(self, name: str) -> str:
        value = self.cleaned_data.get(name, "")
        try:
            validate_text_template(value)
        except TemplateSyntaxError as error:
            raise forms.ValidationError(_("This text cannot be used in an email: %(error)s"), params={"error": error})
        return value

    def clean_subject(self):
        return self._checked("subject")

    def clean_body_text(self):
        return self._checked("body_text")


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    """Superusers' texts (empty scope: everywhere) and a view of the per-program ones that
    program staff edit on their own pages; every save and delete is kept in history."""

    form = EmailTemplateForm
    list_display = ["name", "language", "scope", "subject", "is_active", "updated"]
    list_filter = ["language", "is_active", "scope"]
    list_select_related = ["updated_by"]
    search_fields = ["name", "subject", "body_text", "scope"]
    readonly_fields = ["updated_by"]
    updated = date_column("updated_at", _("updated at"))

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        EmailTemplateChange.objects.create(
            scope=obj.scope,
            name=obj.name,
            language=obj.language,
            action=EmailTextAction.SAVED,
            subject=obj.subject,
            body_text=obj.body_text,
            changed_by=request.user,
        )

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        EmailTemplateChange.objects.create(
            scope=obj.scope, name=obj.name, language=obj.language, action=EmailTextAction.RESET, changed_by=request.user
        )

    def delete_queryset(self, request, queryset):
        rows = list(queryset)
        super().delete_queryset(request, queryset)
        EmailTemplateChange.objects.bulk_create(
            EmailTemplateChange(
                scope=obj.scope,
                name=obj.name,
                language=obj.language,
                action=EmailTextAction.RESET,
                changed_by=request.user,
            )
            for obj in rows
        )


@admin.register(EmailTemplateChange)
class EmailTemplateChangeAdmin(admin.ModelAdmin):
    """The history of email text overrides: read only."""

    list_display = ["name", "language", "scope", "action", "changed_by", "changed"]
    list_filter = ["action", "language", "scope"]
    list_select_related = ["changed_by"]
    search_fields = ["name", "scope", "subject"]
    changed = date_column("changed_at", _("changed at"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LineContact)
class LineContactAdmin(PeopleDatesMixin, admin.ModelAdmin):
    list_display = ["line_user_id", "user", "friend", "updated_at"]
    list_filter = ["is_friend"]
    search_fields = ["line_user_id", "user__email", "user__full_name"]
    list_select_related = ["user"]
    fields = ["line_user_id", "user", "friend", "updated_at"]
    readonly_fields = ["line_user_id", "user", "friend", "updated_at"]
    friend = yes_no_column("is_friend", _("friend of the LINE account"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(LineQuotaNotice)
class LineQuotaNoticeAdmin(PeopleDatesMixin, admin.ModelAdmin):
    list_display = ["month", "noticed_at", "answer"]
    readonly_fields = ["month", "noticed_at", "answer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """The access log of personal data: superusers read and filter it; nobody adds, changes
    or deletes an entry here (incubator.audit; the database refuses it too on PostgreSQL)."""

    list_display = ["when", "user_email", "action", "what", "target_id", "detail", "ip"]
    list_filter = ["action", ("at", admin.DateFieldListFilter)]
    search_fields = ["user_email", "target", "target_id", "detail", "ip"]
    date_hierarchy = "at"
    readonly_fields = ["when", "user_email", "action", "what", "target_id", "detail", "ip", "path"]
    fields = readonly_fields
    show_full_result_count = False
    when = date_column("at", _("when"))

    @admin.display(description=_("what"), ordering="target")
    def what(self, obj):
        return obj.target_name

    def changelist_view(self, request, extra_context=None):
        check_date_hierarchy(self, request)
        return super().changelist_view(request, extra_context)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# allauth.mfa's own admin names nothing in Thai; this one does, for superusers only.
if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)


@admin.register(TwoFactorAuthenticator)
class TwoFactorAuthenticatorAdmin(admin.ModelAdmin):
    """Who has turned on two-factor login, and how. A superuser deletes a person's
    authenticator when they lost their phone, so that they enrol again at their next login."""

    list_display = ["person", "kind", "created", "last_used"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__full_name"]
    fields = ["person", "kind", "created", "last_used"]
    readonly_fields = fields
    created = date_column("created_at", _("turned on"))
    last_used = date_column("last_used_at", _("last used"))

    @admin.display(description=_("person"), ordering="user__email")
    def person(self, obj):
        return obj.user.email

    @admin.display(description=_("kind"), ordering="type")
    def kind(self, obj):
        return obj.get_type_display()

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ErasureRequest)
class ErasureRequestAdmin(admin.ModelAdmin):
    """Account deletion requests (PDPA), superusers only: the legal deadline of each, overdue
    ones highlighted, and the action that anonymises the person (irreversible)."""

    list_display = ["person", "requested", "deadline", "done"]
    list_filter = [("done_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "done_by"]
    search_fields = ["user__email"]
    actions = ["anonymise"]
    readonly_fields = ["person", "requested", "deadline", "done", "done_by"]
    fields = readonly_fields
    requested = date_column("requested_at", _("requested at"))
    done = date_column("done_at", _("anonymised at"))

    @admin.display(description=_("person"), ordering="user__email")
    def person(self, obj):
        return obj.user.email

    @admin.display(description=_("answer by"), ordering="requested_at")
    def deadline(self, obj):
        from django.utils import timezone
        from django.utils.html import format_html

        from incubator.dates import format_date
        from incubator.pdpa import ERASURE_DEADLINE_DAYS

        due = obj.requested_at + timedelta(days=ERASURE_DEADLINE_DAYS)
        text = format_date(due)
        if obj.done_at is None and due < timezone.now():
            return format_html('<span class="erasure-overdue">{} ({})</span>', text, _("overdue"))
        return text

    @admin.action(description=_("Anonymise the selected people (cannot be undone)"))
    def anonymise(self, request, queryset):
        from incubator.pdpa import person_anonymise

        done = 0
        for erasure in queryset.filter(done_at__isnull=True).select_related("user"):
            person_anonymise(user=erasure.user, by=request.user)
            done += 1
        self.message_user(
            request,
            ngettext("%(count)d person anonymised.", "%(count)d people anonymised.", done) % {"count": done},
            messages.SUCCESS,
        )

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser  # the action; the fields are read-only

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
