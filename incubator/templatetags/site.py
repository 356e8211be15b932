"""`{% load site %}{% site_name %}`: the platform's name, in emails (which have no request)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def site_name() -> str:
    return str(settings.SITE_NAME)
