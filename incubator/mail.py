"""The mail outbox, producer side: every message is a row first, sent by a worker after commit.

The outbox runs one way:

    producers (this module)  ->  broker edge (incubator.tasks)  ->  delivery (incubator.delivery)

A producer names a message (a template and its context, under an idempotency key) and a
person; the outbox owns every column of `OutboundEmail` and the key format, and the channel
(email today, LINE later) is a detail of delivery. Three ways in:

- `queue_mail(...)`: one message, in the caller's transaction.
- `queue_mail_bulk(messages)`: many `Message`s, each rendered in its person's language.
- `queue_mail_from_rows(rows, ...)`: set-based, for planners (reminders): the message is
  rendered once per language with marks where the per-person parts go, and the database fills
  them in and inserts one row per selected row itself (INSERT ... SELECT). No row passes
  through Python, so 100,000 messages take seconds.

All of them write in the caller's transaction and hand the new ids to the broker edge once it
commits (one callback per transaction, however many messages); a broker outage leaves the rows
queued and `incubator.tasks.outbox_sweep` (beat, every minute) sends them later.

Staff-edited `EmailTemplate` overrides are read once per process and kept (compiled) for a
minute; saving or deleting one clears this process's copy at once and tells the others through
the cache (checked at most once a second). An override has a `scope`: a producer that passes
`scope="program:12"` gets that scope's override first, then the global one (empty scope), then
the file template. The core never interprets a scope; the feature app that names it does.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Case, DateTimeField, F, Q, TextField, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Concat, Left, NullIf, Replace
from django.db.models.signals import post_delete, post_save
from django.template.exceptions import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import select_template
from django.utils import timezone, translation

from incubator import channels
from incubator.db import insert_from_select, insert_returning_pk
from incubator.enums import Channel, EmailState
from incubator.line import LINE_COPY_SUFFIX
from incubator.models import EmailTemplate, OutboundEmail, User
from incubator.text_templates import compile_text_template, render_compiled

logger = logging.getLogger(__name__)

KEY_SEPARATOR = ":"


def message_key(*parts: object) -> str:
    """The idempotency key of a message: its parts joined by ':' (`deadline-reminder:12:24`).
    The set-based enqueue builds the same key in SQL from the same parts."""
    return KEY_SEPARATOR.join(str(part) for part in parts)


# --- templates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


@dataclass(frozen=True)
class _Override:
    subject: Any  # compiled by incubator.text_templates: staff text, only the variables meant for it
    body_text: Any


OVERRIDE_CACHE_SECONDS = 60.0  # reload the overrides at least this often
OVERRIDE_CHECK_SECONDS = 1.0  # ask the shared cache whether another process changed one
_OVERRIDE_VERSION_KEY = "incubator:email-templates:version"
_overrides_state: dict[str, Any] = {"items": None, "version": None, "loaded_at": 0.0, "checked_at": 0.0}


def _overrides_version() -> str | None:
    try:
        return cache.get(_OVERRIDE_VERSION_KEY)
    except Exception:  # noqa: BLE001 - a cache outage must not stop mail; the TTL still reloads
        return _overrides_state["version"]


def email_template_overrides() -> dict[tuple[str, str, str], _Override]:
    """The active overrides by (scope, name, language), compiled; one query per process per
    minute."""
    state = _overrides_state
    now = time.monotonic()
    if state["items"] is not None:
        if now - state["loaded_at"] > OVERRIDE_CACHE_SECONDS:
            state["items"] = None
        elif now - state["checked_at"] >= OVERRIDE_CHECK_SECONDS:
            state["checked_at"] = now
            if _overrides_version() != state["version"]:
                state["items"] = None
    if state["items"] is None:
        state["version"] = _overrides_version()
        items = {}
        for row in EmailTemplate.objects.filter(is_active=True):
            try:
                items[(row.scope, row.name, row.language)] = _Override(
                    subject=compile_text_template(row.subject), body_text=compile_text_template(row.body_text)
                )
            except TemplateSyntaxError:  # saved before validation existed: the file template is used
                logger.warning(
                    "Email template override %s (%s, scope %r) does not compile; not used.",
                    row.name,
                    row.language,
                    row.scope,
                )
        state["items"] = items
        state["loaded_at"] = state["checked_at"] = now
    return state["items"]


def email_template_overrides_clear(**kwargs) -> None:
    """Forget the overrides here and tell the other processes (connected to EmailTemplate's
    post_save and post_delete)."""
    _overrides_state["items"] = None
    try:
        cache.set(_OVERRIDE_VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:  # noqa: BLE001 - without the cache the other processes reload within a minute
        logger.warning("Could not announce an email template change; other processes reload within a minute.")


post_save.connect(email_template_overrides_clear, sender=EmailTemplate, dispatch_uid="incubator-email-templates-saved")
post_delete.connect(
    email_template_overrides_clear, sender=EmailTemplate, dispatch_uid="incubator-email-templates-deleted"
)


def email_template_override(*, template: str, language: str, scope: str = "") -> _Override | None:
    """The override that applies: `scope`'s own, else the global one (empty scope), else None."""
    overrides = email_template_overrides()
    if scope:
        override = overrides.get((scope, template, language))
        if override is not None:
            return override
    return overrides.get(("", template, language))


