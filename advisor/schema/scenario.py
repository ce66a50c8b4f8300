"""The scenario: what an architect writes (YAML, plus optional CSV/Excel inventories).

Every model is frozen and forbids unknown keys; units are in field names. A what-if is
``scenario.model_copy(update=...)`` followed by :func:`advisor.schema.revalidate`, or one of
the ``with_*`` helpers, which always return a new, validated scenario.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from advisor.schema import edits
from advisor.schema.types import (
    HOURS_IN_MONTH,
    Classification,
    Control,
    CountryCode,
    Id,
    Objective,
    Precision,
    Pricing,
    Provider,
    SolverName,
    Strict,
    Tier,
    WorkloadKind,
)

Residency = Annotated[
    str,
    Field(
        pattern=r"^([A-Z]{2}|EU|EEA|EU_ADEQUATE|US_DPF)$",
        description="ISO country code (DE, US) or group: EU, EEA, EU_ADEQUATE, US_DPF.",
    ),
]
PosFloat = Annotated[float, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]


class GeoPoint(Strict):
    """WGS84 coordinates in decimal degrees."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Location(Strict):
    """A named place where users or data live (an office, a metro, a call centre)."""

    id: Id
    country: CountryCode
    location: GeoPoint
    name: str = ""


class Power(Strict):
    """Electrical envelope and tariff of a site."""

    max_kw: PosFloat | None = Field(None, le=1_000_000)
    """Power cap for IT load in kW; omit for unlimited."""
    usd_per_kwh: NonNegFloat = Field(0.15, le=5)
    pue: float = Field(1.5, ge=1.0, le=3.0)
    """Power usage effectiveness (facility kW / IT kW)."""


class Space(Strict):
    rack_units: int | None = Field(None, ge=0, le=100_000)
    """Free rack units (U) for new and existing servers; omit for unlimited."""


class InventoryItem(Strict):
    sku: str
    count: int = Field(ge=1, le=100_000)


class Site(Strict):
    """An on-prem data centre (``local``) or an edge location (``edge``)."""

    id: Id
    kind: Literal["local", "edge"]
    country: CountryCode
    location: GeoPoint
    name: str = ""
    power: Power = Power()
    space: Space = Space()
    inventory: tuple[InventoryItem, ...] = ()
    """Hardware already owned: sunk capex, no purchase cost."""
    can_buy: tuple[str, ...] = ()
    """Hardware SKUs (catalog ``hardware.csv`` or ``overrides.hardware``) that may be bought."""
    max_buy_per_sku: int = Field(64, ge=0, le=100_000)
    ops_usd_per_month: NonNegFloat = Field(0.0, le=1e9)
    """Fixed site operations cost; reported, not optimised (it is paid whatever the plan)."""
    wan_egress_usd_per_gb: NonNegFloat = Field(0.0, le=100)
    """What leaving this site costs per GB (transit contract); 0 for flat-rate links."""
    grid_gco2e_per_kwh: NonNegFloat | None = Field(None, le=2000)
    """Grid carbon intensity; defaults to the catalog's country value."""


class PriceDiscount(Strict):
    """A negotiated discount on a provider's listed prices (EDP, MACC, CUD)."""

    provider: Provider
    factor: float = Field(gt=0, le=1.5)
    """Multiplier on listed prices, e.g. 0.85 for a 15% discount."""
    pricing: tuple[Pricing, ...] = ()
    """Pricing models it applies to; empty means all."""


class CloudScope(Strict):
    """Which clouds, regions and pricing models may be used."""

    providers: tuple[Provider, ...] = ("aws", "azure", "gcp")
    pricing: tuple[Pricing, ...] = ("on_demand", "spot", "reserved_1y", "reserved_3y")
    allow_regions: tuple[str, ...] = ()
    """``provider:region`` or bare region codes; empty allows every commercial region."""
    deny_regions: tuple[str, ...] = ()
    include_restricted_partitions: bool = False
    """Allow gov, China and restricted partitions (off by default)."""
    discounts: tuple[PriceDiscount, ...] = ()


