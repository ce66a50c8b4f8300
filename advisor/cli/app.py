"""Commands: validate, plan, explain, compare, catalog, schema, init, sweep, size.

Exit codes: 0 plan found / valid, 1 infeasible (reasons printed), 2 invalid input,
3 solver limit reached without a feasible plan, 4 cost gate failed (compare
--fail-on-increase), 5 a plan failed independent verification (plan, verify).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from advisor.cli import compare as compare_cmd
from advisor.cli import render, schema_cmds, verify_cmds
from advisor.cli.catalog_cmds import register as register_catalog_cmds
from advisor.cli.options import Format, FormatOpt, root
from advisor.cli.size import size as _size_command
from advisor.errors import AdvisorError, InfeasibleScenario, InvalidScenario

app = typer.Typer(
    name="advisor",
    help="Where should each AI/ML workload run? Plans on-prem, edge and cloud placement.\n\n"
    "Example: advisor plan examples/eu-insurer.yaml",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
)
catalog_app = typer.Typer(
    help="Browse the catalogs. Example: advisor catalog show hardware", no_args_is_help=True
)
app.add_typer(catalog_app, name="catalog")
app.callback()(root)
schema_cmds.register(app)
compare_cmd.register(app)
verify_cmds.register(app)
register_catalog_cmds(catalog_app)  # catalog update / catalog diff
app.command(name="size")(_size_command)
out = Console()
err = Console(stderr=True, soft_wrap=True)

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
CatalogOpt = Annotated[
    Path | None,
    typer.Option("--catalog", help="Your catalog directory (extends/overrides the bundled one)."),
]


def _fail(exc: AdvisorError, fmt: str = "table") -> NoReturn:
    if fmt == "json":
        payload: dict = {"error": type(exc).__name__, "exit_code": exc.exit_code}
        if isinstance(exc, InvalidScenario):
            payload["issues"] = [i.to_dict() for i in exc.issues]
        elif isinstance(exc, InfeasibleScenario):
            payload["conflicts"] = [
                c.__dict__ | {"workloads": list(c.workloads)} for c in exc.conflicts
            ]
        else:
            payload["message"] = str(exc)
        print(json.dumps(payload, indent=2, default=str))
    else:
        err.print(str(exc), markup=False, highlight=False)
    raise typer.Exit(exc.exit_code)


def _load(path: Path, catalog: Path | None):
    from advisor import load_scenario
    from advisor.catalog import Catalog

    cat = Catalog.load(catalog) if catalog is not None else None
    return load_scenario(path, catalog=cat), cat


@app.command()
def validate(scenario: ScenarioArg, fmt: FormatOpt = Format.table) -> None:
    """Check a scenario and print a short summary (or every error, exit code 2).

    Example: advisor validate examples/eu-insurer.yaml
    """
    try:
        scn, _ = _load(scenario, None)
    except AdvisorError as exc:
        _fail(exc, fmt)
    summary = render.scenario_summary(scn)
    if fmt == "json":
        print(json.dumps(summary, indent=2, sort_keys=True))
    else:
        render.print_scenario_summary(out, scn.name, summary)


@app.command()
def plan(
    scenario: ScenarioArg,
    catalog: CatalogOpt = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder [default: reports/<name>].")
    ] = None,
    solver: Annotated[str | None, typer.Option(help="highs (default) or cbc.")] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Solver time limit in seconds.")
    ] = None,
    gap: Annotated[
        float | None, typer.Option("--gap", help="Relative MIP gap, e.g. 0.001.")
    ] = None,
    objective: Annotated[str | None, typer.Option(help="tco, monthly_cost or weighted.")] = None,
    focus_period: Annotated[
        str, typer.Option("--focus-period", help="Month of the FOCUS 1.2 export, YYYY-MM.")
    ] = "2027-01",
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity",
            help="Also re-solve each binding limit relaxed by one step (after the plan is "
            "written; within --time-limit).",
        ),
    ] = False,
    fmt: FormatOpt = Format.table,
    quiet: QuietOpt = False,
) -> None:
    """Solve a scenario; write plan.json, plan.csv, report.html and focus.csv (FOCUS 1.2).

    --time-limit bounds the whole command after loading (options, solve, explanations and
    the --sensitivity re-solves).

    Example: advisor plan examples/eu-insurer.yaml --out reports/insurer --time-limit 60
    """
    from advisor import solve
    from advisor.plan.io import write_plan_files

    if solver not in (None, "highs", "cbc"):
        err.print(f"--solver must be highs or cbc, not {solver!r}", markup=False)
        raise typer.Exit(2)
    if objective not in (None, "tco", "monthly_cost", "weighted"):
        err.print(
            f"--objective must be tco, monthly_cost or weighted, not {objective!r}", markup=False
        )
        raise typer.Exit(2)
    from advisor.report.focus import parse_period

    try:
        parse_period(focus_period)
    except ValueError as exc:
        err.print(f"--focus-period: {exc}", markup=False)
        raise typer.Exit(2) from None
    show = not quiet and fmt == "table"
    try:
        scn, cat = _load(scenario, catalog)
        target = out_dir or Path("reports") / scn.name
        started = time.perf_counter()
        with render.progress(err, enabled=show) as step:
            result = solve(
                scn,
                cat,
                solver=solver,
                time_limit_s=time_limit,
                mip_gap=gap,
                objective=objective,
                sensitivity=False,
                progress=step,
            )
            step("writing outputs")
            files = write_plan_files(result, target, focus_period)
        printed = False
        if sensitivity and len(result.relaxing):
            # the plan is out first; the re-solves follow within what is left of the limit
            if fmt == "table" and not quiet:
                render.print_plan(out, result, files, sensitivity_hint=False)
                printed = True
            limit = time_limit if time_limit is not None else scn.settings.time_limit_s
            with render.progress(err, enabled=show) as step:
                step(f"sensitivity: re-solving {len(result.relaxing)} binding limit(s)")
                result = result.with_sensitivity(limit - (time.perf_counter() - started))
                step("writing outputs")
                files = write_plan_files(result, target, focus_period)
            if printed:
                render.print_sensitivity(out, result)
    except InfeasibleScenario as exc:
        if exc.report is not None:
            from advisor.report import write_infeasible_report

            target = out_dir or Path("reports") / exc.report["scenario"].name
            path = write_infeasible_report(exc, target / "report.html")
            if show:
                err.print(f"infeasibility report: {path}", markup=False)
        _fail(exc, fmt)
    except AdvisorError as exc:
        _fail(exc, fmt)
    from advisor.plan.verify import verify_plan

    verification = verify_plan(result, cat)  # the independent re-check of every plan
    if not verification.ok:
        err.print(
            f"the plan (written to {target}) FAILED independent verification; please report it:",
            markup=False,
        )
        verify_cmds.print_verification(err, verification)
        raise typer.Exit(verify_cmds.VERIFY_EXIT)
    if fmt == "json":
        print(
            json.dumps(
                {
                    "status": result.status,
                    "objective": result.objective,
                    "gap": result.gap,
                    "kpis": result.kpis,
                    "files": {k: str(v) for k, v in files.items()},
                },
                indent=2,
                sort_keys=True,
                default=str,
            )
        )
    elif not quiet and not printed:
        render.print_plan(out, result, files)


@app.command()
def explain(
    scenario: ScenarioArg,
    workload: Annotated[str, typer.Argument(help="Workload id.")],
    catalog: CatalogOpt = None,
    plan_json: Annotated[
        Path | None,
        typer.Option("--plan", help="Explain this saved plan.json instead of solving again."),
    ] = None,
) -> None:
    """Why a workload goes where it goes: the alternatives, the limits that bind and the
    rules that rejected the rest.

    Example: advisor explain examples/eu-insurer.yaml claims-llm --plan reports/eu-insurer/plan.json
    """
    from advisor import solve
    from advisor.schema.refs import did_you_mean

    try:
        scn, cat = _load(scenario, catalog)
        ids = [w.id for w in scn.workloads]
        if workload not in ids:
            hint = did_you_mean(workload, ids)
            err.print(
                f"{scenario}: no workload '{workload}'" + (f"; {hint}" if hint else ""),
                markup=False,
            )
            raise typer.Exit(2)
        if plan_json is not None:
            from advisor.plan.saved import explain_saved

            text = explain_saved(plan_json, scn, workload, cat)
        else:
            with render.progress(err, enabled=True) as step:
                text = solve(scn, cat, sensitivity=False, progress=step).explain(workload)
    except AdvisorError as exc:
        _fail(exc)
    out.print(text, markup=False, highlight=False, soft_wrap=True)


@catalog_app.command("list")
def catalog_list(catalog: CatalogOpt = None) -> None:
    """List catalog tables with row counts, sources and dates.

    Example: advisor catalog list
    """
    from advisor.catalog import Catalog

    try:
        cat = Catalog.load(catalog)
    except AdvisorError as exc:
        _fail(exc)
    render.print_catalog_list(out, cat)


@catalog_app.command("show")
def catalog_show(
    table: Annotated[
        str, typer.Argument(help="Table name, e.g. hardware, instance_prices, regions.")
    ],
    where: Annotated[
        list[str] | None, typer.Option("--where", "-w", help="Filter column=value (repeatable).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows to show (0 = all).")] = 40,
    provenance: Annotated[
        bool, typer.Option(help="Also show source, as_of, basis and note.")
    ] = False,
    columns: Annotated[
        str | None,
        typer.Option("--columns", "-c", help="Columns to show, in order: a,b,c (ids in full)."),
    ] = None,
    catalog: CatalogOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Show a catalog table, optionally filtered.

    Example: advisor catalog show instance_prices -w provider=aws -w region=eu-central-1
    """
    from advisor.catalog import TABLES, Catalog
    from advisor.schema.refs import did_you_mean

    if table not in TABLES:
        hint = did_you_mean(table, TABLES)
        err.print(
            f"unknown table '{table}'; tables: {', '.join(TABLES)}" + (f"; {hint}" if hint else ""),
            markup=False,
        )
        raise typer.Exit(2)
    try:
        cat = Catalog.load(catalog)
    except AdvisorError as exc:
        _fail(exc)
    frame = cat.tables[table]
    for cond in where or []:
        col, _, value = cond.partition("=")
        if col not in frame.columns:
            hint = did_you_mean(col, frame.columns)
            err.print(
                f"unknown column '{col}' in {table}" + (f"; {hint}" if hint else ""), markup=False
            )
            raise typer.Exit(2)
        frame = frame[frame[col].astype(str) == value]
    picked = [c.strip() for c in (columns or "").split(",") if c.strip()]
    for col in picked:
        if col not in frame.columns:
            hint = did_you_mean(col, frame.columns)
            err.print(
                f"unknown column '{col}' in {table}; columns: {', '.join(frame.columns)}"
                + (f"; {hint}" if hint else ""),
                markup=False,
            )
            raise typer.Exit(2)
    if picked:
        frame = frame[picked]
    if limit:
        frame = frame.head(limit)
    if fmt == "json":
        print(frame.to_json(orient="records", indent=2))
    else:
        render.print_frame(
            out,
            frame,
            title=f"{table} ({len(frame):,} rows shown)",
            provenance=provenance,
            columns=picked or None,
        )


