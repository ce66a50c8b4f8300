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
from advisor.schema.federated import Federated
from advisor.schema.profile import Profile, profile_problems, resolved_steps
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
    Residency,
    SolverName,
    Strict,
    Tier,
    WorkloadKind,
    is_classification,
)

PosFloat = Annotated[float, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]


class GeoPoint(Strict):
    """WGS84 coordinates in decimal degrees."""

    lat: float = Field(ge=-90, le=90)
    """Latitude in decimal degrees (WGS84), -90 to 90."""
    lon: float = Field(ge=-180, le=180)
    """Longitude in decimal degrees (WGS84), -180 to 180."""


class Location(Strict):
    """A named place where users or data live (an office, a metro, a call centre)."""

    id: Id
    """Unique id of the place, used in `data.source` and `requests_from`."""
    country: CountryCode
    """Country the place is in (ISO 3166-1 alpha-2)."""
    location: GeoPoint
    """Coordinates, used to estimate network round trips."""
    name: str = ""
    """Free-text display name."""


class Power(Strict):
    """Electrical envelope and tariff of a site."""

    max_kw: PosFloat | None = Field(None, le=1_000_000)
    """Power cap for IT load in kW; omit for unlimited."""
    usd_per_kwh: NonNegFloat = Field(0.15, le=5)
    """Electricity price in USD per kWh (0 to 5)."""
    pue: float = Field(1.5, ge=1.0, le=3.0)
    """Power usage effectiveness (facility kW / IT kW)."""


class Space(Strict):
    rack_units: int | None = Field(None, ge=0, le=100_000)
    """Free rack units (U) for new and existing servers; omit for unlimited."""


class InventoryItem(Strict):
    sku: str
    """Hardware SKU (catalog `hardware.csv` or `overrides.hardware`)."""
    count: int = Field(ge=1, le=100_000)
    """Boxes of this SKU already owned (1 to 100,000)."""


class Site(Strict):
    """An on-prem data centre (``local``) or an edge location (``edge``)."""

    id: Id
    """Unique id of the site, used in `data.source`, `requests_from` and reports."""
    kind: Literal["local", "edge"]
    """`local` (an on-prem data centre) or `edge` (a plant, branch or store)."""
    country: CountryCode
    """Country the site is in (ISO 3166-1 alpha-2); decides residency."""
    location: GeoPoint
    """Coordinates, used to estimate network round trips."""
    name: str = ""
    """Free-text display name."""
    power: Power = Power()
    """Power cap (kW), tariff (USD/kWh) and PUE of the site."""
    space: Space = Space()
    """Free rack units."""
    inventory: tuple[InventoryItem, ...] = ()
    """Hardware already owned: sunk capex, no purchase cost."""
    can_buy: tuple[str, ...] = ()
    """Hardware SKUs (catalog ``hardware.csv`` or ``overrides.hardware``) that may be bought."""
    max_buy_per_sku: int = Field(64, ge=0, le=100_000)
    """Most boxes of each `can_buy` SKU that may be bought (count)."""
    ops_usd_per_month: NonNegFloat = Field(0.0, le=1e9)
    """Fixed site operations cost; reported, not optimised (it is paid whatever the plan)."""
    wan_egress_usd_per_gb: NonNegFloat = Field(0.0, le=100)
    """What leaving this site costs per GB (transit contract); 0 for flat-rate links."""
    grid_gco2e_per_kwh: NonNegFloat | None = Field(None, le=2000)
    """Grid carbon intensity; defaults to the catalog's country value."""


class PriceDiscount(Strict):
    """A negotiated discount on a provider's listed prices (EDP, MACC, CUD)."""

    provider: Provider
    """Cloud provider the discount applies to: aws, azure or gcp."""
    factor: float = Field(gt=0, le=1.5)
    """Multiplier on listed prices, e.g. 0.85 for a 15% discount."""
    pricing: tuple[Pricing, ...] = ()
    """Pricing models it applies to; empty means all."""


