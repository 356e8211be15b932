import pgtrigger
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incubator.enums import AccessAction, Channel, ChannelChoice, EmailState, EmailTextAction, Language, MessageKind
from incubator.validators import DOCUMENT_MAX, text_limit


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The email address is the login; roles come from cohort participation."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.THAI
    )
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Can log in to the admin site and the staff dashboard.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class OutboundEmail(models.Model):
    """One email, queued in the transaction that caused it and sent by a Celery worker."""

    key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL, db_default=Channel.EMAIL
    )
    to = models.EmailField(_("recipient"))
    recipient_user = models.ForeignKey(
        User, verbose_name=_("recipient user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.THAI)
    template = models.CharField(_("template"), max_length=100, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=EmailState.choices, default=EmailState.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    answer = models.CharField(
        _("channel's answer"),
        max_length=500,
        blank=True,
        default="",
        db_default="",
        help_text=_("What the channel (LINE) last answered for this message."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("about (kind)"), null=True, blank=True, on_delete=models.SET_NULL
    )
    object_id = models.CharField(_("about (number)"), max_length=64, blank=True)
    related_object = GenericForeignKey("content_type", "object_id")

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_state_next_idx"),
            models.Index(fields=["content_type", "object_id"], name="outbox_related_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class EmailTemplate(models.Model):
    """A staff-edited override of a file email template, in one language.

    Subject and bodies use Django template syntax with the same context as the file template.
    `scope` says where it applies: empty for every email of that name (superusers, in the
    admin), or a scope a feature app names and passes to `queue_mail` (cohorts: "program:12",
    edited by that program's staff). The core never interprets a scope; it only matches it.
    """

    scope = models.CharField(
        _("scope"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("Empty: every email of this name. Otherwise where the text applies, e.g. program:12."),
    )
    name = models.CharField(_("template name"), max_length=100, help_text=_("For example cohorts/decision_accepted."))
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"), **text_limit(DOCUMENT_MAX))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        User, verbose_name=_("updated by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        ordering = ["scope", "name", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "name", "language"], name="emailtemplate_unique_scope_name_language"
            ),
        ]

    def __str__(self) -> str:
        if self.scope:
            return f"{self.name} ({self.language}, {self.scope})"
        return f"{self.name} ({self.language})"


class EmailTemplateChange(models.Model):
    """One change of an email text override, kept for good: who saved or reset which text of
    which scope, when, and what it said then (an empty text after a reset)."""

    scope = models.CharField(_("scope"), max_length=64, blank=True, default="")
    name = models.CharField(_("template name"), max_length=100)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    action = models.CharField(_("action"), max_length=8, choices=EmailTextAction.choices)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("text body"), blank=True, **text_limit(DOCUMENT_MAX))
    changed_by = models.ForeignKey(
        User, verbose_name=_("changed by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("email text change")
        verbose_name_plural = _("email text changes")
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(fields=["scope", "name", "language", "-changed_at"], name="emailtemplatechange_lookup_idx")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language}) {self.get_action_display()}"


class LineContact(models.Model):
    """A LINE user the platform can push to: linked to a person by LINE Login, a friend of the
    program's LINE Official Account while `is_friend` (follow and unfollow events)."""

    line_user_id = models.CharField(_("LINE user ID"), max_length=64, unique=True)
    user = models.OneToOneField(
        User,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="line_contact",
    )
    is_friend = models.BooleanField(_("friend of the LINE account"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("LINE contact")
        verbose_name_plural = _("LINE contacts")

    def __str__(self) -> str:
        return self.line_user_id


class MessageChannel(models.Model):
    """A person's channel for one kind of message; no row means the default (incubator.channels)."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="message_channels")
    kind = models.CharField(_("kind of message"), max_length=16, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=ChannelChoice.choices)

    class Meta:
        verbose_name = _("message channel")
        verbose_name_plural = _("message channels")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="messagechannel_unique_user_kind")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.channel}"


class LineQuotaNotice(models.Model):
    """LINE's monthly message quota was used up in `month`: LINE messages go by email until the
    month ends, and staff are told once (one row per month)."""

    month = models.DateField(_("month"), unique=True)
    noticed_at = models.DateTimeField(_("noticed at"), default=timezone.now)
    answer = models.CharField(_("LINE's answer"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("LINE quota notice")
        verbose_name_plural = _("LINE quota notices")
        ordering = ["-month"]

    def __str__(self) -> str:
        from incubator.dates import format_date

        return format_date(self.month)


class AccessLogEntry(models.Model):
    """Who read whose personal data, when and from where: one row per staff or researcher view
    of an application, file download, export and personal-data download.

    Append-only: `incubator.audit.access_log_record` is the only writer and the purge task
    (`incubator.audit.access_log_purge`, beat) the only deleter. On PostgreSQL triggers
    refuse every UPDATE and every DELETE outside that purge (django-pgtrigger)."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # No database constraint and nothing done on delete: a row is never updated (not even to
    # clear a deleted user), and the email below still says who it was.
    user = models.ForeignKey(
        User,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    user_email = models.CharField(_("who (email)"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=AccessAction.choices)
    target = models.CharField(_("what"), max_length=100, help_text=_("The kind of record, e.g. cohorts.application."))
    target_id = models.CharField(_("record"), max_length=64, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    ip = models.GenericIPAddressField(_("from (IP address)"), null=True, blank=True)
    path = models.CharField(_("page"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at"]
        indexes = [models.Index(fields=["target", "target_id"], name="accesslog_target_idx")]
        triggers = [
            pgtrigger.Protect(name="accesslog_append_only_update", operation=pgtrigger.Update),
            pgtrigger.Protect(name="accesslog_append_only_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.user_email} · {self.get_action_display()} · {self.target_name} {self.target_id}".strip()

    @property
    def target_name(self) -> str:
        """The kind of record in the reader's language ("ใบสมัคร"), else its label."""
        from django.apps import apps

        try:
            return str(apps.get_model(self.target)._meta.verbose_name)
        except (LookupError, ValueError):
            return self.target


class TwoFactorGrace(models.Model):
    """When the platform first saw that this person must use two-factor login: the grace
    period (`MFA_GRACE_DAYS`) counts from here."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor_grace")
    since = models.DateTimeField(_("required since"), default=timezone.now)

    class Meta:
        verbose_name = _("two-factor grace period")
        verbose_name_plural = _("two-factor grace periods")

    def __str__(self) -> str:
        return f"{self.user_id} since {self.since:%Y-%m-%d}"


class Heartbeat(models.Model):
    """The last run of a periodic job (e.g. beat), read by /healthz/ready."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M}"


class TwoFactorAuthenticator(Authenticator):
    """allauth.mfa's authenticators under names staff read in Thai and English (the admin)."""

    class Meta:
        proxy = True
        verbose_name = _("two-factor authenticator")
        verbose_name_plural = _("two-factor authenticators")


class DataExport(models.Model):
    """One "download my data" request (PDPA): the ZIP built in the private storage, and the
    emailed link, which works once (`used_at`) and until `expires_at`."""

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="data_exports")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    used_at = models.DateTimeField(_("downloaded at"), null=True, blank=True)
    file_name = models.CharField(_("file in the private storage"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("personal data download")
        verbose_name_plural = _("personal data downloads")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        from incubator.dates import format_date

        return f"{self.user_id} · {format_date(self.requested_at, with_time=True)}"


class ErasureRequest(models.Model):
    """A person's request to delete their account (PDPA erasure): staff answer within
    `ERASURE_DEADLINE_DAYS` by anonymising the person (`incubator.pdpa.person_anonymise`)."""

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.PROTECT, related_name="erasure_requests")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)
    done_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    done_by = models.ForeignKey(
        User, verbose_name=_("anonymised by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("account deletion request")
        verbose_name_plural = _("account deletion requests")
        ordering = ["done_at", "requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(done_at__isnull=True), name="erasure_one_open_per_person"
            )
        ]

    def __str__(self) -> str:
        from incubator.dates import format_date

        return f"{self.user_id} · {format_date(self.requested_at)}"
