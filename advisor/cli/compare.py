"""``advisor compare``: two scenarios (solved here) or two plan.json files."""

from __future__ import annotations

from pathlib import Path

from advisor.plan.compare import compare, load_plan_json


def _plan_or_json(path: Path):
    if path.suffix.lower() == ".json":
        return load_plan_json(path)
    from advisor import load_scenario, solve

    return solve(load_scenario(path), sensitivity=False)


def run_compare(a: Path, b: Path, out_dir: Path | None) -> dict:
    pa, pb = _plan_or_json(a), _plan_or_json(b)
    comp = compare(pa, pb)
    result = comp.to_dict()
    from advisor.report.write import comparison_html
    from advisor.safeio import safe_folder_name, write_output_set

    folder = out_dir or Path("reports") / safe_folder_name(
        f"compare-{comp.name_a}-vs-{comp.name_b}"
    )
    written = write_output_set(
        folder, {"compare.html": comparison_html(comp, None)}, command="compare"
    )
    result["report"] = str(written.files["compare.html"])
    return result