class CloudScope(Strict):
    """Which clouds, regions and pricing models may be used."""

    providers: tuple[Provider, ...] = ("aws", "azure", "gcp")
    """Cloud providers that may be used."""
    pricing: tuple[Pricing, ...] = ("on_demand", "spot", "reserved_1y", "reserved_3y")
    """Pricing models that may be used: on_demand, spot (interruptible workloads only),
    reserved_1y, reserved_3y."""
    allow_regions: tuple[str, ...] = ()
    """``provider:region`` or bare region codes; empty allows every commercial region."""
    deny_regions: tuple[str, ...] = ()
    """``provider:region`` or bare region codes that must not be used."""
    include_restricted_partitions: bool = False
    """Allow gov, China and restricted partitions (off by default)."""
    discounts: tuple[PriceDiscount, ...] = ()
    """Negotiated discounts on listed prices, per provider."""


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
    """Transformer layers (count); from the preset or estimated from the size."""
    hidden_size: int | None = Field(None, ge=1, le=1_000_000)
    """Model (embedding) width in dimensions."""
    attention_heads: int | None = Field(None, ge=1, le=10_000)
    """Query attention heads per layer (count)."""
    kv_heads: int | None = Field(None, ge=1, le=10_000)
    """Key/value heads (grouped-query attention); equal to attention_heads without GQA."""
    head_dim: int | None = Field(None, ge=1, le=4096)
    """Width of one attention head in dimensions; default hidden_size / attention_heads."""
    kv_latent_dim: int | None = Field(None, ge=0, le=100_000)
    """Cached latent width per layer for multi-head latent attention (DeepSeek: 576); 0 for GQA."""
    vocab_size: int | None = Field(None, ge=1, le=10_000_000)
    """Vocabulary size in tokens."""
    experts: int | None = Field(None, ge=0, le=100_000)
    """Experts per MoE layer (count); 0 or none for a dense model."""
    experts_per_token: int | None = Field(None, ge=0, le=1000)
    """Experts routed per token (MoE; count)."""
    context_tokens: int | None = Field(None, ge=1, le=100_000_000)
    """Longest context the model supports, in tokens."""
    precision: Precision = "fp16"
    """Precision the model is served or trained in (fp32, bf16, fp16, fp8, int8, int4)."""
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
    """vCPUs per replica."""
    memory_gb: PosFloat = Field(4.0, le=100_000)
    """Memory per replica in GB."""


class Demand(Strict):
    """How much work. Give one of: LLM tokens, images, GPU-hours, or a replica count."""

    requests_per_second: PosFloat | None = Field(None, le=1e7)
    """LLM requests per second at peak (with `tokens_per_request`)."""
    tokens_per_request: int | None = Field(None, ge=1, le=2_000_000)
    """Generated tokens per request (count)."""
    images_per_second: PosFloat | None = Field(None, le=1e7)
    """Images per second at peak (vision inference)."""
    gflops_per_image: PosFloat = Field(8.2, le=1e7)
    """Compute per image; 8.2 GFLOP is ResNet-50 at 224x224."""
    gpu_hours_per_month: PosFloat | None = Field(None, le=1e8)
    """Work in GPU-hours of ``reference_accelerator``; rescaled by dense FP16 throughput."""
    reference_accelerator: str = "A100-80GB"
    """Accelerator id (catalog `accelerators.csv`) that `gpu_hours_per_month` is measured on."""
    replicas: int | None = Field(None, ge=1, le=100_000)
    """Fixed replica count (with ``accelerators`` or ``cpu``)."""
    hours_per_month: float = Field(HOURS_IN_MONTH, gt=0, le=744)
    """Hours a month the workload runs (a month has at most 744 hours)."""
    throughput_per_replica: PosFloat | None = Field(None, le=1e9)
    """Measured throughput of one replica (tokens/s or images/s); overrides the estimate."""
    profile: Profile | None = None
    """Load profile: ``{base_fraction, peak_hours_per_month}`` or steps ``[{fraction,
    hours_per_month}]`` base first (fractions of the peak, summing to 1); the rates above are
    the peak. In the cloud the workload autoscales through the steps; on a site it is sized
    for the peak. With the workload's ``split`` each step may run on its own target."""

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
        # no mode at all is left to the scenario check (advisor.schema.escalation): only a
        # workload other workloads escalate to may leave its demand to be derived
        if self.profile is not None:
            if self.gpu_hours_per_month is not None:
                raise ValueError(
                    "a load profile needs a rate (requests, images or replicas); "
                    "gpu_hours_per_month is already a monthly total"
                )
            problem = profile_problems(self.steps, self.hours_per_month)
            if problem:
                raise ValueError(problem)
        return self

    @property
    def steps(self) -> tuple[tuple[float, float], ...]:
        """(fraction of peak, hours a month) per load step, base first; one step without a
        profile."""
        if self.profile is None:
            return ((1.0, self.hours_per_month),)
        return resolved_steps(self.profile, self.hours_per_month)

    @property
    def mode(self) -> str:
        """tokens, images, gpu_hours, replicas, or ``escalated``: no demand of its own, all of
        it derived from the workloads that escalate to it (advisor.options.escalation)."""
        if self.requests_per_second is not None:
            return "tokens"
        if self.images_per_second is not None:
            return "images"
        if self.gpu_hours_per_month is not None:
            return "gpu_hours"
        if self.replicas is not None:
            return "replicas"
        return "escalated"