EngineOpt = Annotated[
    str, typer.Option("--engine", help="local (process pool), inline (this process) or dask.")
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786."),
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", "-o", help="Folder [default: reports/<name>].")
]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", help="Processes of the local pool [default: CPUs].")
]


def parse_values(tokens: list[str]) -> list[float | None]:
    """``0.6 0.8 1.0``, ``0.5:1.5:0.25`` (start:stop:step, stop included) or ``none``.

    >>> parse_values(["0.5:1.0:0.25", "2", "none"])
    [0.5, 0.75, 1.0, 2.0, None]
    """
    values: list[float | None] = []
    for tok in tokens:
        for part in filter(None, tok.split(",")):
            if part.lower() == "none":
                values.append(None)
            elif part.count(":") == 2:
                a, b, step = (float(x) for x in part.split(":"))
                if step <= 0 or b < a:
                    raise typer.BadParameter(f"'{part}': need start <= stop and step > 0")
                n = round((b - a) / step) + 1
                values.extend(round(a + i * step, 10) for i in range(n))
            else:
                try:
                    values.append(float(part))
                except ValueError:
                    raise typer.BadParameter(
                        f"'{part}' is not a number, start:stop:step or none"
                    ) from None
    return values


@app.command()
def sweep(
    scenario: ScenarioArg,
    parameter: Annotated[
        str,
        typer.Argument(
            help="price, price:aws, price:gcp:spot, hardware_price, power_price, demand, "
            "demand:WORKLOAD, slo, slo:WORKLOAD, budget:all, budget:team:ID, capex_budget:SCOPE, "
            "risk_cap, carbon_cap, horizon_months.",
            show_default=False,
        ),
    ],
    values: Annotated[
        list[str],
        typer.Argument(help="Values: 0.6 0.8 1.0, or start:stop:step.", show_default=False),
    ],
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    out_dir: OutOpt = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Per-solve time limit in seconds.")
    ] = None,
    gap: Annotated[float | None, typer.Option("--gap", help="Relative MIP gap.")] = None,
    fmt: FormatOpt = Format.table,
    quiet: QuietOpt = False,
) -> None:
    """Re-solve the scenario for each value of one parameter; write sweep.csv and sweep.html.

    Example: advisor sweep examples/eu-insurer.yaml price:aws 0.5:1.5:0.25 --engine dask
    --scheduler tcp://127.0.0.1:8786
    """
    from advisor.plan.io import atomic_write_text
    from advisor.whatif import sweep as run_sweep

    vals = parse_values(values)
    try:
        scn, _ = _load(scenario, None)
        result = run_sweep(
            scn,
            parameter,
            vals,
            engine=engine,
            scheduler=scheduler,
            workers=workers,
            progress=not quiet and fmt == "table",
            time_limit_s=time_limit,
            mip_gap=gap,
        )
    except AdvisorError as exc:
        _fail(exc, fmt)
    target = out_dir or Path("reports") / scn.name
    frame = result.frame.assign(moved=result.frame["moved"].map(" ".join))
    csv = atomic_write_text(target / "sweep.csv", frame.to_csv(index=False, float_format="%.6g"))
    from advisor.whatif.report import sweep_html

    html = atomic_write_text(target / "sweep.html", sweep_html(result, scn.name))
    if fmt == "json":
        print(frame.to_json(orient="records", indent=2))
    elif not quiet:
        render.print_sweep(out, result, {"csv": csv, "html": html})


