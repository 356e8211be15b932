"""Which channel a message goes on: the one place that decides, from each person's choice.

Producers never choose the channel: they call `incubator.mail` as always, and the outbox asks
this module, per message (`channels_for`) or, for the set-based enqueue, as SQL over the rows
(`channel_expression`, `line_copy_condition`).

- Every email template has a kind (`KINDS`, apps may add theirs with `register_message_kind`);
  a template with no kind (account emails: verification, password) always goes by email.
- A person chooses per kind: email, LINE or both (`MessageChannel`); without a choice the
  kind's default applies (`DEFAULTS`: LINE for reminders and notices, email for announcements).
- LINE only when the person is reachable (linked by LINE Login and a friend of the account,
  `LineContact.is_friend`), LINE messaging is configured and the month's quota is not used up;
  otherwise email.
- "Both": the message by email under its key, and a LINE copy under `<key>:line`.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import Combinable

from incubator.enums import Channel, ChannelChoice, MessageKind
from incubator.line import LINE_COPY_SUFFIX, line_messaging_enabled, line_quota_exhausted
from incubator.models import LineContact, MessageChannel, User

# template -> kind. The core names templates by their strings only (it imports no app).
KINDS: dict[str, str] = {
    "cohorts/application_submitted": MessageKind.APPLICATION,
    "cohorts/deadline_reminder": MessageKind.APPLICATION,
    "cohorts/decision_accepted": MessageKind.APPLICATION,
    "cohorts/decision_rejected": MessageKind.APPLICATION,
    "cohorts/decision_shortlisted": MessageKind.APPLICATION,
    "cohorts/decision_waitlisted": MessageKind.APPLICATION,
    "workshops/session_reminder": MessageKind.WORKSHOP,
    "workshops/session_changed": MessageKind.WORKSHOP,
    "workshops/session_cancelled": MessageKind.WORKSHOP,
    "workshops/rsvp_reminder": MessageKind.WORKSHOP,
    "workshops/followup": MessageKind.WORKSHOP,
    "workshops/announcement": MessageKind.ANNOUNCEMENT,
    "coaching/match_confirmed_coach": MessageKind.COACHING,
    "coaching/match_confirmed_leader": MessageKind.COACHING,
}
# Kinds whose templates share a prefix (coaching's alerts are coaching/<alert>).
KIND_PREFIXES: dict[str, str] = {"coaching/": MessageKind.COACHING}

DEFAULTS: dict[str, str] = {
    MessageKind.APPLICATION: ChannelChoice.LINE,
    MessageKind.WORKSHOP: ChannelChoice.LINE,
    MessageKind.COACHING: ChannelChoice.LINE,
    MessageKind.ANNOUNCEMENT: ChannelChoice.EMAIL,
}
_WANTS_LINE = (ChannelChoice.LINE, ChannelChoice.BOTH)


def register_message_kind(template: str, kind: str) -> None:
    """An app's new template is of `kind` (a `MessageKind`)."""
    KINDS[template] = kind


def kind_for(template: str | None) -> str | None:
    if not template:
        return None
    if template in KINDS:
        return KINDS[template]
    return next((kind for prefix, kind in KIND_PREFIXES.items() if template.startswith(prefix)), None)


def line_available() -> bool:
    """LINE can be used at all now: configured, and the month's quota not used up."""
    return line_messaging_enabled() and not line_quota_exhausted()


def line_copy_key(key: str) -> str:
    return key[: 255 - len(LINE_COPY_SUFFIX)] + LINE_COPY_SUFFIX


def choices_for(user: User) -> dict[str, str]:
    """The person's channel per kind, defaults filled in."""
    chosen = dict(MessageChannel.objects.filter(user=user).values_list("kind", "channel"))
    return {kind: chosen.get(kind, DEFAULTS[kind]) for kind in MessageKind.values}


def line_reachable(user: User) -> bool:
    return LineContact.objects.filter(user=user, is_friend=True).exists()


