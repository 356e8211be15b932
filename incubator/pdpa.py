"""A person's rights under the PDPA, self-service: "download my data".

Invariant: the core does not know the feature apps' models. Each app registers, in its
`AppConfig.ready`, an exporter (`register_personal_data_exporter`) that returns what it holds
about one person as `Section`s (rows of plain values, labelled with the fields' names) and the
private files that belong in the download. The core adds what it holds itself (account, email
addresses, LINE contact and channel choices, messages sent to the person from the outbox, the
access-log entries about them) and builds one ZIP: `data.json`, a readable `summary.html` in
the person's language and `files/...`.

Flow: `data_export_request` writes a `DataExport` row and hands its id to a worker on commit
(`incubator.data_export_build`); the worker builds the ZIP into the private storage (under a
random name, in a folder no view hands out) and queues an email with a signed link. The link
works once (`used_at`, set by a conditional UPDATE, so two clicks cannot both download) and
for `DATA_EXPORT_LINK_DAYS`; every download is in the access log (`DATA_DOWNLOAD`). A broker
that is down leaves the row unbuilt: `data_exports_sweep` (beat) builds it later and deletes
the ZIPs of used or expired links.
"""

from __future__ import annotations

import io
import json
import logging
import posixpath
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pgtrigger
from celery import shared_task
from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from incubator.enums import EmailState
from incubator.models import (
    AccessLogEntry,
    DataExport,
    ErasureRequest,
    LineContact,
    MessageChannel,
    OutboundEmail,
    TwoFactorGrace,
    User,
)
from incubator.storage import opaque_name, private_storage

logger = logging.getLogger(__name__)

DATA_EXPORT_LINK_DAYS = 7
DATA_EXPORT_FOLDER = "data-exports"  # no view hands this folder out: only the signed link does
TOKEN_SALT = "incubator.pdpa.data-export"  # noqa: S105 - a signing salt, not a password
SWEEP_BUILD_AFTER = timedelta(minutes=5)  # an export not built by then: its task was lost
USED_FILE_KEPT = timedelta(hours=1)  # a used link's ZIP is deleted after this