class DataSpec(Strict):
    """The data a workload touches: how sensitive, where it may go, where it comes from."""

    classification: Classification = "internal"
    """Sensitivity of the data: public, internal, confidential, pii, phi or special_category;
    decides allowed tiers and required cloud controls."""
    residency: tuple[Residency, ...] = ()
    """Jurisdictions the data may be processed in; empty means anywhere."""
    source: str | None = None
    """Where the data lives: a site id, a location id, or ``provider:region``."""
    ingress_gb_per_month: NonNegFloat = Field(0.0, le=1e9)
    """Data moved from the source to the workload each month."""
    egress_gb_per_month: NonNegFloat = Field(0.0, le=1e9)
    """Results sent from the workload to users / the internet each month."""


class Escalation(Strict):
    """A cascade: a share of this workload's requests is also served by another workload
    (a small model answers everything and hands the hard requests to a large one)."""

    to: Id
    """Id of the workload that also serves the escalated requests (an LLM inference workload)."""
    fraction: float = Field(gt=0, le=1)
    """Share of this workload's requests escalated (0 < fraction <= 1); the target's demand
    grows by fraction x this workload's requests_per_second."""
    gb_per_month: PosFloat | None = Field(None, le=1e9)
    """Data the escalated requests and their answers move each month, both directions
    together (GB); default: estimated from prompt and output tokens (see README)."""
    max_rtt_ms: PosFloat | None = Field(None, le=3_600_000)
    """Longest network round trip allowed between where this workload runs and where the
    target runs (ms, the escalated request's extra network time); omit for none."""


class HighAvailability(Strict):
    """Run the workload as N replica groups on N different targets (sites or regions)."""

    groups: int = Field(2, ge=2, le=8)
    """Number of replica groups, each on a different target (2 to 8)."""