def render_email(*, template: str, context: dict, language: str, scope: str = "") -> RenderedEmail:
    """Render `emails/<template>` in `language`.

    A staff-edited `EmailTemplate` for that name and language wins (the one of `scope` before
    the global one); otherwise the files `emails/<template>.<language>.{subject,txt,html}` or,
    failing those, the shared `emails/<template>.{subject,txt,html}` rendered under the
    language's translations.
    """
    with translation.override(language):
        override = email_template_override(template=template, language=language, scope=scope)
        ctx = {"site_url": settings.SITE_URL, **context}
        if override is not None:
            subject = render_compiled(override.subject, ctx)
            body_text = render_compiled(override.body_text, ctx)
            body_html = ""
        else:
            subject = select_template([f"emails/{template}.{language}.subject", f"emails/{template}.subject"]).render(
                ctx
            )
            body_text = select_template([f"emails/{template}.{language}.txt", f"emails/{template}.txt"]).render(ctx)
            try:
                body_html = select_template([f"emails/{template}.{language}.html", f"emails/{template}.html"]).render(
                    ctx
                )
            except TemplateDoesNotExist:
                body_html = ""
    return RenderedEmail(subject=" ".join(subject.split()), body_text=body_text.strip() + "\n", body_html=body_html)


def render_email_text(*, subject: str, body_text: str, context: dict, language: str) -> RenderedEmail:
    """Render staff-written text (not saved yet: a preview) as `render_email` renders an
    override, in the sandbox. Raises `TemplateSyntaxError` if it does not compile."""
    compiled = _Override(subject=compile_text_template(subject), body_text=compile_text_template(body_text))
    with translation.override(language):
        ctx = {"site_url": settings.SITE_URL, **context}
        rendered_subject = render_compiled(compiled.subject, ctx)
        rendered_body = render_compiled(compiled.body_text, ctx)
    return RenderedEmail(
        subject=" ".join(rendered_subject.split()), body_text=rendered_body.strip() + "\n", body_html=""
    )


def language_for(user: User | None, fallback: str | None = None) -> str:
    if user is not None and user.preferred_language:
        return user.preferred_language
    return fallback or translation.get_language() or settings.LANGUAGE_CODE


# --- one message ------------------------------------------------------------------------------


def _related_columns(related: models.Model | None) -> dict[str, Any]:
    if related is None:
        return {}
    return {"content_type": ContentType.objects.get_for_model(related), "object_id": str(related.pk)}


