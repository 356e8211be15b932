"""Outcomes tests use the coaching world: one program with a cohort, two confirmed pairs (a
coach and a leader each), a researcher, the program's staff and the staff of another program."""

from coaching.tests.conftest import world  # noqa: F401 - the fixture