@dataclass
class Section:
    """Rows of one kind of record: `title` for people, `columns` (name, label) and `rows`."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict]
    choices: dict[str, dict] = field(default_factory=dict)  # column -> {code: label}

    @property
    def cells(self) -> list[list[str]]:
        """The rows as people read them (choices by their label, dates in Bangkok time with the
        Buddhist Era in Thai)."""
        return [
            [_readable(self.choices[name].get(row.get(name), row.get(name)) if name in self.choices else row.get(name))
             for name, _label in self.columns]
            for row in self.rows
        ]  # fmt: skip


def _readable(value) -> str:
    from datetime import date

    from incubator.dates import format_date

    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, date):
        return format_date(value, with_time=isinstance(value, datetime))
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass
class PersonalData:
    """What an exporter returns: sections, files ((name in the ZIP, name in the private
    storage)) and the records the access log may mention ((model label, pk))."""

    sections: list[Section] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)
    records: list[tuple[str, object]] = field(default_factory=list)

    def extend(self, other: PersonalData) -> None:
        self.sections.extend(other.sections)
        self.files.extend(other.files)
        self.records.extend(other.records)


Exporter = Callable[[User], PersonalData]
Anonymiser = Callable[[User], None]
Kept = Callable[[User], list[str]]
_exporters: dict[str, Exporter] = {}
_anonymisers: dict[str, Anonymiser] = {}
_kept: dict[str, Kept] = {}


def register_personal_data_exporter(name: str, exporter: Exporter) -> None:
    """`exporter(user)` returns what the app `name` holds about `user` (see `PersonalData`)."""
    _exporters[name] = exporter


def register_personal_data_anonymiser(name: str, anonymiser: Anonymiser) -> None:
    """`anonymiser(user)` removes from the app `name` the person's names, contact details, free
    text and files (with `delete_file_on_commit`), in the caller's transaction, keeping rows
    that are counted (statuses, dates, numbers) and what `kept` says must stay."""
    _anonymisers[name] = anonymiser


def register_personal_data_kept(name: str, kept: Kept) -> None:
    """`kept(user)` says, in words with the reason, what the app `name` keeps of the person
    after anonymisation because a law or a contract requires it."""
    _kept[name] = kept


def personal_data_kept(user: User) -> list[str]:
    return [str(line) for name in sorted(_kept) for line in _kept[name](user)]


def delete_file_on_commit(name: str) -> None:
    """Delete a private file once the anonymisation that dropped it has committed."""
    if name:
        transaction.on_commit(lambda: private_storage().delete(name))


def _plain(value):
    if isinstance(value, FieldFile):
        return posixpath.basename(value.name) if value else ""
    return value


def section(
    key: str,
    title: str,
    queryset: Iterable[models.Model],
    *,
    exclude: Iterable[str] = (),
    extra: Callable[[models.Model], dict] | None = None,
) -> tuple[Section, list[tuple[str, object]]]:
    """A section of every concrete field of each row, except links to other people (foreign
    keys to users) and `exclude`; `extra(obj)` adds named values (e.g. the cohort's name).
    Returns the section and the records it holds, for the access log."""
    rows, records, columns, choices = [], [], None, {}
    skipped = set(exclude)
    for obj in queryset:
        fields = [
            f
            for f in obj._meta.concrete_fields
            if f.name not in skipped and not (f.is_relation and f.related_model is User)
        ]
        if columns is None:
            columns = [(f.attname, str(f.verbose_name)) for f in fields]
            choices = {f.attname: {code: str(label) for code, label in f.flatchoices} for f in fields if f.choices}
        row = {f.attname: _plain(f.value_from_object(obj)) for f in fields}
        if extra is not None:
            more = extra(obj)
            row.update(more)
            columns.extend((name, name) for name in more if (name, name) not in columns)
        rows.append(row)
        records.append((obj._meta.label_lower, obj.pk))
    return Section(key=key, title=str(title), columns=columns or [], rows=rows, choices=choices), records


def _core_data(user: User) -> PersonalData:
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    data = PersonalData()
    for key, title, queryset, options in (
        (
            "account",
            _("Account"),
            User.objects.filter(pk=user.pk),
            {"exclude": ("password", "is_superuser", "groups", "user_permissions")},
        ),
        ("email_addresses", _("Email addresses"), EmailAddress.objects.filter(user=user), {}),
        (
            "social_accounts",
            _("Linked accounts"),
            SocialAccount.objects.filter(user=user),
            {"exclude": ("extra_data",)},
        ),
        ("line_contact", _("LINE contact"), LineContact.objects.filter(user=user), {}),
        ("message_channels", _("How we reach you"), MessageChannel.objects.filter(user=user), {}),
        (
            "messages",
            _("Messages sent to you"),
            OutboundEmail.objects.filter(Q(recipient_user=user) | Q(to__iexact=user.email)).order_by("created_at"),
            {"exclude": ("key", "last_error", "answer", "content_type", "object_id", "body_html")},
        ),
        ("data_downloads", _("Your data downloads"), DataExport.objects.filter(user=user), {"exclude": ("file_name",)}),
    ):
        made, records = section(key, title, queryset, **options)
        data.sections.append(made)
        data.records.extend(records)
    return data


def _access_log_section(user: User, records: list[tuple[str, object]]) -> Section:
    """Entries about the person: who read their account or any record exported above, and
    what they themselves read or downloaded."""
    by_label: dict[str, set[str]] = {}
    for label, pk in records:
        by_label.setdefault(label, set()).add(str(pk))
    about = Q(user_id=user.pk)
    for label, ids in by_label.items():
        about |= Q(target=label, target_id__in=sorted(ids))
    queryset = AccessLogEntry.objects.filter(about).order_by("at")
    made, _records = section("access_log", _("Who has seen your data"), queryset, exclude=("ip", "path"))
    return made


def personal_data_collect(user: User) -> PersonalData:
    """Everything the platform holds about `user`: the core's, then each app's."""
    data = _core_data(user)
    for name in sorted(_exporters):
        data.extend(_exporters[name](user))
    data.sections.append(_access_log_section(user, data.records))
    return data


def data_export_zip(user: User) -> bytes:
    """The ZIP: `data.json`, `summary.html` (in the person's language) and `files/...`."""
    data = personal_data_collect(user)
    generated = timezone.now()
    with translation.override(user.preferred_language or "th"):
        payload = {
            "generated_at": generated,
            "person": user.email,
            "sections": {item.key: item.rows for item in data.sections},
            "kept_after_erasure": personal_data_kept(user),
        }
        summary = render_to_string(
            "incubator/pdpa/summary.html",
            {
                "person": user,
                "sections": data.sections,
                "generated": _readable(generated),
                "files": data.files,
                "kept": personal_data_kept(user),
                "LANGUAGE_CODE": translation.get_language(),
            },
        )
    buffer = io.BytesIO()
    storage = private_storage()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        archive.writestr("summary.html", summary)
        used: set[str] = set()
        for arcname, stored in data.files:
            name = arcname
            number = 1
            while name in used:
                number += 1
                base, dot, ext = arcname.rpartition(".")
                name = f"{base}-{number}.{ext}" if dot else f"{arcname}-{number}"
            try:
                with storage.open(stored, "rb") as handle:
                    archive.writestr(name, handle.read())
            except FileNotFoundError:
                logger.warning("Personal data export: file %s is missing from the private storage.", stored)
                continue
            used.add(name)
    return buffer.getvalue()


def export_file_name(folder: str, original: str, stored: str) -> str:
    """`files/<folder>/<original name>` for the ZIP (Thai names kept, path parts removed)."""
    original = posixpath.basename((original or "").replace("\\", "/")) or posixpath.basename(stored)
    return posixpath.join("files", folder, get_valid_filename(original) if original.strip(".") else "file")


# --- the request, the build and the link -------------------------------------------------------


RECENT_REQUEST = timedelta(minutes=10)


def data_export_request(*, user: User) -> tuple[DataExport, bool]:
    """Ask for a ZIP of one's data; a second request while one is being built (within
    `RECENT_REQUEST`) returns that one. Returns (export, created)."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        pending = DataExport.objects.filter(
            user=user, built_at__isnull=True, requested_at__gte=timezone.now() - RECENT_REQUEST
        ).first()
        if pending is not None:
            return pending, False
        export = DataExport.objects.create(user=user)
        data_export_build_task.delay_on_commit(export.pk)
    return export, True


def data_export_token(export: DataExport) -> str:
    return signing.dumps({"e": export.pk}, salt=TOKEN_SALT)


def data_export_build(*, export: DataExport, now=None) -> bool:
    """Build the ZIP of `export` and queue the email with its link (once: a built export is
    left alone). Returns whether it built."""
    from incubator.dates import format_date
    from incubator.links import absolute_url
    from incubator.mail import message_key, queue_mail

    with transaction.atomic():
        export = DataExport.objects.select_for_update().select_related("user").filter(pk=export.pk).first()
        if export is None or export.built_at is not None:
            return False
        user = export.user
        name = opaque_name(DATA_EXPORT_FOLDER, extension="zip")
        saved = private_storage().save(name, io.BytesIO(data_export_zip(user)))
        now = now or timezone.now()
        export.file_name = saved
        export.built_at = now
        export.expires_at = now + timedelta(days=DATA_EXPORT_LINK_DAYS)
        export.save(update_fields=["file_name", "built_at", "expires_at"])
        language = user.preferred_language or "th"
        queue_mail(
            key=message_key("data-export", export.pk),
            to=user.email,
            user=user,
            language=language,
            template="incubator/data_export_ready",
            context={
                "name": user.get_full_name() or user.email,
                "url": absolute_url("data_export_download", token=data_export_token(export)),
                "expires": format_date(export.expires_at, with_time=True, language=language),
                "days": DATA_EXPORT_LINK_DAYS,
            },
        )
    return True


class LinkRefused(Exception):
    """The link is unknown, not the person's, used or expired; `reason` says which for people."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def data_export_use(*, token: str, user: User, now=None) -> DataExport:
    """Spend the link `token` of `user` (once): returns the export whose file may be sent.
    Raises `DataExport.DoesNotExist` for a token that is not `user`'s (the view answers 404)
    and `LinkRefused` for one used or expired."""
    now = now or timezone.now()
    try:
        export_id = signing.loads(token, salt=TOKEN_SALT, max_age=timedelta(days=DATA_EXPORT_LINK_DAYS))["e"]
    except signing.SignatureExpired as error:
        raise LinkRefused("expired") from error
    except (signing.BadSignature, KeyError, TypeError) as error:
        raise DataExport.DoesNotExist from error
    export = DataExport.objects.get(pk=export_id, user=user, built_at__isnull=False)
    if export.expires_at is None or export.expires_at <= now:
        raise LinkRefused("expired")
    spent = DataExport.objects.filter(pk=export.pk, used_at__isnull=True).update(used_at=now)
    if spent != 1:
        raise LinkRefused("used")
    export.used_at = now
    return export


def data_exports_sweep(*, now=None) -> dict:
    """Beat: build exports whose task was lost (broker down), and delete the ZIPs of links
    used more than `USED_FILE_KEPT` ago or expired."""
    now = now or timezone.now()
    lost = list(
        DataExport.objects.filter(built_at__isnull=True, requested_at__lt=now - SWEEP_BUILD_AFTER).values_list(
            "pk", flat=True
        )
    )
    for pk in lost:
        try:
            data_export_build_task.delay(pk)
        except Exception:  # noqa: BLE001 - broker still down: the next sweep tries again
            logger.warning("Broker unavailable; personal data export %s waits for the next sweep.", pk)
            break
    done = DataExport.objects.exclude(file_name="").filter(Q(used_at__lt=now - USED_FILE_KEPT) | Q(expires_at__lte=now))
    deleted = 0
    for export in done:
        private_storage().delete(export.file_name)
        DataExport.objects.filter(pk=export.pk).update(file_name="")
        deleted += 1
    return {"rebuilt": len(lost), "deleted": deleted}


# --- the thin tasks (here, not in incubator.tasks: that module is the outbox's broker edge) -----


@shared_task(name="incubator.data_export_build")
def data_export_build_task(export_id: int) -> bool:
    """Build one person's data ZIP and email them the link."""
    export = DataExport.objects.filter(pk=export_id).first()
    if export is None:
        return False
    return data_export_build(export=export)


@shared_task(name="incubator.data_exports_sweep")
def data_exports_sweep_task() -> dict:
    return data_exports_sweep()


# --- erasure: the request and the anonymisation --------------------------------------------------

ERASURE_DEADLINE_DAYS = 30  # the PDPA's time to answer a request
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never a real address
ACCESS_LOG_UPDATE_TRIGGER = "incubator.AccessLogEntry:accesslog_append_only_update"


def erasure_request(*, user: User) -> tuple[ErasureRequest, bool]:
    """The person asks for their account to be deleted; a second request while one is open
    returns that one. Returns (request, created)."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        open_request = ErasureRequest.objects.filter(user=user, done_at__isnull=True).first()
        if open_request is not None:
            return open_request, False
        return ErasureRequest.objects.create(user=user), True


def is_anonymised(user: User) -> bool:
    return user.email.endswith(f"@{ERASED_DOMAIN}")


def _sessions_delete(user: User) -> None:
    from django.contrib.sessions.models import Session

    wanted = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == wanted:
            session.delete()


def person_anonymise(*, user: User, by: User | None = None) -> User:
    """Remove the person from every table and file, irreversibly, keeping the rows that are
    counted: the user row stays (with a unique address at `ERASED_DOMAIN`, no name, no phone,
    no usable password, inactive), the apps blank what the person wrote and delete their files
    (registered anonymisers), messages to them lose subject, body and address, the access
    log's copy of their address is replaced (the one UPDATE the log allows, here only), and
    their logins, linked accounts, authenticators, LINE contact and sessions are deleted.
    Open deletion requests are marked done. A second call changes nothing."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount
    from django.contrib.admin.models import LogEntry

    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        now = timezone.now()
        if not is_anonymised(user):
            old_email, old_name, old_phone = user.email, user.full_name.strip(), user.phone.strip()
            new_email = f"erased-{uuid.uuid4().hex}@{ERASED_DOMAIN}"
            for name in sorted(_anonymisers):
                _anonymisers[name](user)
            to_them = OutboundEmail.objects.filter(Q(recipient_user=user) | Q(to__iexact=old_email))
            # Not sent yet: never sent now (the worker claims only queued rows).
            to_them.filter(state=EmailState.QUEUED).update(state=EmailState.FAILED)
            to_them.update(to=new_email, subject="", body_text="", body_html="", last_error="", answer="")
            with pgtrigger.ignore(ACCESS_LOG_UPDATE_TRIGGER):
                AccessLogEntry.objects.filter(Q(user_id=user.pk) | Q(user_email__iexact=old_email)).update(
                    user_email=new_email
                )
            said = Q(object_repr__icontains=old_email)
            if old_name:
                said |= Q(object_repr__icontains=old_name) | Q(change_message__icontains=old_name)
            if old_phone:
                said |= Q(change_message__icontains=old_phone)
            LogEntry.objects.filter(said).update(object_repr="-", change_message="")
            for export in DataExport.objects.filter(user=user):
                delete_file_on_commit(export.file_name)
            DataExport.objects.filter(user=user).delete()
            EmailAddress.objects.filter(user=user).delete()
            SocialAccount.objects.filter(user=user).delete()
            Authenticator.objects.filter(user=user).delete()
            LineContact.objects.filter(user=user).delete()
            MessageChannel.objects.filter(user=user).delete()
            TwoFactorGrace.objects.filter(user=user).delete()
            _sessions_delete(user)
            user.email = new_email
            user.full_name = ""
            user.phone = ""
            user.is_active = False
            user.set_unusable_password()
            user.save(update_fields=["email", "full_name", "phone", "is_active", "password"])
        ErasureRequest.objects.filter(user=user, done_at__isnull=True).update(done_at=now, done_by=by)
    return user