class Model(Strict):
    """The model a workload serves or trains: a preset, your own numbers, or a preset with overrides.

    ``preset`` names a row of the model preset table (``advisor size --list-presets``); every
    architecture field below overrides it. Without a preset give ``params_billion`` (and, for
    an accurate KV cache, the architecture; otherwise it is estimated from the size).
    """

    preset: str | None = None
    """A model preset, e.g. ``llama-3.1-70b``, ``mixtral-8x7b``, ``deepseek-v3``, ``whisper-large-v3``."""
    params_billion: float | None = Field(None, gt=0, le=20_000)
    """Total parameters in billions (all experts of a mixture-of-experts model)."""
    active_params_billion: float | None = Field(None, gt=0, le=20_000)
    """Parameters used per token (MoE); defaults to params_billion for dense models."""
    layers: int | None = Field(None, ge=1, le=1000)
    hidden_size: int | None = Field(None, ge=1, le=1_000_000)
    attention_heads: int | None = Field(None, ge=1, le=10_000)
    kv_heads: int | None = Field(None, ge=1, le=10_000)
    """Key/value heads (grouped-query attention); equal to attention_heads without GQA."""
    head_dim: int | None = Field(None, ge=1, le=4096)
    kv_latent_dim: int | None = Field(None, ge=0, le=100_000)
    """Cached latent width per layer for multi-head latent attention (DeepSeek: 576); 0 for GQA."""
    vocab_size: int | None = Field(None, ge=1, le=10_000_000)
    experts: int | None = Field(None, ge=0, le=100_000)
    experts_per_token: int | None = Field(None, ge=0, le=1000)
    context_tokens: int | None = Field(None, ge=1, le=100_000_000)
    precision: Precision = "fp16"
    variants: tuple[Precision, ...] = ()
    """Quantised variants that are acceptable, e.g. ``[int8, int4]``."""
    kv_cache_precision: Literal["auto", "fp16", "bf16", "fp8"] = "auto"
    """KV cache element type; ``auto`` is fp8 for fp8 weights, else 16 bit."""
    prompt_tokens: int = Field(512, ge=1, le=2_000_000)
    """Mean prompt length (input tokens per request)."""
    kv_cache_overhead: float = Field(0.2, ge=0, le=10)
    """Non-LLM inference (images, fixed replicas): activations and workspace as a fraction of
    weight memory. LLM token demand sizes its KV cache from the architecture instead."""
    batch_size: int | None = Field(None, ge=1, le=4096)
    """Fix the concurrent sequences per replica; by default the largest batch that fits in
    memory and meets the TTFT/TPOT targets."""

    @model_validator(mode="after")
    def _size_known(self) -> Model:
        if self.preset is None and self.params_billion is None:
            raise ValueError("give a preset or params_billion")
        if (
            self.params_billion is not None
            and self.active_params_billion is not None
            and self.active_params_billion > self.params_billion
        ):
            raise ValueError("active_params_billion cannot exceed params_billion")
        return self


class AcceleratorNeeds(Strict):
    """Explicit accelerator needs, instead of (or on top of) sizing from the model."""

    count: int = Field(1, ge=1, le=1024)
    """Accelerators per replica."""
    min_memory_gb: PosFloat | None = Field(None, le=100_000)
    """Minimum memory per accelerator."""
    types: tuple[str, ...] = ()
    """Allowed accelerator ids (catalog ``accelerators.csv``); empty allows any."""


class CpuNeeds(Strict):
    """A CPU-only workload (no accelerator)."""

    vcpus: int = Field(ge=1, le=100_000)
    memory_gb: PosFloat = Field(4.0, le=100_000)


class Demand(Strict):
    """How much work. Give one of: LLM tokens, images, GPU-hours, or a replica count."""

    requests_per_second: PosFloat | None = Field(None, le=1e7)
    tokens_per_request: int | None = Field(None, ge=1, le=2_000_000)
    images_per_second: PosFloat | None = Field(None, le=1e7)
    gflops_per_image: PosFloat = Field(8.2, le=1e7)
    """Compute per image; 8.2 GFLOP is ResNet-50 at 224x224."""
    gpu_hours_per_month: PosFloat | None = Field(None, le=1e8)
    """Work in GPU-hours of ``reference_accelerator``; rescaled by dense FP16 throughput."""
    reference_accelerator: str = "A100-80GB"
    replicas: int | None = Field(None, ge=1, le=100_000)
    """Fixed replica count (with ``accelerators`` or ``cpu``)."""
    hours_per_month: float = Field(HOURS_IN_MONTH, gt=0, le=744)
    """Hours a month the workload runs (a month has at most 744 hours)."""
    throughput_per_replica: PosFloat | None = Field(None, le=1e9)
    """Measured throughput of one replica (tokens/s or images/s); overrides the estimate."""

    @model_validator(mode="after")
    def _one_mode(self) -> Demand:
        modes = [
            self.requests_per_second is not None,
            self.images_per_second is not None,
            self.gpu_hours_per_month is not None,
        ]
        if sum(modes) > 1:
            raise ValueError(
                "give only one of requests_per_second, images_per_second, gpu_hours_per_month"
            )
        if self.requests_per_second is not None and self.tokens_per_request is None:
            raise ValueError("requests_per_second needs tokens_per_request")
        if sum(modes) == 0 and self.replicas is None:
            raise ValueError(
                "give one of requests_per_second (+tokens_per_request), images_per_second, "
                "gpu_hours_per_month or replicas"
            )
        return self

    @property
    def mode(self) -> str:
        if self.requests_per_second is not None:
            return "tokens"
        if self.images_per_second is not None:
            return "images"
        if self.gpu_hours_per_month is not None:
            return "gpu_hours"
        return "replicas"


