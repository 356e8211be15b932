"""`<id:pk>`: a database id in a URL path.

Django's `<int:...>` takes any number of digits, and a 25-digit id overflows the database's
bigint: a 500 instead of a 404. `id` matches 1 to 18 digits (every id a bigint holds up to
10^18), so a longer one never reaches a view and answers 404. Registered once, on import.

`<token:...>`: a secret in a URL (URL-safe base64, at most 64 characters). Anything else (a NUL
character, which PostgreSQL refuses in a query, or a megabyte of text) answers 404 before a
view or the database sees it.
"""

from django.urls import register_converter


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


class TokenConverter:
    regex = "[A-Za-z0-9_-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")
register_converter(TokenConverter, "token")