class Workload(Strict):
    """One AI/ML workload to place."""

    id: Id
    """Unique id of the workload."""
    name: str = ""
    """Free-text display name (shown escaped in reports)."""
    team: Id = "default"
    """Team that owns the workload (budgets with scope `team:<id>`)."""
    kind: WorkloadKind = "inference"
    """inference, training or batch."""
    model: Model | None = None
    """The model served or trained; sizes accelerators from memory fit and a roofline."""
    accelerators: AcceleratorNeeds | None = None
    """Explicit accelerator needs per replica."""
    cpu: CpuNeeds | None = None
    """CPU-only resources per replica."""
    demand: Demand
    """How much work: tokens, images, GPU-hours or a replica count. On a workload others
    escalate to, requests_per_second (and tokens_per_request) may be left out, `demand: {}`:
    its demand is derived from theirs."""
    latency_slo_ms: PosFloat | None = Field(None, le=3_600_000)
    """End-to-end budget: network round trip + compute (for an LLM, + time to first token)."""
    ttft_ms: PosFloat | None = Field(None, le=3_600_000)
    """LLM time-to-first-token target on the server; default: half of latency_slo_ms."""
    tpot_ms: PosFloat | None = Field(None, le=60_000)
    """LLM time per output token target; default 50 ms when latency_slo_ms is set, else none."""
    requests_from: str | None = None
    """Where requests come from (site, location or ``provider:region``); defaults to data.source."""
    data: DataSpec = DataSpec()
    """Classification, residency, source and data volumes of the workload's data."""
    interruptible: bool = False
    """May run on spot / preemptible capacity."""
    ha: HighAvailability | None = None
    """Run as N replica groups on N different targets; omit for a single group."""
    allowed_tiers: tuple[Tier, ...] = ()
    """Restrict tiers for this workload on top of the classification policy."""
    split: bool = False
    """Let each step of ``demand.profile`` run on its own target (base on owned hardware, peak
    in the cloud); each part obeys the workload's rules on its own."""
    federated: Federated | None = None
    """Federated training (kind training): data shards that stay where they are, an
    aggregator placed by the optimiser, and only model updates crossing boundaries."""
    escalation: Escalation | None = None
    """Also send a share of this workload's requests to another workload (a cascade); the
    target inherits the data rules of the escalated requests."""

    @model_validator(mode="after")
    def _resources(self) -> Workload:
        if self.federated is not None:
            _check_federated(self)
        if self.cpu is not None and (self.model is not None or self.accelerators is not None):
            raise ValueError("a cpu workload cannot also have model or accelerators")
        if self.cpu is None and self.model is None and self.accelerators is None:
            raise ValueError("give model, accelerators or cpu")
        mode = self.demand.mode
        if self.cpu is not None and mode not in ("replicas",):
            raise ValueError("a cpu workload sizes by demand.replicas")
        if mode in ("tokens", "escalated") and self.model is None:
            raise ValueError(
                "requests_per_second sizing needs a model"
                if mode == "tokens"
                else "give one of requests_per_second (+tokens_per_request), "
                "images_per_second, gpu_hours_per_month or replicas"
            )
        if mode == "replicas" and self.cpu is None and self.accelerators is None:
            raise ValueError("demand.replicas needs accelerators or cpu")
        if self.split and len(self.demand.steps) < 2:
            raise ValueError(
                "split: true needs demand.profile with at least 2 steps, e.g. "
                "profile: {base_fraction: 0.6, peak_hours_per_month: 120}"
            )
        return self


def _check_federated(w: Workload) -> None:
    """A federated workload is a training job whose shards say where its data is."""
    if w.kind != "training":
        raise ValueError(f"federated needs kind: training (this workload is {w.kind})")
    if w.demand.mode not in ("gpu_hours", "replicas"):
        raise ValueError(
            "a federated job sizes by demand.gpu_hours_per_month or demand.replicas "
            "(split across the shards by data_gb)"
        )
    if w.ha is not None:
        raise ValueError("a federated job cannot also have ha groups")
    if w.data.source is not None or w.data.ingress_gb_per_month > 0:
        raise ValueError(
            "a federated job's data stays in its shards: drop data.source and "
            "data.ingress_gb_per_month (each shard's site, region or residency says where)"
        )
    if w.latency_slo_ms is not None or w.requests_from is not None:
        raise ValueError(
            "a federated job serves no requests: use federated.max_rtt_ms for the "
            "shard <-> aggregator round trip instead of latency_slo_ms / requests_from"
        )


class ClassificationPolicy(Strict):
    """What a data classification allows."""

    allowed_tiers: tuple[Tier, ...] = ("local", "edge", "cloud")
    """Tiers data of this classification may be processed in."""
    cloud_requires: tuple[Control, ...] = ()
    """Controls every cloud target must offer for this classification."""