class DataSpec(Strict):
    """The data a workload touches: how sensitive, where it may go, where it comes from."""

    classification: Classification = "internal"
    residency: tuple[Residency, ...] = ()
    """Jurisdictions the data may be processed in; empty means anywhere."""
    source: str | None = None
    """Where the data lives: a site id, a location id, or ``provider:region``."""
    ingress_gb_per_month: NonNegFloat = Field(0.0, le=1e9)
    """Data moved from the source to the workload each month."""
    egress_gb_per_month: NonNegFloat = Field(0.0, le=1e9)
    """Results sent from the workload to users / the internet each month."""


class HighAvailability(Strict):
    """Run the workload as N replica groups on N different targets (sites or regions)."""

    groups: int = Field(2, ge=2, le=8)


class Workload(Strict):
    """One AI/ML workload to place."""

    id: Id
    name: str = ""
    """Free-text display name (shown escaped in reports)."""
    team: Id = "default"
    kind: WorkloadKind = "inference"
    model: Model | None = None
    accelerators: AcceleratorNeeds | None = None
    cpu: CpuNeeds | None = None
    demand: Demand
    latency_slo_ms: PosFloat | None = Field(None, le=3_600_000)
    """End-to-end budget: network round trip + compute (for an LLM, + time to first token)."""
    ttft_ms: PosFloat | None = Field(None, le=3_600_000)
    """LLM time-to-first-token target on the server; default: half of latency_slo_ms."""
    tpot_ms: PosFloat | None = Field(None, le=60_000)
    """LLM time per output token target; default 50 ms when latency_slo_ms is set, else none."""
    requests_from: str | None = None
    """Where requests come from (site, location or ``provider:region``); defaults to data.source."""
    data: DataSpec = DataSpec()
    interruptible: bool = False
    """May run on spot / preemptible capacity."""
    ha: HighAvailability | None = None
    allowed_tiers: tuple[Tier, ...] = ()
    """Restrict tiers for this workload on top of the classification policy."""

    @model_validator(mode="after")
    def _resources(self) -> Workload:
        if self.cpu is not None and (self.model is not None or self.accelerators is not None):
            raise ValueError("a cpu workload cannot also have model or accelerators")
        if self.cpu is None and self.model is None and self.accelerators is None:
            raise ValueError("give model, accelerators or cpu")
        mode = self.demand.mode
        if self.cpu is not None and mode not in ("replicas",):
            raise ValueError("a cpu workload sizes by demand.replicas")
        if mode == "tokens" and self.model is None:
            raise ValueError("requests_per_second sizing needs a model")
        if mode == "replicas" and self.cpu is None and self.accelerators is None:
            raise ValueError("demand.replicas needs accelerators or cpu")
        return self


class ClassificationPolicy(Strict):
    """What a data classification allows."""

    allowed_tiers: tuple[Tier, ...] = ("local", "edge", "cloud")
    cloud_requires: tuple[Control, ...] = ()
    """Controls every cloud target must offer for this classification."""


DEFAULT_POLICIES: dict[str, ClassificationPolicy] = {
    "public": ClassificationPolicy(),
    "internal": ClassificationPolicy(),
    "confidential": ClassificationPolicy(cloud_requires=("cmk",)),
    "pii": ClassificationPolicy(cloud_requires=("cmk",)),
    "phi": ClassificationPolicy(
        allowed_tiers=("local", "cloud"),
        cloud_requires=("hipaa_baa", "cmk", "confidential_computing"),
    ),
    "special_category": ClassificationPolicy(
        allowed_tiers=("local",),
        cloud_requires=("cmk", "confidential_computing", "dedicated_host"),
    ),
}