def queue_mail(
    *,
    key: str,
    to: str,
    template: str | None = None,
    context: dict | None = None,
    language: str | None = None,
    user: User | None = None,
    related: models.Model | None = None,
    subject: str | None = None,
    body_text: str | None = None,
    body_html: str = "",
    scope: str = "",
) -> OutboundEmail:
    """Queue one email under an idempotency `key`; a second call with the same key is a no-op
    and returns the first email (the unique key decides, also between concurrent callers).

    Give either `template` (+ `context`) or a ready `subject` and `body_text`; `scope` picks
    that scope's staff-edited text of the template first (see `render_email`). The row is
    written in the caller's transaction (one INSERT ... ON CONFLICT DO NOTHING) and dispatched
    to a worker only once it commits.
    """
    lang = language or language_for(user)
    if template is not None:
        rendered = render_email(template=template, context=context or {}, language=lang, scope=scope)
        subject, body_text, body_html = rendered.subject, rendered.body_text, rendered.body_html
    if subject is None or body_text is None:
        raise ValueError("queue_mail needs a template or a subject and a text body.")
    ways = channels.channels_for(user=user, template=template)
    row = OutboundEmail(
        key=key,
        channel=ways[0],
        to=to,
        recipient_user=user,
        language=lang,
        template=template or "",
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        **_related_columns(related),
    )
    if insert_returning_pk(row) is None:
        # This key was queued before (or by a concurrent caller): the first email stands.
        return OutboundEmail.objects.get(key=key)
    ids = [row.pk]
    if len(ways) > 1:  # by email and LINE: the LINE copy under its own key
        copy = OutboundEmail(
            key=channels.line_copy_key(key),
            channel=ways[1],
            to=to,
            recipient_user=user,
            language=lang,
            template=template or "",
            subject=subject[:255],
            body_text=body_text,
            body_html=body_html,
            **_related_columns(related),
        )
        if insert_returning_pk(copy) is not None:
            ids.append(copy.pk)
    dispatch_on_commit(ids)
    return row


