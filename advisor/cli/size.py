"""``advisor size``: memory, batch, tokens/s, TTFT/TPOT and replicas for one model on one box.

A thin client of :func:`advisor.options.calculator.size_model` (the option builder's serving
model). Registered in :mod:`advisor.cli.app`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

out = Console(markup=False, emoji=False, highlight=False)  # user text prints as written
err = Console(stderr=True, soft_wrap=True, markup=False, emoji=False, highlight=False)

_PRECISIONS = ("fp32", "bf16", "fp16", "fp8", "int8", "int4")


def size(
    preset: Annotated[
        str | None, typer.Option("--preset", "-p", help="Model preset, e.g. llama-3.1-70b.")
    ] = None,
    accelerator: Annotated[
        str, typer.Option("--accelerator", "-a", help="Accelerator id (catalog), e.g. H100.")
    ] = "H100",
    count: Annotated[int, typer.Option("--count", "-n", min=1, max=1024, help="Accelerators.")] = 1,
    precision: Annotated[str, typer.Option(help="Weights: fp32 bf16 fp16 fp8 int8 int4.")] = "fp16",
    kv_cache_precision: Annotated[
        str, typer.Option(help="KV cache: auto (fp8 with fp8 weights), fp16, bf16 or fp8.")
    ] = "auto",
    params_billion: Annotated[
        float | None, typer.Option(help="Your own model's size (architecture estimated).")
    ] = None,
    prompt_tokens: Annotated[int, typer.Option(min=1, help="Mean prompt tokens.")] = 512,
    output_tokens: Annotated[int, typer.Option(min=1, help="Mean output tokens.")] = 256,
    ttft_ms: Annotated[float | None, typer.Option(help="Time-to-first-token target.")] = None,
    tpot_ms: Annotated[float | None, typer.Option(help="Time-per-output-token target.")] = None,
    latency_slo_ms: Annotated[
        float | None,
        typer.Option(help="End-to-end SLO: TTFT target = half of it, TPOT target 50 ms."),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(min=1, help="Fix the concurrent sequences per replica.")
    ] = None,
    requests_per_second: Annotated[
        float | None,
        typer.Option(help="Demand: requests/s (LLM: x output tokens) or images/s."),
    ] = None,
    list_presets: Annotated[bool, typer.Option(help="List the model presets and exit.")] = False,
    catalog: Annotated[
        Path | None, typer.Option("--catalog", help="Your catalog directory.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Size one model on N accelerators: memory, max batch, tokens/s, TTFT/TPOT, replicas.

    Example: advisor size --preset llama-3.1-70b --accelerator H100 --count 8 --precision fp8
    --requests-per-second 3 --output-tokens 500
    """
    from advisor.catalog import Catalog
    from advisor.errors import AdvisorError
    from advisor.options.calculator import size_model
    from advisor.schema.presets import preset_names, preset_table
    from advisor.schema.refs import did_you_mean
    from advisor.schema.scenario import Model

    if list_presets:
        _print_presets(preset_table(), fmt)
        return
    problems = []
    if preset is None and params_billion is None:
        problems.append("give --preset (see --list-presets) or --params-billion")
    if preset is not None and preset not in preset_names():
        hint = did_you_mean(preset, preset_names())
        problems.append(f"unknown model preset '{preset}'" + (f"; {hint}" if hint else ""))
    if precision not in _PRECISIONS:
        hint = did_you_mean(precision, _PRECISIONS)
        problems.append(
            f"unknown precision '{precision}'; one of {', '.join(_PRECISIONS)}"
            + (f"; {hint}" if hint else "")
        )
    try:
        cat = Catalog.load(catalog)
    except AdvisorError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(exc.exit_code) from None
    accs = cat.accelerators.set_index("accelerator")
    if accelerator not in accs.index:
        hint = did_you_mean(accelerator, accs.index)
        problems.append(f"unknown accelerator '{accelerator}'" + (f"; {hint}" if hint else ""))
    if not problems:
        try:
            model = Model(
                preset=preset,
                params_billion=params_billion,
                precision=precision,
                kv_cache_precision=kv_cache_precision,
                prompt_tokens=prompt_tokens,
                batch_size=batch_size,
            )
        except ValidationError as exc:
            problems += [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    if problems:
        for p in problems:
            err.print(p, markup=False)
        raise typer.Exit(2)
    result = size_model(
        model,
        accs.loc[accelerator],
        count,
        output_tokens=output_tokens,
        ttft_ms=ttft_ms,
        tpot_ms=tpot_ms,
        latency_slo_ms=latency_slo_ms,
        requests_per_second=requests_per_second,
    )
    if fmt == "json":
        print(json.dumps(_jsonable(result), indent=2))
    else:
        _print_result(result)
    if result.get("fits") is False:
        raise typer.Exit(1)


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def _ms(v: float) -> str:
    return "none" if not math.isfinite(v) else f"{v:,.1f} ms"


def _print_result(r: dict[str, Any]) -> None:
    t = Table(title=f"{r['model']} on {r['count']} x {r['accelerator']} ({r['precision']})")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    rows: list[tuple[str, str]] = []
    if r["kind"] != "llm":
        rows += [
            ("compute per item", f"{r['gflops_per_item']:,.1f} GFLOP per {r['item']}"),
            ("efficiency (share of peak)", f"{r['efficiency']:.2f}"),
            ("items/s per accelerator", f"{r['items_per_s_per_accelerator']:,.1f}"),
            ("items/s (all accelerators)", f"{r['items_per_s']:,.1f}"),
            ("latency per item", _ms(r["latency_ms_per_item"])),
            ("active bound", "compute"),
        ]
    else:
        tp = r["tensor_parallel"]
        rows += [
            ("architecture", r["architecture"]),
            (
                "params (active)",
                f"{r['params_billion']:g} B ({r['active_params_billion']:.3g} B active)",
            ),
            ("weights per replica", f"{r['weights_gb']:,.1f} GB"),
            (
                f"KV cache per token ({r['kv_cache_precision']})",
                f"{r['kv_bytes_per_token'] / 1024:,.1f} KiB",
            ),
            ("KV capacity per replica", f"{r['kv_capacity_tokens']:,.0f} tokens"),
            ("max batch (memory)", f"{r['max_batch']:,.0f} sequences"),
            (
                "layout",
                f"{r['replicas_per_box']} replica(s) x TP{tp:g}" if tp else "does not fit",
            ),
            ("batch (per replica)", f"{r['batch']:,.0f}"),
            ("TTFT / target", f"{_ms(r['ttft_ms'])} / {_ms(r['ttft_target_ms'])}"),
            ("TPOT / target", f"{_ms(r['tpot_ms'])} / {_ms(r['tpot_target_ms'])}"),
            ("tokens/s per replica", f"{r['tokens_per_s_per_replica']:,.0f}"),
            ("tokens/s (box)", f"{r['tokens_per_s']:,.0f}"),
            ("requests/s (box)", f"{r['requests_per_s']:,.2f}"),
            ("active bound", f"batch: {r['batch_bound']}; step: {r['step_bound']}"),
        ]
    if r.get("demand"):
        rows += [
            ("demand", f"{r['demand']:,.1f} {r['demand_unit']}"),
            ("replicas needed", str(r["replicas_needed"])),
            (f"boxes of {r['count']} needed", str(r["boxes_needed"])),
        ]
    for k, v in rows:
        t.add_row(k, v)
    out.print(t)
    if r["kind"] == "llm" and not r["slo_met"] and r["fits"]:
        out.print("warning: even one sequence misses the TTFT/TPOT targets", style="yellow")


def _print_presets(table: dict[str, dict], fmt: str) -> None:
    cols = (
        "preset",
        "name",
        "kind",
        "params_billion",
        "active_params_billion",
        "layers",
        "kv_heads",
        "head_dim",
        "context_tokens",
        "source",
    )
    rows = [{c: v.get(c, "") for c in cols} for v in table.values()]
    if fmt == "json":
        print(json.dumps(rows, indent=2))
        return
    t = Table(title=f"{len(rows)} model presets")
    for c in cols[:-1]:
        t.add_column(c)
    for r in rows:
        t.add_row(*(str(r[c]) for c in cols[:-1]))
    out.print(t)