@app.command()
def montecarlo(
    scenario: ScenarioArg,
    samples: Annotated[
        int | None, typer.Option("--samples", "-n", help="[default: the scenario's]")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="[default: the scenario's]")] = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    out_dir: OutOpt = None,
    fmt: FormatOpt = Format.table,
    quiet: QuietOpt = False,
) -> None:
    """Sample the scenario's `uncertainty` section; print the cost distribution, which
    workloads may move, and the robust plan; write montecarlo.csv and montecarlo.html.

    Example: advisor montecarlo examples/eu-insurer.yaml --samples 200 --engine local
    """
    from advisor.plan.io import atomic_write_text
    from advisor.whatif import monte_carlo

    try:
        scn, _ = _load(scenario, None)
        result = monte_carlo(
            scn,
            samples,
            seed=seed,
            engine=engine,
            scheduler=scheduler,
            workers=workers,
            progress=not quiet and fmt == "table",
        )
    except AdvisorError as exc:
        _fail(exc, fmt)
    target = out_dir or Path("reports") / scn.name
    frame = result.samples.assign(moved=result.samples["moved"].map(" ".join))
    csv = atomic_write_text(
        target / "montecarlo.csv", frame.to_csv(index=False, float_format="%.6g")
    )
    from advisor.whatif.report import montecarlo_html

    html = atomic_write_text(target / "montecarlo.html", montecarlo_html(result, scn))
    if fmt == "json":
        print(
            json.dumps(
                {
                    "samples": len(frame),
                    "candidates": result.candidates.to_dict(orient="records"),
                    "robust": result.robust,
                    "most_often": result.most_often,
                    "move_probability": result.move_probability.to_dict(orient="records"),
                },
                indent=2,
                default=str,
            )
        )
    elif not quiet:
        render.print_montecarlo(out, result, {"csv": csv, "html": html})


def main() -> None:
    """Console entry point; turns unexpected errors into a short message (no traceback)."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
