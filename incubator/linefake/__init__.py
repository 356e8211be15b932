"""A local fake of LINE, for tests, the benchmark and `make run`'s demo mode (no machine here
reaches LINE). Standard library only; see `server.py`."""

from incubator.linefake.server import FakeLine, start

__all__ = ["FakeLine", "start"]
