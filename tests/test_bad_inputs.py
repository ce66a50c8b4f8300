"""The bad-input corpus: every broken file gets exactly one clear issue, never a traceback.

Each file in ``tests/bad_inputs/`` says in a comment what is wrong with it (binary and CSV
files say it in their names). The table below pins, for each, the exact location (file and
line), the field path, and the message / expected / hint texts users will read. A handful of
them also go through ``advisor validate`` to check the CLI prints them with exit code 2.
Hostile inputs that are too big to keep in the repository are generated in ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from advisor import InvalidScenario, load_scenario
from advisor.schema.sourcemap import MAX_ALIAS_EXPANSION, MAX_DEPTH, MAX_FILE_BYTES

BAD = Path(__file__).resolve().parent / "bad_inputs"


@dataclass(frozen=True)
class Case:
    """One corpus file and the one issue it must produce."""

    file: str
    at: str
    """``file:line`` of the issue (relative to bad_inputs/), or just ``file`` without a line."""
    path: str
    message: str
    expected: str = ""
    hint: str = ""


CASES = [
    # --- YAML syntax and file-level problems -----------------------------------------------------
    Case(
        "empty.yaml",
        at="empty.yaml:1",
        path="",
        message="the file is empty",
        expected="a YAML mapping with at least 'name' and 'workloads'",
        hint="run 'advisor init' to write a starter scenario",
    ),
    Case(
        "not_utf8.yaml",
        at="not_utf8.yaml:2",
        path="",
        message="not UTF-8 text (byte 0xe9 cannot be decoded)",
        expected="a UTF-8 encoded YAML text file",
        hint="save the file as UTF-8; if it is not a scenario, check the file name",
    ),
    Case(
        "only_comments.yaml",
        at="only_comments.yaml:1",
        path="",
        message="the file has only comments",
        expected="a YAML mapping with at least 'name' and 'workloads'",
        hint="run 'advisor init' to write a starter scenario",
    ),
    Case(
        "syntax_bad_indent.yaml",
        at="syntax_bad_indent.yaml:5",
        path="",
        message="unexpected ':' at column 11",
        expected="keys of one mapping to start in the same column",
        hint="check the indentation of this line against the line above; quote a value that "
        "contains ': '",
    ),
    Case(
        "syntax_duplicate_key.yaml",
        at="syntax_duplicate_key.yaml:7",
        path="workloads[0].demand",
        message="duplicate key 'demand'",
        hint="YAML keeps only the last value; remove or rename one of them",
    ),
    Case(
        "syntax_tab.yaml",
        at="syntax_tab.yaml:5",
        path="",
        message="a tab character is used for indentation",
        expected="spaces for indentation",
        hint="replace the tab with spaces; YAML does not allow tabs for indentation",
    ),
    Case(
        "syntax_two_documents.yaml",
        at="syntax_two_documents.yaml:7",
        path="",
        message="the file holds more than one YAML document ('---')",
        expected="one scenario per file",
        hint="remove the extra '---' line, or split the file",
    ),
    Case(
        "syntax_unclosed_bracket.yaml",
        at="syntax_unclosed_bracket.yaml:5",
        path="",
        message="the list opened with '[' is not closed",
        expected="',' between items and a closing ']'",
        hint="close every '[' with ']' and every '{' with '}'",
    ),
    Case(
        "top_level_list.yaml",
        at="top_level_list.yaml:2",
        path="",
        message="the file is a list, not a mapping",
        expected="'key: value' lines such as 'name: my-scenario' and 'workloads:'",
        hint="if these are workloads, put them under 'workloads:' and add a 'name:'",
    ),
    # --- hostile files ---------------------------------------------------------------------------
    Case(
        "hostile_alias_bomb.yaml",
        at="hostile_alias_bomb.yaml:7",
        path="",
        message="aliases (*name) expand the document to more than 100000 values",
        hint="an alias repeats the block its anchor (&name) marks; use them for small shared "
        "blocks, and put large repeated data in a CSV workload inventory",
    ),
    Case(
        "hostile_binary_png.yaml",
        at="hostile_binary_png.yaml:1",
        path="",
        message="not UTF-8 text (byte 0x89 cannot be decoded)",
        expected="a UTF-8 encoded YAML text file",
        hint="save the file as UTF-8; if it is not a scenario, check the file name",
    ),
    Case(
        "hostile_merge_bomb.yaml",
        at="hostile_merge_bomb.yaml:6",
        path="",
        message="aliases (*name) expand the document to more than 100000 values",
        hint="an alias repeats the block its anchor (&name) marks; use them for small shared "
        "blocks, and put large repeated data in a CSV workload inventory",
    ),
    Case(
        "hostile_nul_byte.yaml",
        at="hostile_nul_byte.yaml:4",
        path="",
        message="the file contains a control character (code 0x00)",
        expected="printable text",
        hint="remove the character; if this is not a scenario, check the file name",
    ),
    Case(
        "hostile_recursive_anchor.yaml",
        at="hostile_recursive_anchor.yaml:3",
        path="",
        message="an anchor (&name) contains an alias (*name) to itself",
        hint="a block cannot include itself; remove the alias",
    ),
    # --- wrong types and units -------------------------------------------------------------------
    Case(
        "type_country_norway.yaml",
        at="type_country_norway.yaml:6",
        path="sites[0].country",
        message="'country' must be text, not true/false",
        expected="ISO 3166-1 alpha-2 country code, upper case (GB for the UK)",
        hint="YAML reads unquoted yes/no/on/off as true/false; put the value in quotes, e.g. 'NO'",
    ),
    Case(
        "type_list_for_mapping.yaml",
        at="type_list_for_mapping.yaml:7",
        path="workloads[0].demand",
        message="'demand' must be a mapping, not a list",
        expected="a mapping: 'key: value' lines, or {key: value}",
        hint="remove the '- ' in front of its keys",
    ),
    Case(
        "type_string_for_number.yaml",
        at="type_string_for_number.yaml:6",
        path="workloads[0].model.params_billion",
        message="'seventy' is not a number",
        expected="a number",
        hint="write the number in digits",
    ),
    Case(
        "type_workloads_mapping.yaml",
        at="type_workloads_mapping.yaml:4",
        path="workloads",
        message="'workloads' must be a list, not a mapping",
        expected="a list: lines starting with '- ', or [a, b]",
        hint="start each item with '- ' (e.g. '- id: chat')",
    ),
    Case(
        "units_latency_string.yaml",
        at="units_latency_string.yaml:10",
        path="workloads[0].latency_slo_ms",
        message="'50ms' is not a number",
        expected="a number",
        hint="write 50: the unit is already in the field name 'latency_slo_ms'",
    ),
    Case(
        "units_memory_gb.yaml",
        at="units_memory_gb.yaml:7",
        path="workloads[0].accelerators.min_memory_gb",
        message="'80GB' is not a number",
        expected="a number",
        hint="write 80: the unit is already in the field name 'min_memory_gb'",
    ),
    # --- out-of-range numbers --------------------------------------------------------------------
    Case(
        "range_hours_per_month.yaml",
        at="range_hours_per_month.yaml:9",
        path="workloads[0].demand.hours_per_month",
        message="800 is too large",
        expected="at most 744",
        hint="a month has at most 744 hours (31 x 24)",
    ),
    Case(
        "range_negative_egress.yaml",
        at="range_negative_egress.yaml:9",
        path="workloads[0].data.egress_gb_per_month",
        message="-40 is too small",
        expected="at least 0",
        hint="this cannot be negative; use 0 for none",
    ),
    Case(
        "range_params_billion.yaml",
        at="range_params_billion.yaml:5",
        path="workloads[0].model.params_billion",
        message="1e6 is too large",
        expected="at most 20000",
        hint="params_billion counts billions: write 70 for a 70B model",
    ),
    Case(
        "range_pue.yaml",
        at="range_pue.yaml:8",
        path="sites[0].power.pue",
        message="0.5 is too small",
        expected="at least 1",
        hint="PUE is facility power / IT power: 1.0 (ideal) to about 2.0",
    ),
    # --- missing required fields -----------------------------------------------------------------
    Case(
        "missing_demand.yaml",
        at="missing_demand.yaml:4",
        path="workloads[0].demand",
        message="required field 'demand' is missing",
        expected="how much work: requests_per_second with tokens_per_request, images_per_second, "
        "gpu_hours_per_month, or replicas",
        hint="add it, e.g. 'demand: {requests_per_second: 2, tokens_per_request: 300}'",
    ),
    Case(
        "missing_name.yaml",
        at="missing_name.yaml:2",
        path="name",
        message="required field 'name' is missing",
        expected="a short name for this scenario",
        hint="add it, e.g. 'name: acme-2027'",
    ),
    Case(
        "missing_workloads.yaml",
        at="missing_workloads.yaml:2",
        path="workloads",
        message="there are no workloads to place",
        expected="at least one workload under 'workloads:' or in a workload_inventories file",
        hint="add one, e.g. '- id: chat' with its model and demand: {requests_per_second: 2, "
        "tokens_per_request: 300}",
    ),
    # --- unknown fields (typos) ------------------------------------------------------------------
    Case(
        "unknown_field_latency_slo.yaml",
        at="unknown_field_latency_slo.yaml:10",
        path="workloads[0].latency_slo",
        message="unknown field 'latency_slo'",
        expected="one of: latency_slo_ms, id, name, team, kind, model, accelerators, cpu, "
        "demand, ttft_ms, tpot_ms, requests_from, data, interruptible, ha, allowed_tiers, split, "
        "federated, escalation",
        hint="did you mean 'latency_slo_ms'?",
    ),
    Case(
        "unknown_field_requets.yaml",
        at="unknown_field_requets.yaml:7",
        path="workloads[0].demand.requets_per_second",
        message="unknown field 'requets_per_second'",
        expected="one of: requests_per_second, tokens_per_request, images_per_second, "
        "gflops_per_image, gpu_hours_per_month, reference_accelerator, replicas, "
        "hours_per_month, throughput_per_replica, profile",
        hint="did you mean 'requests_per_second'?",
    ),
    Case(
        "unknown_top_level_field.yaml",
        at="unknown_top_level_field.yaml:3",
        path="horizon_months",
        message="unknown field 'horizon_months'",
        expected="one of: schema_version, name, description, settings, locations, sites, "
        "clouds, workloads, workload_inventories, policies, budgets, placement_rules, flows, "
        "limits, overrides, uncertainty, catalog",
        hint="'horizon_months' belongs under 'settings'",
    ),
    # --- bad enumerations, codes and ids ---------------------------------------------------------
    Case(
        "bad_budget_scope.yaml",
        at="bad_budget_scope.yaml:9",
        path="budgets[0].scope",
        message="'team-claims' is not a budget scope",
        expected="'all' or 'team:<team id>'",
        hint="did you mean 'team:claims'?",
    ),
    Case(
        "bad_classification_phi2.yaml",
        at="bad_classification_phi2.yaml:7",
        path="workloads[0].data.classification",
        message="'phi2' is not a known classification",
        expected="one of: public, internal, confidential, pii, phi, special_category",
        hint="did you mean 'phi'?",
    ),
    Case(
        "bad_classification_upper.yaml",
        at="bad_classification_upper.yaml:7",
        path="workloads[0].data.classification",
        message="'PHI' is not a known classification",
        expected="one of: public, internal, confidential, pii, phi, special_category",
        hint="did you mean 'phi'?",
    ),
    Case(
        "bad_country_lowercase.yaml",
        at="bad_country_lowercase.yaml:6",
        path="sites[0].country",
        message="'de' is not a country code",
        expected="an ISO 3166-1 alpha-2 code in upper case, e.g. DE, US, GB",
        hint="did you mean 'DE'?",
    ),
    Case(
        "bad_policy_key.yaml",
        at="bad_policy_key.yaml:5",
        path="policies.confidental",
        message="'confidental' is not a known classification",
        expected="one of: public, internal, confidential, pii, phi, special_category",
        hint="did you mean 'confidential'?",
    ),
    Case(
        "bad_provider.yaml",
        at="bad_provider.yaml:4",
        path="clouds.providers[1]",
        message="'azur' is not a known provider",
        expected="one of: aws, azure, gcp",
        hint="did you mean 'azure'?",
    ),
    Case(
        "bad_residency_group.yaml",
        at="bad_residency_group.yaml:8",
        path="workloads[0].data.residency[0]",
        message="'EUU' is not a country code or residency group",
        expected="an ISO country code (DE) or a group: EU, EEA, EU_ADEQUATE, US_DPF",
        hint="did you mean 'EU'?",
    ),
    Case(
        "bad_schema_version.yaml",
        at="bad_schema_version.yaml:2",
        path="schema_version",
        message="2 is not a known schema version",
        expected="one of: 1",
        hint="this version of advisor reads schema_version 1",
    ),
    Case(
        "demand_two_modes.yaml",
        at="demand_two_modes.yaml:7",
        path="workloads[0].demand",
        message="give only one of requests_per_second, images_per_second, gpu_hours_per_month",
        hint="keep the one that describes this workload and remove the others",
    ),
    Case(
        "uncertainty_mode_without_bounds.yaml",
        at="uncertainty_mode_without_bounds.yaml:10",
        path="uncertainty.power_price",
        message="mode needs low and high: it is a triangular factor's most likely value",
    ),
    Case(
        "id_html.yaml",
        at="id_html.yaml:4",
        path="workloads[0].id",
        message="'<script>alert(1)</script>' is not a valid id",
        expected="an id: ASCII letters, digits, '-', '_' or '.', at most 64 characters, "
        "starting with a letter or digit",
        hint="ids appear in reports and file names; put free text in 'name'",
    ),
    Case(
        "id_unicode.yaml",
        at="id_unicode.yaml:5",
        path="workloads[0].team",
        message="'défaut' is not a valid id",
        expected="an id: ASCII letters, digits, '-', '_' or '.', at most 64 characters, "
        "starting with a letter or digit",
        hint="did you mean 'defaut'? Put free text (accents, spaces) in 'name'",
    ),
    Case(
        "placement_rule_one_workload.yaml",
        at="placement_rule_one_workload.yaml:9",
        path="placement_rules[0].workloads",
        message="'workloads' needs at least 2 items, found 1",
        expected="at least 2 items",
    ),
    # --- unknown catalog references (did you mean) -----------------------------------------------
    Case(
        "unknown_accelerator.yaml",
        at="unknown_accelerator.yaml:7",
        path="workloads[0].accelerators.types[1]",
        message="unknown accelerator 'H100-80G'",
        expected="an accelerator id from the catalog (accelerators.csv), e.g. H100, L40S, "
        "A100-80GB",
        hint="did you mean 'H100'?",
    ),
    Case(
        "unknown_region.yaml",
        at="unknown_region.yaml:5",
        path="clouds.allow_regions[1]",
        message="unknown cloud region 'aws:eu-centrl-1'",
        expected="provider:region as in the regions catalog, e.g. aws:eu-central-1",
        hint="did you mean 'aws:eu-central-1'?",
    ),
    Case(
        "unknown_sku_can_buy.yaml",
        at="unknown_sku_can_buy.yaml:10",
        path="sites[0].can_buy[1]",
        message="unknown hardware SKU 'hgx-h100-80'",
        expected="a hardware SKU from the catalog (hardware.csv) or from overrides.hardware",
        hint="did you mean 'hgx-h100-8'?",
    ),
    Case(
        "unknown_sku_inventory.yaml",
        at="unknown_sku_inventory.yaml:9",
        path="sites[0].inventory[0].sku",
        message="unknown hardware SKU 'hgx-h100-80'",
        expected="a hardware SKU from the catalog (hardware.csv) or from overrides.hardware",
        hint="did you mean 'hgx-h100-8'?",
    ),
    # --- duplicates and dangling references ------------------------------------------------------
    Case(
        "dangling_budget_team.yaml",
        at="dangling_budget_team.yaml:10",
        path="budgets[1].scope",
        message="no workload belongs to team 'claim'",
        expected="'all' or 'team:<team>' for one of the teams: claims",
        hint="did you mean 'team:claims'?",
    ),
    Case(
        "dangling_data_source.yaml",
        at="dangling_data_source.yaml:13",
        path="workloads[0].data.source",
        message="unknown place 'fra-dc'",
        expected="a site id, a location id or provider:region",
        hint="did you mean 'fra-dc1'?",
    ),
    Case(
        "dangling_flow.yaml",
        at="dangling_flow.yaml:12",
        path="flows[0].to_workload",
        message="unknown workload 'scorer'",
        expected="a workload id: chat, scoring",
        hint="did you mean 'scoring'?",
    ),
    Case(
        "dangling_placement_rule.yaml",
        at="dangling_placement_rule.yaml:12",
        path="placement_rules[0].workloads[0]",
        message="unknown workload 'chatt'",
        expected="a workload id: chat, scoring",
        hint="did you mean 'chat'?",
    ),
    Case(
        "placement_rule_repeats_workload.yaml",
        at="placement_rule_repeats_workload.yaml:13",
        path="placement_rules[0].workloads[2]",
        message="'chat' is listed twice in this anti_affinity rule (first at workloads[0])",
        hint="list each workload once",
    ),
    Case(
        "duplicate_site_id.yaml",
        at="duplicate_site_id.yaml:8",
        path="sites[1].id",
        message="duplicate id 'fra-dc1', already used by sites[0] (line 4)",
        hint="sites and locations share one set of ids; rename one of them",
    ),
    Case(
        "duplicate_workload_id.yaml",
        at="duplicate_workload_id.yaml:7",
        path="workloads[1].id",
        message="duplicate id 'chat', already used by workloads[0] (line 4)",
        hint="workload ids must be unique; rename one of them",
    ),
    Case(
        "latency_without_origin.yaml",
        at="latency_without_origin.yaml:7",
        path="workloads[0].latency_slo_ms",
        message="a latency SLO needs to know where requests come from",
        expected="requests_from or data.source (a site, location or provider:region)",
        hint="add requests_from: <the site or location id where the users are>",
    ),
    # --- CSV / Excel inventories -----------------------------------------------------------------
    Case(
        "inventory_bad_number.yaml",
        at="inventories/bad_number_line3.csv:3",
        path="demand.requests_per_second",
        message="'lots' is not a number",
        expected="a number",
        hint="write the number in digits",
    ),
    Case(
        "inventory_corrupt_xlsx.yaml",
        at="inventories/not_really_excel.xlsx",
        path="",
        message="cannot read this file as an Excel workbook",
        expected="an .xlsx workbook whose first sheet has a header row",
        hint="open and save it again in Excel, or export it as 'CSV UTF-8'",
    ),
    Case(
        "inventory_extra_cells.yaml",
        at="inventories/unquoted_comma_line3.csv:3",
        path="",
        message="this row has 5 cells but the header has 4 columns",
        expected="one cell per column",
        hint='a value that contains a comma must be in double quotes: "a, b"',
    ),
    Case(
        "inventory_missing_id_column.yaml",
        at="inventories/no_id_column.csv:1",
        path="id",
        message="the header has no 'id' column",
        expected="a header row with an 'id' column, e.g. "
        "id,kind,model.params_billion,demand.requests_per_second",
        hint="add an 'id' column with a unique workload id on each row",
    ),
    Case(
        "inventory_not_found.yaml",
        at="inventories/does_not_exist.csv",
        path="",
        message="the inventory file does not exist",
        expected="a CSV or Excel file listed in workload_inventories",
        hint="paths in workload_inventories are relative to the scenario file's folder",
    ),
    Case(
        "inventory_not_utf8.yaml",
        at="inventories/latin1_encoded.csv:3",
        path="",
        message="not UTF-8 text (byte 0xe9 cannot be decoded)",
        expected="a UTF-8 encoded CSV file",
        hint="in Excel, save as 'CSV UTF-8 (Comma delimited)'; elsewhere choose UTF-8",
    ),
    Case(
        "inventory_unknown_column.yaml",
        at="inventories/typo_column_requets.csv:1",
        path="demand.requets_per_second",
        message="unknown column 'demand.requets_per_second'",
        expected="a workload field in dotted form, e.g. id, kind, model.params_billion, "
        "demand.requests_per_second, data.classification",
        hint="did you mean 'demand.requests_per_second'?",
    ),
    # --- user catalogs ---------------------------------------------------------------------------
    Case(
        "catalog_bad_price.yaml",
        at="catalog_bad_price/hardware.csv:3",
        path="list_price_usd",
        message="expected a number, got 'call us'",  # file, line and column are said once
    ),
    Case(
        "catalog_dir_missing.yaml",
        at="catalog_dir_missing.yaml:3",
        path="catalog",
        message="catalog directory 'my-catalog' not found",
        hint="paths are relative to the scenario file",
    ),
]


def _load_issues(name: str | Path) -> list:
    with pytest.raises(InvalidScenario) as info:
        load_scenario(name)
    return info.value.issues


def _at(issue) -> str:
    file = Path(issue.file)
    rel = (file if file.is_absolute() else Path.cwd() / file).resolve().relative_to(BAD)
    return rel.as_posix() if issue.line is None else f"{rel.as_posix()}:{issue.line}"


@pytest.fixture
def in_bad_inputs(monkeypatch):
    """Run from tests/bad_inputs so issues name files as a user in that folder would see them."""
    monkeypatch.chdir(BAD)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file.removesuffix(".yaml"))
def test_bad_input_gives_one_exact_issue(case: Case, in_bad_inputs):
    issues = _load_issues(case.file)
    assert len(issues) == 1, "\n".join(i.format() for i in issues)
    issue = issues[0]
    assert _at(issue) == case.at
    assert issue.path == case.path
    assert issue.message == case.message.format(bad_inputs=BAD)
    assert issue.expected == case.expected
    assert issue.hint == case.hint
    text = issue.format()
    assert "Traceback" not in text and "Input should be" not in text


def test_corpus_is_large_and_every_file_is_tested():
    files = sorted(p.name for p in BAD.glob("*.yaml"))
    assert len(files) >= 35
    assert files == sorted(c.file for c in CASES)


@pytest.mark.parametrize("path", sorted(BAD.glob("*.yaml")), ids=lambda p: p.stem)
def test_corpus_file_says_what_is_wrong(path: Path):
    raw = path.read_bytes()
    if not raw or raw.startswith(b"\x89PNG"):
        return  # empty.yaml and the binary file cannot hold a comment; their names say it
    assert raw.startswith(b"# BROKEN"), f"{path.name}: start with '# BROKEN: <what is wrong>'"


# --- the CLI: exit code 2 and the same text, no traceback -------------------------------------

CLI_CASES = [
    "syntax_tab.yaml",
    "unknown_field_latency_slo.yaml",
    "unknown_region.yaml",
    "units_latency_string.yaml",
    "inventory_bad_number.yaml",
    "hostile_alias_bomb.yaml",
    "hostile_binary_png.yaml",
    "catalog_bad_price.yaml",
]


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "400", "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        cwd=BAD,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", CLI_CASES, ids=lambda n: n.removesuffix(".yaml"))
def test_cli_validate_prints_the_issue_and_exits_2(name: str, in_bad_inputs):
    issue = _load_issues(name)[0]
    result = _cli("validate", name)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert _squash(issue.format()) in _squash(output)


def test_cli_validate_json_lists_the_issues(in_bad_inputs):
    issue = _load_issues("unknown_sku_can_buy.yaml")[0]
    result = _cli("validate", "unknown_sku_can_buy.yaml", "--format", "json")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert json.loads(result.stdout)["issues"] == [issue.to_dict()]


def test_cli_validate_missing_file(in_bad_inputs):
    result = _cli("validate", "no_such_scenario.yaml")
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert "no_such_scenario.yaml" in output


# --- hostile inputs generated on the fly --------------------------------------------------------


def _only_issue(path: Path):
    issues = _load_issues(path)
    assert len(issues) == 1, "\n".join(i.format() for i in issues)
    return issues[0]


def test_ten_megabyte_file_is_refused_quickly(tmp_path: Path):
    path = tmp_path / "huge.yaml"
    lines = ["name: huge", "workloads:"]
    row = "  - {id: w%d, cpu: {vcpus: 2}, demand: {replicas: 1}}"
    lines += [row % i for i in range(10_000_000 // len(row))]
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size >= 10_000_000
    start = time.perf_counter()
    issue = _only_issue(path)
    assert time.perf_counter() - start < 5
    assert issue.line is None and issue.path == ""
    size = path.stat().st_size / 1e6
    assert issue.message == (
        f"the file is {size:.1f} MB, more than the {MAX_FILE_BYTES / 1e6:.0f} MB a scenario "
        "file may have"
    )
    assert issue.hint == "list large fleets in a CSV workload inventory (workload_inventories)"


def test_ten_megabytes_of_random_bytes(tmp_path: Path):
    path = tmp_path / "noise.yaml"
    path.write_bytes(os.urandom(10_000_000))
    issue = _only_issue(path)
    assert "MB" in issue.message and issue.path == ""


def test_random_bytes_under_the_size_limit(tmp_path: Path):
    path = tmp_path / "noise.yaml"
    path.write_bytes(b"name: x\n" + bytes(range(128, 256)) * 1000)
    issue = _only_issue(path)
    assert (issue.line, issue.message) == (2, "not UTF-8 text (byte 0x80 cannot be decoded)")


def test_alias_bomb_is_refused_fast_and_small(in_bad_inputs):
    start = time.perf_counter()
    issue = _only_issue(Path("hostile_alias_bomb.yaml"))
    assert time.perf_counter() - start < 2
    assert f"more than {MAX_ALIAS_EXPANSION} values" in issue.message


def test_modest_aliases_and_merge_keys_still_work(tmp_path: Path):
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "name: anchors\n"
        "x-llm: &llm\n"
        "  model: {params_billion: 8}\n"
        "  demand: {requests_per_second: 2, tokens_per_request: 300}\n"
        "workloads:\n"
        "  - {<<: *llm, id: chat-a}\n"
        "  - {<<: *llm, id: chat-b}\n"
    )
    issue = _only_issue(path)  # the anchor holder itself is an unknown top-level field
    assert (issue.line, issue.path, issue.message) == (2, "x-llm", "unknown field 'x-llm'")
    path.write_text(path.read_text().replace("x-llm: &llm\n", "description: &llm\n", 1))
    with pytest.raises(InvalidScenario) as info:
        load_scenario(path)  # description must be text: shows aliases are expanded, not refused
    assert info.value.issues[0].message == "'description' must be text, not a mapping"


def test_deep_nesting(tmp_path: Path):
    for depth in (MAX_DEPTH + 10, 100_000):
        path = tmp_path / f"deep{depth}.yaml"
        path.write_text("name: deep\nworkloads: " + "[" * depth + "]" * depth + "\n")
        issue = _only_issue(path)
        assert issue.line == 2
        assert issue.message == f"the document is nested more than {MAX_DEPTH} levels deep"


def test_many_unknown_fields_are_capped(tmp_path: Path):
    path = tmp_path / "keys.yaml"
    workload = "workloads: [{id: etl, cpu: {vcpus: 2}, demand: {replicas: 1}}]\n"
    path.write_text("name: keys\n" + workload + "".join(f"field{i}: {i}\n" for i in range(5000)))
    issues = _load_issues(path)
    assert len(issues) == 51
    assert issues[0].message == "unknown field 'field0'"
    assert issues[-1].message.startswith("... and ") and issues[-1].line is None


def test_directory_instead_of_file(tmp_path: Path):
    issue = _only_issue(tmp_path)
    assert (issue.line, issue.message) == (None, "this is a directory, not a file")


def test_missing_scenario_file(tmp_path: Path):
    issue = _only_issue(tmp_path / "nope.yaml")
    assert (issue.line, issue.message) == (None, "file not found")


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_infinite_numbers_are_refused(tmp_path: Path, value: str):
    path = tmp_path / "inf.yaml"
    path.write_text(
        "name: inf\nworkloads:\n  - id: etl\n    cpu: {vcpus: 4}\n    demand: {replicas: 1}\n"
        f"    data: {{egress_gb_per_month: {value}}}\n"
    )
    issue = _only_issue(path)
    assert (issue.line, issue.path) == (6, "workloads[0].data.egress_gb_per_month")
    assert issue.message == f"'{value}' is not a usable number"


def test_utf8_bom_is_accepted(tmp_path: Path):
    path = tmp_path / "bom.yaml"
    source = (BAD / "range_pue.yaml").read_text(encoding="utf-8").replace("pue: 0.5", "pue: 1.2")
    path.write_text(source, encoding="utf-8-sig")
    assert load_scenario(path).sites[0].power.pue == 1.2


def test_yaml_tags_cannot_run_code(tmp_path: Path):
    path = tmp_path / "tag.yaml"
    marker = tmp_path / "pwned"
    path.write_text(
        f"name: !!python/object/apply:os.system ['touch {marker}']\n"
        "description: !!python/name:os.system\n"
        "workloads: []\n"
    )
    with pytest.raises(InvalidScenario):
        load_scenario(path)
    assert not marker.exists()
