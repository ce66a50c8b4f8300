"""Re-solve after a small edit without redoing what the edit cannot have changed.

A :class:`Resolver` keeps, per process:

* catalogs, by catalog directory (loading and indexing them costs more than a small solve);
* the pruned option table per (option key, pruning inputs), reused as it is when an edit
  changes neither (budgets, and limits or weights that leave the pruning criteria alone);
* the *unpruned* option table per "option key": a hash of the scenario without the parts
  that never change options (name, description, budgets, limits, placement rules, flows,
  solver settings, objective and weights, uncertainty). Those parts only change pruning
  criteria or the model, so on a hit the cached table is pruned again with the edited
  scenario's own criteria (:func:`advisor.options.prune.prune_dominated`), which gives the same
  option set a cold :func:`advisor.options.build_options` gives (a test checks this).

Price, demand, SLO, site and policy edits change options, so they miss the cache and pay a
full option build; budget, limit, rule and objective edits hit it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections import OrderedDict
from typing import Any

from advisor.catalog import Catalog
from advisor.options import OptionSet, build_options
from advisor.options.prune import (
    criteria,
    placement_sensitive_units,
    prune_cloud_within_target,
    prune_dominated,
)
from advisor.schema.load import catalog_for
from advisor.schema.scenario import Scenario

NOT_IN_OPTIONS = (
    "name",
    "description",
    "budgets",
    "limits",
    "placement_rules",
    "flows",
    "uncertainty",
)
SETTINGS_IN_OPTIONS = ("horizon_months",)


def option_key(scn: Scenario) -> str:
    """Hash of everything in the scenario that can change the unpruned option table."""
    data = scn.model_dump(mode="json", exclude=set(NOT_IN_OPTIONS))
    data["settings"] = {k: data["settings"][k] for k in SETTINGS_IN_OPTIONS}
    data["_base_dir"] = str(scn.base_dir) if scn.catalog or scn.workload_inventories else ""
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


class Resolver:
    """Solves scenarios and their variants, reusing catalogs and option tables.

    >>> from advisor.schema import example_path, load_scenario
    >>> r = Resolver()
    >>> scn = load_scenario(example_path("eu-insurer"))
    >>> cold = r.solve(scn)
    >>> warm = r.solve(scn.with_budget("all", factor=0.9))
    >>> r.stats["option_hits"], r.stats["option_misses"]
    (1, 1)
    """

    def __init__(self, max_entries: int = 8) -> None:
        self.max_entries = max_entries
        self._catalogs: dict[str, Catalog] = {}
        self._options: OrderedDict[str, OptionSet] = OrderedDict()
        self._pruned: OrderedDict[tuple, OptionSet] = OrderedDict()
        self.stats = {"option_hits": 0, "option_misses": 0, "catalog_hits": 0}

    def catalog(self, scn: Scenario) -> Catalog:
        key = str((scn.base_dir / scn.catalog).resolve()) if scn.catalog else ""
        if key in self._catalogs:
            self.stats["catalog_hits"] += 1
        else:
            self._catalogs[key] = catalog_for(scn)
        return self._catalogs[key]

    def full_options(self, scn: Scenario, catalog: Catalog | None = None) -> OptionSet:
        """Every feasible option of ``scn`` before dominance pruning (cached)."""
        key = option_key(scn)
        full = self._options.get(key)
        if full is None:
            self.stats["option_misses"] += 1
            full = build_options(scn, catalog or self.catalog(scn), prune=False)
            self._options[key] = full
            if len(self._options) > self.max_entries:
                self._options.popitem(last=False)
        else:
            self.stats["option_hits"] += 1
            self._options.move_to_end(key)
        return full

    def options(self, scn: Scenario, catalog: Catalog | None = None) -> OptionSet:
        """The (pruned) option set of ``scn``, from cache when only non-option parts changed.

        When the pruning inputs are unchanged too (same criteria, same placement-sensitive
        workloads: e.g. a budget edit), the pruned set itself is reused.
        """
        t0 = time.perf_counter()
        pkey = (
            option_key(scn),
            scn.settings.prune_dominated,
            tuple(criteria(scn)),
            tuple(sorted(placement_sensitive_units(scn))),
        )
        hit = self._pruned.get(pkey)
        if hit is not None:
            self.stats["option_hits"] += 1
            self._pruned.move_to_end(pkey)
            return dataclasses.replace(
                hit, stats={**hit.stats, "build_seconds": time.perf_counter() - t0}
            )
        opts = _pruned(scn, self.full_options(scn, catalog), t0)
        self._pruned[pkey] = opts
        if len(self._pruned) > self.max_entries:
            self._pruned.popitem(last=False)
        return opts

    def solve(self, scn: Scenario, **kw: Any):
        """:func:`advisor.solve` with cached catalog and options."""
        from advisor.plan import solve

        cat = self.catalog(scn)
        return solve(scn, cat, options=self.options(scn, cat), **kw)


def _pruned(scn: Scenario, full: OptionSet, t0: float) -> OptionSet:
    opts, dominated = full.options, full.options.iloc[0:0]
    if scn.settings.prune_dominated and len(opts):
        # the same two steps as a cold build: cloud rows within their target, then dominance
        cloud = opts["tier"] == "cloud"
        kept = prune_cloud_within_target(scn, opts[cloud]).index
        opts = opts[~cloud | opts.index.isin(kept)].reset_index(drop=True)
        opts, dominated = prune_dominated(scn, opts)
    stats = {
        **full.stats,
        "options_after_pruning": len(opts),
        "pruned": full.stats["options_feasible"] - len(opts),
        "build_seconds": time.perf_counter() - t0,
    }
    return dataclasses.replace(full, options=opts, dominated=dominated, stats=stats)