DEFAULT_POLICIES: dict[Classification, ClassificationPolicy] = {
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
    """`all` for the whole plan or `team:<id>` for one team."""
    opex_usd_per_month_max: NonNegFloat | None = Field(None, le=1e12)
    """Most operating cost in USD per month (cloud, power, transfer, operations); omit for none."""
    capex_usd_max: NonNegFloat | None = Field(None, le=1e13)
    """Most hardware purchase cost in USD over the horizon (a team's share is pro rata); omit
    for none."""

    @model_validator(mode="after")
    def _some_limit(self) -> Budget:
        if self.opex_usd_per_month_max is None and self.capex_usd_max is None:
            raise ValueError("give opex_usd_per_month_max or capex_usd_max")
        return self


class PlacementRule(Strict):
    """Co-locate workloads on one target, or keep them on different targets."""

    kind: Literal["colocate", "anti_affinity"]
    """`colocate` (same target) or `anti_affinity` (different targets)."""
    workloads: tuple[Id, ...] = Field(min_length=2)
    """Ids of the workloads the rule binds (at least 2)."""


class Flow(Strict):
    """Data moved each month from one workload to another; egress is charged by placement."""

    from_workload: Id
    """Id of the sending workload."""
    to_workload: Id
    """Id of the receiving workload."""
    gb_per_month: PosFloat = Field(le=1e9)
    """Data sent each month in GB; egress is charged by where both ends land."""
    max_rtt_ms: PosFloat | None = Field(None, le=60_000)
    """Most network round trip between where the two ends land, in ms; omit for none."""


class Limits(Strict):
    """Optional caps on plan-wide totals."""

    privacy_risk_max: NonNegFloat | None = Field(None, le=1e12)
    """Cap on the plan's total privacy risk (risk points); omit for none."""
    carbon_kg_per_month_max: NonNegFloat | None = Field(None, le=1e12)
    """Cap on the plan's emissions in kg CO2e per month; omit for none."""


class Distribution(Strict):
    """A multiplicative factor with median about 1, drawn per Monte Carlo sample.

    ``uniform(low, high)``, ``triangular(low, mode, high)``, ``normal(sd)`` (mean 1, clipped at
    0.01) or ``lognormal(sigma)`` (median 1: ``exp(N(0, sigma))``).
    """

    distribution: Literal["uniform", "triangular", "normal", "lognormal"]
    """Shape of the factor: uniform, triangular, normal or lognormal."""
    low: PosFloat | None = Field(None, le=100)
    """Smallest factor (uniform, triangular)."""
    mode: PosFloat | None = Field(None, le=100)
    """Most likely factor (triangular)."""
    high: PosFloat | None = Field(None, le=100)
    """Largest factor (uniform, triangular)."""
    sd: PosFloat | None = Field(None, le=5)
    """Standard deviation of a normal factor with mean 1 (at most 5)."""
    sigma: PosFloat | None = Field(None, le=5)
    """Sigma of a lognormal factor with median 1 (at most 5)."""

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
        if self.mode is not None:
            if self.low is None or self.high is None:
                raise ValueError(
                    "mode needs low and high: it is a triangular factor's most likely value"
                )
            if not (self.low <= self.mode <= self.high):
                raise ValueError("mode must lie between low and high")
        return self


class UncertainPrice(Distribution):
    """Cloud hourly prices of one provider (optionally one region or pricing model)."""

    provider: Provider
    """Provider whose hourly prices vary."""
    region: str | None = None
    """Only this region; omit for all regions of the provider."""
    pricing: Pricing | None = None
    """Only this pricing model; omit for all."""


class UncertainDemand(Distribution):
    """Demand of some workloads (all when ``workloads`` is empty)."""

    workloads: tuple[Id, ...] = ()
    """Ids of the workloads whose demand varies; empty means all."""


class Uncertainty(Strict):
    """What a Monte Carlo run varies: each entry is an independent factor per sample."""

    samples: int = Field(200, ge=1, le=100_000)
    """Monte Carlo samples (count, 1 to 100,000)."""
    seed: int = Field(0, ge=0, le=2**32 - 1)
    """Random seed; the same seed gives the same samples."""
    prices: tuple[UncertainPrice, ...] = ()
    """Cloud price factors."""
    demand: tuple[UncertainDemand, ...] = ()
    """Demand factors."""
    power_price: Distribution | None = None
    """Electricity price at every site."""
    hardware_price: Distribution | None = None
    """List price of every box the scenario owns or may buy."""


class Weights(Strict):
    """Weights of the ``weighted`` objective, in USD per unit per month."""

    usd_per_latency_ms: NonNegFloat = Field(0.0, le=1e9)
    """USD per month charged per ms of latency (weighted objective)."""
    usd_per_risk_point: NonNegFloat = Field(0.0, le=1e9)
    """USD per month charged per privacy risk point (weighted objective)."""
    usd_per_tonne_co2e: NonNegFloat = Field(0.0, le=1e9)
    """USD per tonne of CO2e (weighted objective)."""


class Settings(Strict):
    """Planning horizon, objective and solver settings."""

    horizon_months: int = Field(36, ge=1, le=240)
    """Planning horizon in months (1 to 240); TCO and capex amortisation use it."""
    objective: Objective = "tco"
    """`tco` (horizon opex + amortised capex share), `monthly_cost` or `weighted` (adds
    `weights`)."""
    weights: Weights = Weights()
    """Weights of the `weighted` objective."""
    solver: SolverName = "highs"
    """MILP solver: highs or cbc."""
    time_limit_s: float = Field(120.0, gt=0, le=86_400)
    """Solver time limit in seconds."""
    mip_gap: float = Field(1e-4, ge=0, le=0.5)
    """Relative optimality gap at which the solver may stop."""
    prune_dominated: bool = True
    """Drop options that another option beats on every criterion before building the model."""


class PriceOverride(Strict):
    """Your own price for catalog rows: a multiplier or an absolute USD/hour."""

    provider: Provider
    """Provider of the prices to change."""
    region: str | None = None
    """Only this region; omit for all."""
    instance_type: str | None = None
    """Only this instance type; omit for all."""
    pricing: Pricing | None = None
    """Only this pricing model; omit for all."""
    factor: PosFloat | None = Field(None, le=10)
    """Multiplier on the catalog price (0 to 10)."""
    usd_per_hour: PosFloat | None = Field(None, le=10_000)
    """Absolute price in USD per hour."""
    note: str = ""
    """Why (a contract reference); shown in reports."""

    @model_validator(mode="after")
    def _one_value(self) -> PriceOverride:
        if (self.factor is None) == (self.usd_per_hour is None):
            raise ValueError("give exactly one of factor or usd_per_hour")
        return self


class HardwareOverride(Strict):
    """Your own server or edge device (or a negotiated price for a catalog SKU)."""

    sku: Id
    """SKU id (new, or a catalog SKU to replace)."""
    tier: Literal["local", "edge"]
    """`local` (data-centre server) or `edge` (device)."""
    name: str = ""
    """Free-text display name."""
    accelerator: str | None = None
    """Accelerator id (catalog `accelerators.csv`); omit for CPU-only."""
    accelerator_count: int = Field(0, ge=0, le=1024)
    """Accelerators per box."""
    vcpus: int = Field(ge=1, le=100_000)
    """vCPUs per box."""
    memory_gb: PosFloat = Field(le=100_000)
    """Memory per box in GB."""
    list_price_usd: NonNegFloat = Field(le=1e9)
    """Purchase price per box in USD."""
    power_kw: PosFloat = Field(le=500)
    """Maximum (nameplate) power draw per box in kW: what site power caps count."""
    idle_kw: NonNegFloat | None = Field(None, le=500)
    """Idle draw per box in kW, paid every hour the box exists (default 20% of power_kw)."""
    typical_kw: PosFloat | None = Field(None, le=500)
    """Typical draw per box in kW when busy (default 73% of power_kw)."""
    rack_units: int = Field(ge=0, le=100)
    """Rack units per box (U)."""
    useful_life_months: int = Field(60, ge=1, le=240)
    """Useful life in months; capex is amortised over it."""
    ops_usd_per_month: NonNegFloat = Field(0.0, le=1e9)
    """Operations cost per box in USD per month."""
    note: str = ""
    """Source of the numbers; shown in reports."""

    @model_validator(mode="after")
    def _draw_order(self) -> HardwareOverride:
        idle = self.idle_kw if self.idle_kw is not None else 0.0
        typical = self.typical_kw if self.typical_kw is not None else self.power_kw
        if not idle <= typical <= self.power_kw:
            raise ValueError(
                f"power draw must satisfy idle_kw <= typical_kw <= power_kw; got idle "
                f"{self.idle_kw}, typical {self.typical_kw}, max {self.power_kw} kW "
                "(omit idle_kw/typical_kw to use 20% / 73% of power_kw)"
            )
        return self


class Overrides(Strict):
    prices: tuple[PriceOverride, ...] = ()
    """Your own cloud prices."""
    hardware: tuple[HardwareOverride, ...] = ()
    """Your own servers and edge devices."""


class Scenario(Strict):
    """A whole placement problem: sites, cloud scope, workloads, policies and limits."""

    schema_version: Literal[1] = 1
    """Version of this file format; 1."""
    name: str = Field(min_length=1, max_length=200)
    """Name of the scenario (1 to 200 characters); names output folders and reports."""
    description: str = ""
    """Free text shown in reports."""
    settings: Settings = Settings()
    """Horizon, objective and solver settings."""
    locations: tuple[Location, ...] = ()
    """Named places where users or data live."""
    sites: tuple[Site, ...] = ()
    """On-prem data centres and edge sites."""
    clouds: CloudScope = CloudScope()
    """Cloud providers, regions, pricing models and discounts that may be used."""
    workloads: tuple[Workload, ...] = Field(min_length=1)
    """The AI/ML workloads to place (may be empty when `workload_inventories` gives them)."""
    workload_inventories: tuple[str, ...] = ()
    """CSV or Excel files (relative to the scenario) whose rows are more workloads."""
    policies: dict[Classification, ClassificationPolicy] = Field(default_factory=dict)
    """Overrides of the default policy per classification."""
    budgets: tuple[Budget, ...] = ()
    """FinOps budgets, overall or per team."""
    placement_rules: tuple[PlacementRule, ...] = ()
    """Co-location and anti-affinity rules."""
    flows: tuple[Flow, ...] = ()
    """Data moved between workloads each month."""
    limits: Limits = Limits()
    """Caps on total privacy risk and carbon."""
    overrides: Overrides = Overrides()
    """Your own prices and hardware."""
    uncertainty: Uncertainty | None = None
    """Distributions for :func:`advisor.monte_carlo` (prices, demand, power, hardware)."""
    catalog: str | None = None
    """A directory of your own catalog CSVs that extend or override the bundled ones."""

    _base_dir: Path | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _somewhere_to_place(self) -> Scenario:
        if not self.sites and not self.clouds.providers:
            raise ValueError(
                "there is nowhere to place the workloads: no sites and no cloud providers "
                "(clouds.providers is empty)"
            )
        return self

    @property
    def base_dir(self) -> Path:
        """Directory relative paths (catalog, inventories) resolve against."""
        return self._base_dir or Path.cwd()

    def policy(self, classification: str) -> ClassificationPolicy:
        """The effective policy for a classification (scenario override or default)."""
        if not is_classification(classification):
            raise KeyError(classification)
        return self.policies.get(classification, DEFAULT_POLICIES[classification])

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

    def with_escalation(self, source: str, fraction: float) -> Scenario:
        """Set the escalated share of ``source``'s requests; see
        :func:`advisor.schema.escalation.with_escalation`."""
        from advisor.schema.escalation import with_escalation

        return with_escalation(self, source, fraction)

    def with_settings(self, **kw: Any) -> Scenario:
        """Change settings; see :func:`advisor.schema.edits.with_settings`."""
        return edits.with_settings(self, **kw)

    def _repr_html_(self) -> str:
        from advisor.report.notebook import scenario_html

        return scenario_html(self)
