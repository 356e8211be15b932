"""Reasons of a pair in words, in the reader's language: "covers finance and team needs;
both in the North"."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cohorts.enums import Language, Need, Sector
from incubator.geo import Region, province_name


def _join(items: list[str]) -> str:
    items = [str(item) for item in items]
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def _labels(choices, codes) -> list[str]:
    labels = dict(choices.choices)
    return [str(labels.get(code, code)).lower() if code in labels else code for code in codes]


def reason_text(code: str, values) -> str:
    values = list(values or [])
    if code == "needs":
        return ngettext("covers the %(needs)s need", "covers %(needs)s needs", len(values)) % {
            "needs": _join(_labels(Need, values))
        }
    if code == "same_province":
        return _("both in %(province)s") % {"province": province_name(values[0])}
    if code == "travels_to":
        return _("coach travels to %(province)s") % {"province": province_name(values[0])}
    if code == "same_region":
        return _("both in the %(region)s region") % {"region": dict(Region.choices).get(values[0], values[0])}
    if code == "sectors":
        return _("shared sectors: %(sectors)s") % {"sectors": _join(_labels(Sector, values))}
    if code == "languages":
        return _("both speak %(languages)s") % {
            "languages": _join([str(dict(Language.choices).get(v, v)) for v in values])
        }
    if code == "coach_ranked":
        return _("the coach's choice no. %(rank)s") % {"rank": values[0]}
    if code == "organisation_ranked":
        return _("the leader's choice no. %(rank)s") % {"rank": values[0]}
    if code == "fixed":
        return _("fixed by staff")
    return code


def reasons_text(reasons) -> str:
    """Stored reasons ([code, values] lists or matching.Reason) as one sentence."""
    parts = []
    for reason in reasons or []:
        code, values = (reason.code, reason.values) if hasattr(reason, "code") else (reason[0], reason[1])
        parts.append(reason_text(code, values))
    return "; ".join(parts) if parts else _("no particular fit")
