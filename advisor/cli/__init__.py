"""The architect's CLI: a thin client of the public API. Entry point: ``advisor``."""

from advisor.cli.app import app, main

__all__ = ["app", "main"]
