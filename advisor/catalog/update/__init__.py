"""``advisor catalog update``: refresh instance prices from the providers' own price APIs.

Feeds (one module each): :mod:`~advisor.catalog.update.azure` (Retail Prices API),
:mod:`~advisor.catalog.update.aws` (Price List bulk offer files),
:mod:`~advisor.catalog.update.gcp` (Cloud Billing Catalog API). :mod:`.transport` is the HTTP
client (timeouts, retries, backoff), :mod:`.cache` the resumable fetch state, and :mod:`.run`
checks what was fetched with :mod:`advisor.catalog.faults` and writes a user catalog.
"""

from advisor.catalog.update.run import PROVIDERS, UpdateResult, update_catalog
from advisor.catalog.update.transport import FeedError

__all__ = ["PROVIDERS", "FeedError", "UpdateResult", "update_catalog"]
