"""Options stage: pure pandas. Every unit x target x hardware x pricing, costed and checked."""

from advisor.options.build import OPTION_COLUMNS, OptionSet, build_options, effective_catalog

__all__ = ["OPTION_COLUMNS", "OptionSet", "build_options", "effective_catalog"]
