"""Commands: validate, plan, explain, compare, catalog, schema, init, sweep, size.

Exit codes: 0 plan found / valid, 1 infeasible (reasons printed), 2 invalid input,
3 solver limit reached without a feasible plan, 4 cost gate failed (compare
--fail-on-increase), 5 a plan failed independent verification (plan, verify), 70 internal
error (a bug; ``--debug`` shows the traceback), 130 interrupted.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from advisor.cli import checks, render, schema_cmds, verify_cmds
from advisor.cli import compare as compare_cmd
from advisor.cli.catalog_cmds import register as register_catalog_cmds
from advisor.cli.export import export as _export_command
from advisor.cli.options import Format, FormatOpt, root
from advisor.cli.size import size as _size_command
from advisor.errors import AdvisorError, InfeasibleScenario, InvalidScenario
from advisor.safeio import clip, safe_folder_name
from advisor.safeio.outset import check_output_target

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
app.command(name="export")(_export_command)
# User strings and paths are printed as plain text: no rich markup, no :emoji: codes.
out = Console(markup=False, emoji=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, markup=False, emoji=False, highlight=False)
EXIT_BUG = 70
"""Exit code of an unexpected internal error (EX_SOFTWARE): a bug, reported in one line."""
_debug = {"on": False}
"""Set by :func:`main` from ``--debug`` (declared with ``--version`` in cli/options.py)."""
_started: dict[str, float | None] = {"s": None}
"""When this process started (:func:`advisor.plan.deadline.process_started_s`), set by
:func:`entry`: ``plan``'s ``--time-limit`` counts from there. Unset (a caller that runs
:func:`main` in its own process, such as a test), it counts from the command's start."""


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
        err.print("\n".join(clip(line, 400) for line in str(exc).splitlines()))
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
        float | None,
        typer.Option(
            "--time-limit",
            help="Time limit in seconds (0-86400] for the whole command, from the start of "
            "its process: loading, options, solve, comparisons, outputs, --sensitivity.",
            callback=checks.TIME_LIMIT,
        ),
    ] = None,
    gap: Annotated[
        float | None,
        typer.Option(
            "--gap", help="Relative MIP gap in [0, 0.5], e.g. 0.001.", callback=checks.GAP
        ),
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

    --time-limit bounds the whole command, from the start of the process (imports, loading,
    options, solve, explanations, the split and centralised comparisons, the outputs and the
    --sensitivity re-solves); a comparison that no longer fits says "not computed (time limit
    reached: ...)".

    Example: advisor plan examples/eu-insurer.yaml --out reports/insurer --time-limit 60
    """
    import advisor
    from advisor.cli.stages import Stages
    from advisor.plan import deadline as clock
    from advisor.report.files import write_infeasible_outputs, write_plan_outputs

    began_s = _started["s"] if _started["s"] is not None else clock.now()
    stages = Stages(began_s)
    stages.lap("startup")  # the interpreter and imports, before the command's own code

    if solver not in (None, "highs", "cbc"):
        err.print(f"--solver must be highs or cbc, not {solver!r}")
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
        target = out_dir or Path("reports") / safe_folder_name(scn.name)
        check_output_target(target)
        stages.lap("load")
        # one deadline for the whole command, from its start: loading, solve, comparisons,
        # outputs, --sensitivity
        deadline = clock.Deadline.start(
            time_limit if time_limit is not None else scn.settings.time_limit_s, since_s=began_s
        )
        with render.progress(err, enabled=show) as step:
            result = advisor.solve(
                scn,
                cat,
                solver=solver,
                time_limit_s=time_limit,
                mip_gap=gap,
                objective=objective,
                sensitivity=False,
                progress=step,
                deadline=deadline,
            )
            stages.lap("solve")
            deadline = deadline.sized_by(result.timings.get("options_seconds", 0.0))
            if any(w.federated is not None for w in result.scenario.workloads):
                step("federated: comparing with the same jobs trained centrally")
            result = result.with_centralised(deadline=deadline.keeping(deadline.reserve_s))
            stages.lap("centralised")
            step("writing outputs")
            files = write_plan_outputs(result, target, on_wait=step, focus_period=focus_period)
            stages.lap("outputs")
        printed = False
        if sensitivity and len(result.relaxing):
            # the plan is out first; the re-solves follow within what is left of the limit
            if fmt == "table" and not quiet:
                render.print_plan(out, result, files, sensitivity_hint=False)
                printed = True
            with render.progress(err, enabled=show) as step:
                step(f"sensitivity: re-solving {len(result.relaxing)} binding limit(s)")
                result = result.with_sensitivity(deadline=deadline.keeping(deadline.reserve_s))
                stages.lap("sensitivity")
                step("writing outputs")
                files = write_plan_outputs(result, target, on_wait=step, focus_period=focus_period)
                stages.lap("outputs")
            if printed:
                render.print_sensitivity(out, result)
    except InfeasibleScenario as exc:
        if exc.report is not None:
            target = out_dir or Path("reports") / safe_folder_name(exc.report["scenario"].name)
            try:
                path = write_infeasible_outputs(exc, target)
            except AdvisorError as write_exc:
                _fail(write_exc, fmt)
            if show:
                err.print(f"infeasibility report: {path}")
        _fail(exc, fmt)
    except AdvisorError as exc:
        _fail(exc, fmt)
    from advisor.plan.verify import verify_plan

    verification = verify_plan(result, cat)  # the independent re-check of every plan
    stages.lap("verify")
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
                    "timings_s": stages.as_dict(result.timings),
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
                f"{scenario}: no workload '{clip(workload)}'" + (f"; {hint}" if hint else ""),
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
            f"unknown table '{clip(table)}'; tables: {', '.join(TABLES)}"
            + (f"; {hint}" if hint else ""),
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
            err.print(f"unknown column '{clip(col)}' in {table}" + (f"; {hint}" if hint else ""))
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
    int | None,
    typer.Option(
        "--workers",
        help="Processes of the local pool or local Dask cluster [default: CPUs].",
        callback=checks.WORKERS,
    ),
]


MAX_SWEEP_VALUES = 10_000
"""Most values one sweep takes (each is a full re-optimisation)."""


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
                try:
                    a, b, step = (float(x) for x in part.split(":"))
                except ValueError:
                    raise typer.BadParameter(
                        f"'{clip(part, 60)}': start:stop:step takes three numbers"
                    ) from None
                if not all(map(math.isfinite, (a, b, step))) or step <= 0 or b < a:
                    raise typer.BadParameter(
                        f"'{clip(part, 60)}': need finite numbers, start <= stop and step > 0"
                    )
                n = round((b - a) / step) + 1
                if n > MAX_SWEEP_VALUES:
                    raise typer.BadParameter(
                        f"'{clip(part, 60)}' makes {n:,} values; at most {MAX_SWEEP_VALUES:,}"
                    )
                values.extend(round(a + i * step, 10) for i in range(n))
            else:
                try:
                    value = float(part)
                except ValueError:
                    raise typer.BadParameter(
                        f"'{clip(part, 60)}' is not a number, start:stop:step or none"
                    ) from None
                if not math.isfinite(value):
                    raise typer.BadParameter(f"'{clip(part, 60)}' is not a finite number")
                values.append(value)
    if len(values) > MAX_SWEEP_VALUES:
        raise typer.BadParameter(f"{len(values):,} values; at most {MAX_SWEEP_VALUES:,}")
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
        float | None,
        typer.Option(
            "--time-limit", help="Per-solve time limit in seconds.", callback=checks.TIME_LIMIT
        ),
    ] = None,
    gap: Annotated[
        float | None, typer.Option("--gap", help="Relative MIP gap.", callback=checks.GAP)
    ] = None,
    fmt: FormatOpt = Format.table,
    quiet: QuietOpt = False,
) -> None:
    """Re-solve the scenario for each value of one parameter; write sweep.csv and sweep.html.

    Example: advisor sweep examples/eu-insurer.yaml price:aws 0.5:1.5:0.25 --engine dask
    --scheduler tcp://127.0.0.1:8786
    """
    from advisor.safeio import csv_text, write_output_set
    from advisor.whatif import sweep as run_sweep

    vals = parse_values(values)
    try:
        scn, _ = _load(scenario, None)
        check_output_target(out_dir or Path("reports") / safe_folder_name(scn.name))
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
        target = out_dir or Path("reports") / safe_folder_name(scn.name)
        frame = result.frame.assign(moved=result.frame["moved"].map(" ".join))
        from advisor.whatif.report import sweep_html

        page = sweep_html(result, scn.name)
        written = write_output_set(
            target,
            {"sweep.csv": csv_text(frame, float_format="%.6g"), "sweep.html": page},
            command="sweep",
        ).files
    except AdvisorError as exc:
        _fail(exc, fmt)
    csv, html = written["sweep.csv"], written["sweep.html"]
    if fmt == "json":
        print(frame.to_json(orient="records", indent=2))
    elif not quiet:
        render.print_sweep(out, result, {"csv": csv, "html": html})


@app.command()
def montecarlo(
    scenario: ScenarioArg,
    samples: Annotated[
        int | None,
        typer.Option("--samples", "-n", help="[default: the scenario's]", callback=checks.SAMPLES),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="[default: the scenario's]", callback=checks.SEED)
    ] = None,
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
    from advisor.safeio import csv_text, write_output_set
    from advisor.whatif import monte_carlo

    try:
        scn, _ = _load(scenario, None)
        check_output_target(out_dir or Path("reports") / safe_folder_name(scn.name))
        result = monte_carlo(
            scn,
            samples,
            seed=seed,
            engine=engine,
            scheduler=scheduler,
            workers=workers,
            progress=not quiet and fmt == "table",
        )
        target = out_dir or Path("reports") / safe_folder_name(scn.name)
        frame = result.samples.assign(moved=result.samples["moved"].map(" ".join))
        from advisor.whatif.report import montecarlo_html

        page = montecarlo_html(result, scn)
        written = write_output_set(
            target,
            {"montecarlo.csv": csv_text(frame, float_format="%.6g"), "montecarlo.html": page},
            command="montecarlo",
        ).files
    except AdvisorError as exc:
        _fail(exc, fmt)
    csv, html = written["montecarlo.csv"], written["montecarlo.html"]
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


def entry() -> None:
    """The ``advisor`` executable and ``python -m advisor``: :func:`main`, with ``plan``'s
    ``--time-limit`` counted from this process's start (see :data:`_started`)."""
    from advisor.plan.deadline import process_started_s

    _started["s"] = process_started_s()
    main()


def main() -> None:
    """The commands, and the outermost guard (:func:`entry` is the console entry point).

    An error advisor raises on purpose has already been printed with its exit code (0-3). Any
    other exception is a bug: one line and exit 70, the traceback only under ``--debug``.
    """
    _debug["on"] = "--debug" in sys.argv[1:]
    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except AdvisorError as exc:  # raised outside a command's own handler
        err.print("\n".join(clip(line, 400) for line in str(exc).splitlines()))
        sys.exit(exc.exit_code)
    except Exception as exc:
        if _debug["on"]:
            import traceback

            err.print("".join(traceback.format_exception(exc)))
        err.print(
            f"internal error ({type(exc).__name__}: {clip(exc, 200)}); this is a bug in advisor, "
            "please report it with the command you ran (add --debug for the traceback)"
        )
        sys.exit(EXIT_BUG)