# --- many messages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One message to one person, for `queue_mail_bulk`: what to say (`template` and
    `context`) and to whom; the outbox owns every column, the channel is a delivery detail."""

    key: str
    user: User
    template: str
    context: dict
    related: models.Model | None = None
    scope: str = ""  # whose staff-edited text of the template applies first (see render_email)


def queue_mail_bulk(messages: Iterable[Message]) -> list[int]:
    """Queue many messages at once (reminders, notices, announcements): each rendered in its
    person's language, inserted together; keys already queued are skipped, so a planner that
    runs twice queues each message once. Written in the caller's transaction and dispatched
    after commit. Returns the ids of the rows that are queued for these keys."""
    rows = []
    messages = list(messages)
    plan = channels.channels_for_many([(message.user, message.template) for message in messages])
    for message, ways in zip(messages, plan, strict=True):
        lang = language_for(message.user)
        rendered = render_email(template=message.template, context=message.context, language=lang, scope=message.scope)
        for index, channel in enumerate(ways):
            rows.append(
                OutboundEmail(
                    key=message.key if index == 0 else channels.line_copy_key(message.key),
                    channel=channel,
                    to=message.user.email,
                    recipient_user=message.user,
                    language=lang,
                    template=message.template,
                    subject=rendered.subject[:255],
                    body_text=rendered.body_text,
                    body_html=rendered.body_html,
                    **_related_columns(message.related),
                )
            )
    if not rows:
        return []
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    ids = list(
        OutboundEmail.objects.filter(key__in=[row.key for row in rows], state=EmailState.QUEUED).values_list(
            "pk", flat=True
        )
    )
    dispatch_on_commit(ids)
    return ids


# --- a set of messages, filled in by the database ----------------------------------------------


def recipient_name(path: str = "") -> Combinable:
    """The person's name as emails greet them (full name, else email address), in SQL, for the
    user at `path` from the rows (`"applicant"`; `""` when the rows are users)."""
    prefix = f"{path}__" if path else ""
    return Coalesce(NullIf(F(f"{prefix}full_name"), _text("")), F(f"{prefix}email"), output_field=TextField())


def _text(value: str) -> Value:
    return Value(value, output_field=TextField())


def _as_text(part: str | int | Combinable) -> Combinable:
    if isinstance(part, Combinable):
        return Cast(part, TextField())
    return _text(str(part))


def _concat(parts: list[Combinable]) -> Combinable:
    if not parts:
        return _text("")
    if len(parts) == 1:
        return parts[0]
    return Concat(*parts, output_field=TextField())


def _key_expression(parts: Sequence[str | int | Combinable]) -> Combinable:
    """`message_key(*parts)` in SQL: literal runs joined in Python, expressions cast to text."""
    pieces: list[Combinable] = []
    literal: list[str] = []
    for index, part in enumerate(parts):
        if index:
            literal.append(KEY_SEPARATOR)
        if isinstance(part, Combinable):
            if literal:
                pieces.append(_text("".join(literal)))
                literal = []
            pieces.append(_as_text(part))
        else:
            literal.append(str(part))
    if literal:
        pieces.append(_text("".join(literal)))
    return _concat(pieces)


def _html_escape(expression: Combinable) -> Combinable:
    """`django.utils.html.escape`, in SQL."""
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;")):
        expression = Replace(expression, _text(char), _text(entity))
    return expression


def _filled(text: str, values: Mapping[str, Combinable], *, escape: bool) -> Combinable:
    """`text` with each mark replaced by its per-person value, in SQL: the text is cut at the
    marks and the pieces concatenated, so the database never scans the whole body."""
    if not values:
        return _text(text)
    pattern = re.compile("|".join(re.escape(mark) for mark in values))
    pieces: list[Combinable] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            pieces.append(_text(text[position : match.start()]))
        value = _as_text(values[match.group(0)])
        pieces.append(_html_escape(value) if escape else value)
        position = match.end()
    if position < len(text):
        pieces.append(_text(text[position:]))
    return _concat(pieces)


def queue_mail_from_rows(
    rows: models.QuerySet,
    *,
    key: Sequence[str | int | Combinable],
    recipient: str,
    template: str,
    context: Callable[[Mapping[str, str]], Mapping[str, Any]] | None = None,
    per_person: Mapping[str, Combinable] | None = None,
    variants: Sequence[tuple[Q | Combinable, Callable[[Mapping[str, str]], Mapping[str, Any]]]] | None = None,
    scope: str = "",
) -> list[int]:
    """Queue one message per row of `rows` (a queryset), set-based, for planners.

    - `key`: the parts of each message's key, literals or expressions over the rows
      (`["deadline-reminder", F("pk"), 24]` is `message_key("deadline-reminder", <pk>, 24)`).
    - `recipient`: the path from a row to the `User` it goes to (`"applicant"`; `""` when the
      rows are users). The message is in that person's language, to their address.
    - `context(marks)`: the template context, called once per language under that language;
      `marks` maps each name of `per_person` to a placeholder string to put where that value
      goes (as is, or inside a longer string such as a link). Placeholders must be printed
      unfiltered.
    - `per_person`: name -> expression over the rows (`recipient_name("applicant")`, `F("pk")`),
      filled in by the database (HTML-escaped in the HTML body).
    - `variants` (instead of `context`): `(condition, context)` pairs, for rows whose message
      differs by more than per-person marks (a session's own date and place): each context is
      rendered once per language and a row gets the first variant whose condition (a `Q` over
      the rows, or a boolean expression) it meets, the last one otherwise. Still one statement
      for all the rows.
    - `scope`: whose staff-edited text of the template applies first (see `render_email`).

    Each row's message refers to the row itself (`related_object`). Rows whose key is already
    in the outbox are skipped. Written in the caller's transaction, dispatched after commit.
    Returns the ids of the rows inserted.
    """
    per_person = dict(per_person or {})
    marks = {name: f"XXOUTBOX{index}MARK{uuid.uuid4().hex[:8].upper()}XX" for index, name in enumerate(per_person)}
    values = {marks[name]: expression for name, expression in per_person.items()}
    if (context is None) == (variants is None) or (variants is not None and not variants):
        raise ValueError("queue_mail_from_rows needs a context or some variants (not both).")
    choices = list(variants) if variants is not None else [(Q(), context)]
    renders: list[dict[str, RenderedEmail]] = []
    for _condition, build_context in choices:
        rendered: dict[str, RenderedEmail] = {}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                rendered[code] = render_email(
                    template=template, context=dict(build_context(marks)), language=code, scope=scope
                )
        renders.append(rendered)

    prefix = f"{recipient}__" if recipient else ""
    fallback = settings.LANGUAGE_CODE
    others = [code for code in renders[0] if code != fallback]

    def by_language(build: Callable[[str], Combinable]) -> Combinable:
        """`build(language)` for the person's language (the site's when theirs is not offered)."""
        if not others:
            return build(fallback)
        return Case(
            *[When(**{f"{prefix}preferred_language": code}, then=build(code)) for code in others],
            default=build(fallback),
            output_field=TextField(),
        )

    def rendered_part(part: str, *, escape: bool) -> Combinable:
        """One part (`subject`, `body_text`, `body_html`) of the row's variant in its person's language."""

        def in_language(code: str) -> Combinable:
            texts = [_filled(getattr(rendered[code], part), values, escape=escape) for rendered in renders]
            if len(texts) == 1:
                return texts[0]
            return Case(
                *[When(condition, then=text) for (condition, _c), text in zip(choices[:-1], texts[:-1], strict=True)],
                default=texts[-1],
                output_field=TextField(),
            )

        return by_language(in_language)

    now = timezone.now()
    user_path = f"{prefix}pk"
    values = {
        "key": _key_expression(key),
        "channel": channels.channel_expression(channels.line_condition(user_path=user_path, template=template)),
        "to": F(f"{prefix}email"),
        "recipient_user": F(f"{prefix}pk"),
        "language": by_language(_text),
        "template": _text(template),
        "subject": Left(rendered_part("subject", escape=False), 255),
        "body_text": rendered_part("body_text", escape=False),
        "body_html": rendered_part("body_html", escape=True),
        "state": _text(EmailState.QUEUED),
        "attempts": Value(0),
        "last_error": _text(""),
        "created_at": Value(now, output_field=DateTimeField()),
        "next_attempt_at": Value(now, output_field=DateTimeField()),
        "content_type": Value(ContentType.objects.get_for_model(rows.model).pk),
        "object_id": Cast("pk", TextField()),
    }
    ids = insert_from_select(model=OutboundEmail, values=values, source=rows, returning=True)
    copies = channels.line_copy_condition(user_path=user_path, template=template)
    if copies is not None:  # people who want it by email and LINE: the LINE copy, same statement shape
        values["key"] = Concat(values["key"], _text(LINE_COPY_SUFFIX), output_field=TextField())
        values["channel"] = _text(Channel.LINE)
        ids += insert_from_select(model=OutboundEmail, values=values, source=_rows_where(rows, copies), returning=True)
    dispatch_on_commit(ids)
    return ids


def _rows_where(rows: models.QuerySet, condition: Q) -> models.QuerySet:
    """`rows` that meet `condition`, through an alias so that its paths reuse the joins of the
    rows' own filter (a second `filter()` over a multi-valued path would join again)."""
    return rows.alias(_outbox_pick=Case(When(condition, then=Value(1)), default=Value(0))).filter(_outbox_pick=1)