class Budget(Strict):
    """A FinOps limit for everything (``all``) or one team (``team:<id>``)."""

    scope: str = Field(pattern=r"^(all|team:[A-Za-z0-9][A-Za-z0-9_.\-]{0,63})$")
    opex_usd_per_month_max: NonNegFloat | None = Field(None, le=1e12)
    capex_usd_max: NonNegFloat | None = Field(None, le=1e13)

    @model_validator(mode="after")
    def _some_limit(self) -> Budget:
        if self.opex_usd_per_month_max is None and self.capex_usd_max is None:
            raise ValueError("give opex_usd_per_month_max or capex_usd_max")
        return self


class PlacementRule(Strict):
    """Co-locate workloads on one target, or keep them on different targets."""

    kind: Literal["colocate", "anti_affinity"]
    workloads: tuple[Id, ...] = Field(min_length=2)


class Flow(Strict):
    """Data moved each month from one workload to another; egress is charged by placement."""

    from_workload: Id
    to_workload: Id
    gb_per_month: PosFloat = Field(le=1e9)


class Limits(Strict):
    """Optional caps on plan-wide totals."""

    privacy_risk_max: NonNegFloat | None = Field(None, le=1e12)
    carbon_kg_per_month_max: NonNegFloat | None = Field(None, le=1e12)


class Distribution(Strict):
    """A multiplicative factor with median about 1, drawn per Monte Carlo sample.

    ``uniform(low, high)``, ``triangular(low, mode, high)``, ``normal(sd)`` (mean 1, clipped at
    0.01) or ``lognormal(sigma)`` (median 1: ``exp(N(0, sigma))``).
    """

    distribution: Literal["uniform", "triangular", "normal", "lognormal"]
    low: PosFloat | None = Field(None, le=100)
    mode: PosFloat | None = Field(None, le=100)
    high: PosFloat | None = Field(None, le=100)
    sd: PosFloat | None = Field(None, le=5)
    sigma: PosFloat | None = Field(None, le=5)

    @model_validator(mode="after")
    def _params(self) -> Distribution:
        need = {
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "normal": ("sd",),
            "lognormal": ("sigma",),
        }[self.distribution]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"{self.distribution} needs {', '.join(missing)}")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("low must not exceed high")
        if self.mode is not None and not (self.low <= self.mode <= self.high):  # type: ignore[operator]
            raise ValueError("mode must lie between low and high")
        return self


class UncertainPrice(Distribution):
    """Cloud hourly prices of one provider (optionally one region or pricing model)."""

    provider: Provider
    region: str | None = None
    pricing: Pricing | None = None


class UncertainDemand(Distribution):
    """Demand of some workloads (all when ``workloads`` is empty)."""

    workloads: tuple[Id, ...] = ()


class Uncertainty(Strict):
    """What a Monte Carlo run varies: each entry is an independent factor per sample."""

    samples: int = Field(200, ge=1, le=100_000)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    prices: tuple[UncertainPrice, ...] = ()
    demand: tuple[UncertainDemand, ...] = ()
    power_price: Distribution | None = None
    """Electricity price at every site."""
    hardware_price: Distribution | None = None
    """List price of every box the scenario owns or may buy."""


class Weights(Strict):
    """Weights of the ``weighted`` objective, in USD per unit per month."""

    usd_per_latency_ms: NonNegFloat = Field(0.0, le=1e9)
    usd_per_risk_point: NonNegFloat = Field(0.0, le=1e9)
    usd_per_tonne_co2e: NonNegFloat = Field(0.0, le=1e9)


class Settings(Strict):
    """Planning horizon, objective and solver settings."""

    horizon_months: int = Field(36, ge=1, le=240)
    objective: Objective = "tco"
    weights: Weights = Weights()
    solver: SolverName = "highs"
    time_limit_s: float = Field(120.0, gt=0, le=86_400)
    mip_gap: float = Field(1e-4, ge=0, le=0.5)
    """Relative optimality gap at which the solver may stop."""
    prune_dominated: bool = True


class PriceOverride(Strict):
    """Your own price for catalog rows: a multiplier or an absolute USD/hour."""

    provider: Provider
    region: str | None = None
    instance_type: str | None = None
    pricing: Pricing | None = None
    factor: PosFloat | None = Field(None, le=10)
    usd_per_hour: PosFloat | None = Field(None, le=10_000)
    note: str = ""

    @model_validator(mode="after")
    def _one_value(self) -> PriceOverride:
        if (self.factor is None) == (self.usd_per_hour is None):
            raise ValueError("give exactly one of factor or usd_per_hour")
        return self


