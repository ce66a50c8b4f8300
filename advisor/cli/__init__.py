"""The architect's CLI: a thin client of the public API. Entry point: ``advisor``."""

from advisor.cli.app import app, entry, main

__all__ = ["app", "entry", "main"]