# --- after commit: hand the ids to the broker edge ------------------------------------------------


def dispatch_on_commit(email_ids: Iterable[int]) -> None:
    """Hand `email_ids` to the broker edge once the current transaction commits (at once
    outside one). All the ids queued in one transaction (and savepoint) share one callback, so
    500 emails are a handful of broker messages, and a broker outage costs one connection
    timeout, not one per email; the rows stay queued for the sweeper."""
    ids = list(email_ids)
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _publish(ids)
        return
    pending: dict = connection.__dict__.setdefault("_outbox_pending", {})
    scope = tuple(connection.savepoint_ids)
    entry = pending.get(scope)
    # The entry is live while its callback is still registered (a rolled-back savepoint or
    # transaction drops the callback; then a new one is needed).
    if entry is None or not any(func is entry[1] for _sids, func, _robust in connection.run_on_commit):
        batch: list[int] = []

        def publish_batch() -> None:
            if pending.get(scope, (None,))[0] is batch:
                del pending[scope]
            _publish(batch)

        entry = pending[scope] = (batch, publish_batch)
        transaction.on_commit(publish_batch, robust=True)
    entry[0].extend(ids)


def dispatch_many_on_commit(email_ids: Iterable[int]) -> None:
    """The same as `dispatch_on_commit` (kept for callers of the earlier name)."""
    dispatch_on_commit(email_ids)


def _publish(email_ids: list[int]) -> int:
    from incubator.tasks import publish  # the broker edge; imported here so that it stays one way

    return publish(email_ids)


def outbox_resend(*, email: OutboundEmail) -> OutboundEmail:
    """Staff resend: a failed (or sent) row goes back to the queue with fresh attempts."""
    OutboundEmail.objects.filter(pk=email.pk).exclude(state=EmailState.SENDING).update(
        state=EmailState.QUEUED, attempts=0, next_attempt_at=timezone.now(), claimed_at=None, last_error=""
    )
    dispatch_on_commit([email.pk])
    email.refresh_from_db()
    return email
