"""`<id:pk>`: a database id in a URL path.

Django's `<int:...>` takes any number of digits, and a 25-digit id overflows the database's
bigint: a 500 instead of a 404. `id` matches 1 to 18 digits (every id a bigint holds up to
10^18), so a longer one never reaches a view and answers 404. Registered once, on import.
"""

from django.urls import register_converter


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