def channels_for(*, user: User | None, template: str | None, available: bool | None = None) -> list[str]:
    """The channels of one message: `[email]`, `[line]`, or `[email, line]` (both). No query
    when LINE is not configured or the message has no kind."""
    kind = kind_for(template)
    if user is None or kind is None or not (line_available() if available is None else available):
        return [Channel.EMAIL]
    if not line_reachable(user):
        return [Channel.EMAIL]
    choice = MessageChannel.objects.filter(user=user, kind=kind).values_list("channel", flat=True).first()
    return _channels(choice or DEFAULTS[kind])


def _channels(choice: str) -> list[str]:
    if choice == ChannelChoice.BOTH:
        return [Channel.EMAIL, Channel.LINE]
    return [Channel.LINE] if choice == ChannelChoice.LINE else [Channel.EMAIL]


def channels_for_many(pairs: list[tuple[User, str | None]]) -> list[list[str]]:
    """`channels_for` of many (person, template) pairs in two queries (none when LINE is off)."""
    if not pairs or not line_available():
        return [[Channel.EMAIL] for _pair in pairs]
    user_ids = {user.pk for user, _template in pairs}
    reachable = set(LineContact.objects.filter(user_id__in=user_ids, is_friend=True).values_list("user_id", flat=True))
    chosen = {
        (user_id, kind): channel
        for user_id, kind, channel in MessageChannel.objects.filter(user_id__in=reachable).values_list(
            "user_id", "kind", "channel"
        )
    }
    plan = []
    for user, template in pairs:
        kind = kind_for(template)
        if kind is None or user.pk not in reachable:
            plan.append([Channel.EMAIL])
        else:
            plan.append(_channels(chosen.get((user.pk, kind), DEFAULTS[kind])))
    return plan


# --- the same rule in SQL, for the set-based enqueue ----------------------------------------------


def _reachable(user_path: str) -> Exists:
    return Exists(LineContact.objects.filter(user=OuterRef(user_path), is_friend=True))


def _chose(user_path: str, kind: str, channels) -> Exists:
    return Exists(MessageChannel.objects.filter(user=OuterRef(user_path), kind=kind, channel__in=list(channels)))


def _line_only(user_path: str, kind: str) -> Q:
    if DEFAULTS[kind] == ChannelChoice.LINE:
        return ~Q(_chose(user_path, kind, [ChannelChoice.EMAIL, ChannelChoice.BOTH]))
    return Q(_chose(user_path, kind, [ChannelChoice.LINE]))


def line_condition(*, user_path: str, template: str) -> Q | None:
    """The rows (over the set-based enqueue's source) whose message goes by LINE only; None
    when nobody's does (LINE off, or a kind without a choice)."""
    kind = kind_for(template)
    if kind is None or not line_available():
        return None
    return Q(_reachable(user_path)) & _line_only(user_path, kind)


def line_copy_condition(*, user_path: str, template: str) -> Q | None:
    """The rows whose person wants this message by email and LINE (the LINE copy)."""
    kind = kind_for(template)
    if kind is None or not line_available():
        return None
    return Q(_reachable(user_path)) & Q(_chose(user_path, kind, [ChannelChoice.BOTH]))


def channel_expression(condition: Q | None) -> Combinable:
    from django.db.models import Case, TextField, Value, When

    if condition is None:
        return Value(Channel.EMAIL, output_field=TextField())
    return Case(When(condition, then=Value(Channel.LINE)), default=Value(Channel.EMAIL), output_field=TextField())


# --- the person's choice --------------------------------------------------------------------------


def message_channels_set(*, user: User, choices: dict[str, str]) -> None:
    """Save `user`'s channel per kind (only the kinds given)."""
    for kind, channel in choices.items():
        if kind not in MessageKind.values or channel not in ChannelChoice.values:
            raise ValueError(f"Unknown kind or channel: {kind!r} {channel!r}")
        MessageChannel.objects.update_or_create(user=user, kind=kind, defaults={"channel": channel})


__all__ = [
    "DEFAULTS",
    "KINDS",
    "channel_expression",
    "channels_for",
    "channels_for_many",
    "choices_for",
    "kind_for",
    "line_available",
    "line_condition",
    "line_copy_condition",
    "line_copy_key",
    "line_reachable",
    "message_channels_set",
    "register_message_kind",
]
