"""The loaded catalog: typed tables plus the few lookups every later stage needs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from advisor.catalog.loader import bundled_catalog_dir, load_tables
from advisor.catalog.tables import IDLE_OF_MAX_KW, TYPICAL_OF_MAX_KW

if TYPE_CHECKING:
    from advisor.schema.scenario import CloudScope, Overrides


@dataclass(frozen=True, eq=False)
class Catalog:
    """Every catalog table as a DataFrame. Never mutated; overrides return a new Catalog."""

    tables: dict[str, pd.DataFrame]
    manifest: dict
    user_manifest: dict = field(default_factory=dict)
    user_dir: str | None = None
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    """Lookups derived from the (never mutated) tables, computed once per catalog."""

    @classmethod
    def load(cls, user_dir: str | Path | None = None) -> Catalog:
        """Load the bundled catalog, extended/overridden by ``user_dir`` if given."""
        path = Path(user_dir) if user_dir is not None else None
        tables, manifest, user_manifest = load_tables(path)
        return cls(tables, manifest, user_manifest, str(path) if path else None)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    @property
    def version(self) -> str:
        return str(self.manifest.get("catalog_version", "unknown"))

    @property
    def directory(self) -> Path:
        return bundled_catalog_dir()

    # --- lookups -------------------------------------------------------------------------
    @property
    def region_codes(self) -> list[str]:
        """``provider:region`` for every region in the catalog."""
        r = self.tables["regions"]
        return sorted((r["provider"] + ":" + r["region"]).tolist())

    @property
    def skus(self) -> list[str]:
        return sorted(self.tables["hardware"]["sku"].tolist())

    @property
    def accelerator_ids(self) -> list[str]:
        return sorted(self.tables["accelerators"]["accelerator"].tolist())

    @property
    def instance_type_names(self) -> list[str]:
        return sorted(self.tables["instance_types"]["instance_type"].unique().tolist())

    def latency_param(self, name: str) -> float:
        lm = self.tables["latency_model"].set_index("parameter")["value"]
        return float(lm[name])

    def country_gco2e_per_kwh(self, country: str) -> float | None:
        cc = self.tables["country_carbon"]
        hit = cc.loc[cc["country_iso2"] == country, "gco2e_per_kwh"]
        return float(hit.iloc[0]) if len(hit) else None

    def resolved_controls(self) -> pd.DataFrame:
        """One row per (provider, region, family) offered, one bool column per control.

        The most specific ``controls.csv`` row wins: family+region, family+*, *+region, *+*.
        Computed once per catalog (the option builder and the break-even both ask); callers
        get a copy.
        """
        memo = self.__dict__.setdefault("_memo", {})  # (a catalog unpickled from before it)
        if "resolved_controls" not in memo:
            memo["resolved_controls"] = self._resolve_controls()
        return memo["resolved_controls"].copy()

    def _resolve_controls(self) -> pd.DataFrame:
        from advisor.schema.types import CONTROLS

        pairs = self.priced_families()
        ctl = self.tables["controls"].copy()
        ctl["available"] = ctl["available"].str.lower().isin(["true", "1", "yes"])
        out = pairs.copy()
        for control in CONTROLS:
            c = ctl[ctl["control"] == control]
            value = pd.Series(np.nan, index=out.index, dtype=object)
            for fam_any, reg_any in ((False, False), (False, True), (True, False), (True, True)):
                sub = c[((c["family"] == "*") == fam_any) & ((c["region"] == "*") == reg_any)]
                keys = (
                    ["provider"] + ([] if fam_any else ["family"]) + ([] if reg_any else ["region"])
                )
                sub = sub.drop_duplicates(keys)[[*keys, "available"]]
                hit = out[keys].merge(sub, on=keys, how="left")["available"]
                hit.index = out.index
                value = value.where(value.notna(), hit)
            out[control] = value.fillna(False).astype(bool)
        return out

    def priced_families(self) -> pd.DataFrame:
        prices = self.tables["instance_prices"][["provider", "region", "instance_type"]]
        types = self.tables["instance_types"][["provider", "instance_type", "family"]]
        merged = prices.drop_duplicates().merge(types, on=["provider", "instance_type"], how="left")
        return merged[["provider", "region", "family"]].drop_duplicates().reset_index(drop=True)

    def egress_tiers(self, provider: str, destination: str, source_area: str = "*") -> pd.DataFrame:
        """The egress tiers for data leaving a region of ``source_area`` (a continent key as in
        regions.csv ``area``): that area's rows if the catalog has them, else the ``*`` rows."""
        eg = self.tables["egress"]
        eg = eg[(eg["provider"] == provider) & (eg["destination"] == destination)]
        own = eg[eg["source_area"] == source_area]
        return own if len(own) else eg[eg["source_area"] == "*"]

    def region_area(self, code: str) -> str:
        """Continent key (regions.csv ``area``) of a ``provider:region`` code, else ``*``."""
        r = self.tables["regions"]
        hit = r.loc[(r["provider"] + ":" + r["region"]) == code, "area"]
        return str(hit.iloc[0]) if len(hit) and hit.iloc[0] else "*"

    def egress_usd_per_gb(
        self, provider: str, destination: str, gb_per_month: float, source_area: str = "*"
    ) -> float:
        """Average USD/GB for ``gb_per_month`` through the provider's volume tiers."""
        tiers = self.egress_tiers(provider, destination, source_area)
        if tiers.empty or gb_per_month <= 0:
            return float(tiers["usd_per_gb"].iloc[0]) if len(tiers) else 0.0
        tiers = tiers.sort_values("tier_from_gb")
        total = 0.0
        for lo, hi, usd in tiers[["tier_from_gb", "tier_to_gb", "usd_per_gb"]].itertuples(
            index=False
        ):
            upper = np.inf if pd.isna(hi) else hi
            if gb_per_month > lo:
                total += (min(gb_per_month, upper) - lo) * usd
        return total / gb_per_month

    # --- derived catalogs ----------------------------------------------------------------
    def with_overrides(self, overrides: Overrides, clouds: CloudScope) -> Catalog:
        """A new catalog with the scenario's discounts, price and hardware overrides applied."""
        prices = self.tables["instance_prices"].copy()
        prices["listed_usd_per_hour"] = prices["usd_per_hour"]
        prices["overridden"] = False
        for disc in clouds.discounts:
            mask = prices["provider"] == disc.provider
            if disc.pricing:
                mask &= prices["pricing"].isin(disc.pricing)
            prices.loc[mask, "usd_per_hour"] *= disc.factor
            prices.loc[mask, "overridden"] = True
            prices.loc[mask, "note"] = _append(
                prices.loc[mask, "note"], f"negotiated x{disc.factor:g}"
            )
        for i, ov in enumerate(overrides.prices):
            mask = prices["provider"] == ov.provider
            for col in ("region", "instance_type", "pricing"):
                if getattr(ov, col) is not None:
                    mask &= prices[col] == getattr(ov, col)
            if ov.factor is not None:
                prices.loc[mask, "usd_per_hour"] *= ov.factor
            else:
                prices.loc[mask, "usd_per_hour"] = ov.usd_per_hour
            prices.loc[mask, "overridden"] = True
            prices.loc[mask, "basis"] = "user"
            prices.loc[mask, "source"] = f"scenario overrides.prices[{i}]"
            prices.loc[mask, "note"] = ov.note or "user price override"
        hardware = self.tables["hardware"]
        if overrides.hardware:
            rows = pd.DataFrame(
                [
                    {
                        **h.model_dump(exclude={"note"}),
                        "accelerator": h.accelerator or "",
                        "name": h.name or h.sku,
                        "source": f"scenario overrides.hardware[{i}]",
                        "as_of": "",
                        "basis": "user",
                        "note": h.note or "user hardware",
                        "origin": "scenario",
                    }
                    for i, h in enumerate(overrides.hardware)
                ]
            )
            for col in ("accelerator_count", "vcpus", "memory_gb", "list_price_usd", "power_kw"):
                rows[col] = rows[col].astype(float)
            rows["typical_kw"] = rows["typical_kw"].fillna(rows["power_kw"] * TYPICAL_OF_MAX_KW)
            rows["idle_kw"] = rows["idle_kw"].fillna(rows["power_kw"] * IDLE_OF_MAX_KW)
            for col in ("idle_kw", "typical_kw"):
                rows[col] = rows[col].astype(float)
            for col in ("rack_units", "useful_life_months", "ops_usd_per_month"):
                rows[col] = rows[col].astype(float)
            hardware = pd.concat([hardware, rows], ignore_index=True)
            hardware = hardware.drop_duplicates("sku", keep="last").reset_index(drop=True)
        tables = {**self.tables, "instance_prices": prices, "hardware": hardware}
        return replace(self, tables=tables)

    def provenance(self) -> pd.DataFrame:
        """Tidy summary: table, source, as_of, basis, rows. For reports and ``catalog list``."""
        frames = []
        for name, t in self.tables.items():
            if "source" not in t.columns:
                continue
            g = (
                t.groupby(["source", "as_of", "basis"], dropna=False)
                .size()
                .reset_index(name="rows")
            )
            g.insert(0, "table", name)
            frames.append(g)
        return pd.concat(frames, ignore_index=True)


def _append(notes: pd.Series, text: str) -> pd.Series:
    return notes.where(notes == "", notes + "; ").fillna("") + text
