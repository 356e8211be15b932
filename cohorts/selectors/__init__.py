"""Reads shared by views, admin and tasks. Split by concern; import from the submodules."""

from cohorts.selectors.calls import cohorts_open_calls

__all__ = ["cohorts_open_calls"]
