"""Jurisdiction tokens of a country, for on-prem/edge sites (regions carry theirs in the catalog).

EU/EEA membership and EU adequacy decisions as of 2025 (European Commission lists); authored,
verify with counsel. The same token vocabulary as ``regions.csv``'s ``jurisdictions`` column.
"""

from __future__ import annotations

EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
EEA_ONLY = frozenset({"IS", "LI", "NO"})
ADEQUATE = frozenset(
    {"AD", "AR", "CA", "FO", "GG", "IL", "IM", "JP", "JE", "NZ", "KR", "CH", "GB", "UY"}
)
US_DPF = frozenset({"US"})


def country_tokens(country: str) -> frozenset[str]:
    """``DE`` -> {DE, EU, EEA, EU_ADEQUATE}.

    >>> sorted(country_tokens("NO"))
    ['EEA', 'EU_ADEQUATE', 'NO']
    """
    tokens = {country}
    if country in EU:
        tokens |= {"EU", "EEA", "EU_ADEQUATE"}
    elif country in EEA_ONLY:
        tokens |= {"EEA", "EU_ADEQUATE"}
    elif country in ADEQUATE:
        tokens.add("EU_ADEQUATE")
    if country in US_DPF:
        tokens.add("US_DPF")
    return frozenset(tokens)