class HardwareOverride(Strict):
    """Your own server or edge device (or a negotiated price for a catalog SKU)."""

    sku: Id
    tier: Literal["local", "edge"]
    name: str = ""
    accelerator: str | None = None
    accelerator_count: int = Field(0, ge=0, le=1024)
    vcpus: int = Field(ge=1, le=100_000)
    memory_gb: PosFloat = Field(le=100_000)
    list_price_usd: NonNegFloat = Field(le=1e9)
    power_kw: PosFloat = Field(le=500)
    rack_units: int = Field(ge=0, le=100)
    useful_life_months: int = Field(60, ge=1, le=240)
    ops_usd_per_month: NonNegFloat = Field(0.0, le=1e9)
    note: str = ""


class Overrides(Strict):
    prices: tuple[PriceOverride, ...] = ()
    hardware: tuple[HardwareOverride, ...] = ()


class Scenario(Strict):
    """A whole placement problem: sites, cloud scope, workloads, policies and limits."""

    schema_version: Literal[1] = 1
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    settings: Settings = Settings()
    locations: tuple[Location, ...] = ()
    sites: tuple[Site, ...] = ()
    clouds: CloudScope = CloudScope()
    workloads: tuple[Workload, ...] = Field(min_length=1)
    workload_inventories: tuple[str, ...] = ()
    """CSV or Excel files (relative to the scenario) whose rows are more workloads."""
    policies: dict[Classification, ClassificationPolicy] = Field(default_factory=dict)
    """Overrides of the default policy per classification."""
    budgets: tuple[Budget, ...] = ()
    placement_rules: tuple[PlacementRule, ...] = ()
    flows: tuple[Flow, ...] = ()
    limits: Limits = Limits()
    overrides: Overrides = Overrides()
    uncertainty: Uncertainty | None = None
    """Distributions for :func:`advisor.monte_carlo` (prices, demand, power, hardware)."""
    catalog: str | None = None
    """A directory of your own catalog CSVs that extend or override the bundled ones."""

    _base_dir: Path | None = PrivateAttr(None)

    @property
    def base_dir(self) -> Path:
        """Directory relative paths (catalog, inventories) resolve against."""
        return self._base_dir or Path.cwd()

    def policy(self, classification: str) -> ClassificationPolicy:
        """The effective policy for a classification (scenario override or default)."""
        return self.policies.get(classification, DEFAULT_POLICIES[classification])  # type: ignore[index]

    @property
    def teams(self) -> tuple[str, ...]:
        return tuple(sorted({w.team for w in self.workloads}))

    # -- what-if edits (advisor.schema.edits): each returns a new, validated scenario --------

    def with_prices(self, provider: str | None = None, **kw: Any) -> Scenario:
        """Scale or set cloud prices; see :func:`advisor.schema.edits.with_prices`."""
        return edits.with_prices(self, provider, **kw)

    def with_hardware_prices(self, factor: float, sku: str | None = None) -> Scenario:
        """Scale on-prem/edge list prices; see :func:`advisor.schema.edits.with_hardware_prices`."""
        return edits.with_hardware_prices(self, factor, sku)

    def with_budget(self, scope: str = "all", **kw: Any) -> Scenario:
        """Set, scale or remove a budget; see :func:`advisor.schema.edits.with_budget`."""
        return edits.with_budget(self, scope, **kw)

    def with_slo(self, latency_slo_ms: Any = edits.KEEP, **kw: Any) -> Scenario:
        """Set or scale latency SLOs; see :func:`advisor.schema.edits.with_slo`."""
        return edits.with_slo(self, latency_slo_ms, **kw)

    def with_demand(self, factor: float, **kw: Any) -> Scenario:
        """Scale demand; see :func:`advisor.schema.edits.with_demand`."""
        return edits.with_demand(self, factor, **kw)

    def with_power_price(self, factor: float, **kw: Any) -> Scenario:
        """Scale site electricity prices; see :func:`advisor.schema.edits.with_power_price`."""
        return edits.with_power_price(self, factor, **kw)

    def without_site(self, site: str) -> Scenario:
        """Close a site; see :func:`advisor.schema.edits.without_site`."""
        return edits.without_site(self, site)

    def with_policy(self, classification: str, **kw: Any) -> Scenario:
        """Change a classification policy; see :func:`advisor.schema.edits.with_policy`."""
        return edits.with_policy(self, classification, **kw)

    def with_limits(self, **kw: Any) -> Scenario:
        """Set or remove risk and carbon caps; see :func:`advisor.schema.edits.with_limits`."""
        return edits.with_limits(self, **kw)

    def with_settings(self, **kw: Any) -> Scenario:
        """Change settings; see :func:`advisor.schema.edits.with_settings`."""
        return edits.with_settings(self, **kw)

    def _repr_html_(self) -> str:
        from advisor.report.notebook import scenario_html

        return scenario_html(self)
