"""Fuzz suite (issue 14): mutated scenarios, inventories and user catalogs, through the CLI.

Inputs: the bundled examples, the starter scenario, small scenarios, a workload inventory and
a user catalog, each mutated by key deletion, type swaps, negative/NaN/inf/huge numbers, huge
strings, unicode and control characters, duplicate ids, wrong enumerations, YAML
anchors/aliases, a BOM, CRLF line ends, binary bytes and truncation.

Properties, for every case:
* never a traceback and never the "internal error" exit (70): only 0, 1 or 2;
* an accepted plan has no negative cost and passes the independent verifier;
* nothing is written outside ``--out`` (beside it only its lock file ``.out.lock``);
* the input files are never modified.

Runs in process (``advisor.cli.main``, exactly as the console script) for speed. The fast
profile (the default) runs a few hundred cases; the long profile runs more than 10,000:

    nice -n 19 python -m pytest tests/test_fuzz.py --hypothesis-profile=long -p no:cacheprovider -s

Set ``ADVISOR_FUZZ_STATS=path.json`` to keep the counts of a run.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from robust_helpers import TINY, TINY_WITH_SITE, cli

import advisor

ROOT = Path(__file__).resolve().parents[1]
LONG = settings().max_examples >= 10_000
"""True under ``--hypothesis-profile=long`` (registered in conftest.py)."""


def _examples(fast: int, long: int) -> settings:
    return settings(
        max_examples=long if LONG else fast,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=not LONG,
        phases=[Phase.explicit, Phase.generate],  # a case costs up to seconds: report, don't shrink
    )


STATS: Counter = Counter()


def _save_counts() -> None:
    if os.environ.get("ADVISOR_FUZZ_STATS"):
        summary = dict(sorted(STATS.items()))
        Path(os.environ["ADVISOR_FUZZ_STATS"]).write_text(json.dumps(summary, indent=2))


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    print("\nfuzz counts:", json.dumps(dict(sorted(STATS.items()))))
    _save_counts()


# --- seeds -------------------------------------------------------------------------------------


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


SCENARIO_SEEDS = {
    "eu-insurer": _load(ROOT / "examples/eu-insurer.yaml"),
    "manufacturer": _load(ROOT / "examples/manufacturer.yaml"),
    "retailer": _load(ROOT / "examples/retailer.yaml"),
    "starter": _load(ROOT / "advisor/cli/starter.yaml"),
    "tiny": TINY,
    "tiny-site": {
        **TINY_WITH_SITE,
        "budgets": [{"scope": "all", "opex_usd_per_month_max": 50_000}],
        "placement_rules": [{"kind": "anti_affinity", "workloads": ["api", "llm"]}],
    },
}
PLAN_SEEDS = ("tiny", "tiny-site")
INVENTORY_SEED = [
    [
        "id",
        "team",
        "kind",
        "cpu.vcpus",
        "cpu.memory_gb",
        "demand.replicas",
        "model.params_billion",
        "model.precision",
        "demand.requests_per_second",
        "demand.tokens_per_request",
        "data.classification",
        "data.residency",
        "data.egress_gb_per_month",
        "interruptible",
    ],
    ["inv-a", "ops", "batch", "8", "32", "2", "", "", "", "", "internal", "EU", "10", "True"],
    [
        "inv-b",
        "ml",
        "inference",
        "",
        "",
        "",
        "3",
        "bf16",
        "5",
        "200",
        "confidential",
        "EU;DE",
        "1",
        "",
    ],
    ["inv-c", "ops", "inference", "4", "8", "1", "", "", "", "", "public", "", "", "False"],
]


def _bundled_rows(table: str, n: int) -> list[list[str]]:
    with (ROOT / "catalogs" / f"{table}.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[: n + 1]


CATALOG_SEED = {
    "hardware.csv": _bundled_rows("hardware", 3),
    "instance_prices.csv": _bundled_rows("instance_prices", 4),
}

# --- mutations ---------------------------------------------------------------------------------

BAD_NUMBERS = [
    -1,
    -1e9,
    0,
    -0.0,
    1e-300,
    float("nan"),
    float("inf"),
    -float("inf"),
    1e308,
    10**30,
    2**63,
    "inf",
    "nan",
    "-inf",
    "1e999",
    "0x10",
    "1_000",
    "12abc",
    "",
]
BAD_WORDS = [
    "moon",
    "",
    " ",
    "LOCAL",
    "aws ",
    "../../x",
    "/etc/passwd",
    "=cmd|' /C calc'!A0",
    "+1",
    "@SUM(A1)",
    "-2+3",
    ":100:",
    "[bold]x[/]",
    "<script>alert(1)</script>",
    "null",
    "~",
    "yes",
    "no",
    "0",
    "-",
    "a\x00b",
    "\u202eevil",
    "\x1b[31mred",
]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(BAD_NUMBERS),
    st.sampled_from(BAD_WORDS),
    st.text(max_size=30),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
    st.integers(min_value=1_000, max_value=300_000).map(lambda n: "S" * n),
)


def _slots(tree: Any, path: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(tree, dict):
        for k, v in tree.items():
            out.append((*path, k))
            out += _slots(v, (*path, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out.append((*path, i))
            out += _slots(v, (*path, i))
    return out


def _parent(tree: Any, path: tuple) -> Any:
    for p in path[:-1]:
        tree = tree[p]
    return tree


def mutate_tree(tree: dict, data: st.DataObject) -> dict:
    tree = copy.deepcopy(tree)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        slots = _slots(tree)
        if not slots:
            break
        path = data.draw(st.sampled_from(slots), label="path")
        parent, key = _parent(tree, path), path[-1]
        op = data.draw(
            st.sampled_from(["delete", "value", "value", "duplicate", "alias", "rename"]),
            label="op",
        )
        STATS[f"tree:{op}"] += 1
        if op == "delete":
            del parent[key]
        elif op == "value":
            parent[key] = data.draw(VALUES, label="value")
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif op == "alias":
            other_path = data.draw(st.sampled_from(slots), label="other")
            if path[: len(other_path)] != other_path:  # an ancestor would make a cycle
                # the same object twice: YAML writes an anchor (&id) and an alias (*id)
                parent[key] = _parent(tree, (*other_path, "x"))
        elif op == "rename" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from([*BAD_WORDS, "nme", "Name"]), label="key")] = (
                parent.pop(key)
            )
    return tree


def mutate_text(raw: bytes, data: st.DataObject) -> bytes:
    ops = data.draw(
        st.lists(
            st.sampled_from(["none", "bom", "crlf", "binary", "truncate", "huge_int", "control"]),
            max_size=2,
        ),
        label="text ops",
    )
    for op in ops:
        STATS[f"text:{op}"] += 1
        if op == "bom":
            raw = b"\xef\xbb\xbf" + raw
        elif op == "crlf":
            raw = raw.replace(b"\n", b"\r\n")
        elif op == "binary" and raw:
            at = data.draw(st.integers(0, len(raw)), label="at")
            raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=16), label="bytes") + raw[at:]
        elif op == "truncate" and raw:
            raw = raw[: data.draw(st.integers(0, len(raw)), label="cut")]
        elif op == "huge_int":
            raw = re.sub(rb"(: )(\d+)", lambda m: m.group(1) + b"9" * 5000, raw, count=1)
        elif op == "control" and raw:
            at = data.draw(st.integers(0, len(raw)), label="at")
            raw = (
                raw[:at]
                + data.draw(st.sampled_from([b"\x00", b"\x07", b"\x1b", b"\x7f", b"\t"]))
                + raw[at:]
            )
    return raw


def _dump(tree: Any) -> bytes:
    try:
        return yaml.safe_dump(tree, sort_keys=False, allow_unicode=True).encode(
            "utf-8", "surrogatepass"
        )
    except (yaml.YAMLError, UnicodeEncodeError, RecursionError):
        return yaml.safe_dump({"name": "unrepresentable"}).encode()


def mutate_rows(rows: list[list[str]], data: st.DataObject) -> list[list[str]]:
    rows = [list(r) for r in rows]
    for _ in range(data.draw(st.integers(1, 3), label="cell mutations")):
        op = data.draw(
            st.sampled_from(["cell", "cell", "drop_col", "rename_col", "dup_row", "short_row"])
        )
        STATS[f"rows:{op}"] += 1
        r = data.draw(st.integers(0, len(rows) - 1), label="row")
        c = data.draw(st.integers(0, len(rows[0]) - 1), label="col")
        if op == "cell" and c < len(rows[r]):
            value = data.draw(VALUES, label="cell")
            rows[r][c] = (
                value
                if isinstance(value, str)
                else json.dumps(value)
                if not isinstance(value, float)
                else repr(value)
            )
        elif op == "drop_col":
            rows = [row[:c] + row[c + 1 :] for row in rows]
        elif op == "rename_col":
            rows[0][c] = data.draw(st.sampled_from([*BAD_WORDS, "ID", "demand.rps"]))
        elif op == "dup_row" and len(rows) > 1:
            rows.append(list(rows[max(r, 1)]))
        elif op == "short_row":
            rows[r] = rows[r][:c]
        if not rows or not rows[0]:
            return [["id"]]
    return rows


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8", "surrogatepass")


# --- the properties ----------------------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _keep_if_failing(sandbox: Path, files: dict[str, bytes], r: Any) -> None:
    """With ``ADVISOR_FUZZ_FAILURES=DIR``, copy the inputs and output of a bad case there."""
    keep = os.environ.get("ADVISOR_FUZZ_FAILURES")
    if not keep or (r.code in (0, 1, 2) and "Traceback" not in r.output):
        return
    dest = Path(keep) / f"case-{STATS['cases']:06d}"
    dest.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (dest / name.replace("/", "__")).write_bytes(content)
    (dest / "output.txt").write_text(f"exit {r.code}\n{r.output}", encoding="utf-8")


def run_case(files: dict[str, bytes], args: list[str], plan: bool) -> None:
    sandbox = Path(tempfile.mkdtemp(prefix="advisor-fuzz-"))
    try:
        for name, content in files.items():
            (sandbox / name).parent.mkdir(parents=True, exist_ok=True)
            (sandbox / name).write_bytes(content)
        before = _snapshot(sandbox)
        captured: list = []
        real_solve = advisor.solve

        def spy(*a, **k):
            result = real_solve(*a, **k)
            captured.append(result)
            return result

        advisor.solve = spy
        cwd = os.getcwd()
        os.chdir(sandbox)
        try:
            r = cli(*args)
        finally:
            os.chdir(cwd)
            advisor.solve = real_solve
        STATS[f"exit:{r.code}"] += 1
        STATS["cases"] += 1
        if STATS["cases"] % 50 == 0:
            _save_counts()
        _keep_if_failing(sandbox, files, r)
        assert "Traceback" not in r.output, r.output[-3000:]
        assert r.code in (0, 1, 2), (r.code, r.output[-3000:])
        assert len(r.output) < 200_000, "echoed values must be cut"
        after = _snapshot(sandbox)
        changed = {k for k in before if after.get(k) != before[k]}
        assert changed == set(), f"inputs modified: {changed}"
        new = set(after) - set(before)
        allowed_prefix = "out/" if plan else "\0"
        stray = {k for k in new if not k.startswith(allowed_prefix)} - {".out.lock"}
        assert stray == set(), f"written outside --out: {stray}"
        inputs = {name.split("/")[0] for name in files}
        leftovers = {p.name for p in sandbox.iterdir()} - inputs - {"out", ".out.lock"}
        assert leftovers == set(), f"left beside --out: {leftovers}"
        if r.code == 0 and plan:
            assert captured, "exit 0 without a plan"
            result = captured[-1]
            STATS["plans"] += 1
            assert result.kpis["monthly_total_usd"] >= -1e-6
            assert (result.assignments["total_usd"] >= -1e-6).all()
            report = advisor.verify_plan(result)
            assert report.ok, report
            assert json.loads((sandbox / "out" / "plan.json").read_text())["scenario"]
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)


@_examples(fast=80, long=3300)
@given(st.data())
def test_fuzz_scenarios(data):
    seed = data.draw(st.sampled_from(sorted(SCENARIO_SEEDS)), label="seed")
    raw = mutate_text(_dump(mutate_tree(SCENARIO_SEEDS[seed], data)), data)
    run_case({"scn.yaml": raw}, ["validate", "scn.yaml"], plan=False)


@_examples(fast=60, long=3300)
@given(st.data())
def test_fuzz_inventories(data):
    rows = mutate_rows(INVENTORY_SEED, data)
    raw = mutate_text(_csv(rows), data)
    scn = _dump({**TINY, "workload_inventories": ["inv.csv"]})
    run_case({"scn.yaml": scn, "inv.csv": raw}, ["validate", "scn.yaml"], plan=False)


@_examples(fast=60, long=3300)
@given(st.data())
def test_fuzz_user_catalogs(data):
    table = data.draw(st.sampled_from(sorted(CATALOG_SEED)), label="table")
    raw = mutate_text(_csv(mutate_rows(CATALOG_SEED[table], data)), data)
    scn = copy.deepcopy(SCENARIO_SEEDS["tiny-site"])
    scn["catalog"] = "cat"
    scn["sites"][0]["can_buy"] = [CATALOG_SEED["hardware.csv"][1][0]]
    files = {"scn.yaml": _dump(scn), f"cat/{table}": raw}
    if data.draw(st.booleans(), label="bad manifest"):
        files["cat/manifest.json"] = data.draw(
            st.sampled_from([b"[1, 2]", b"\xff\xfe", b"{", b'{"schema_version": 1}', b"null"])
        )
    run_case(files, ["validate", "scn.yaml"], plan=False)


@_examples(fast=12, long=1100)
@given(st.data())
def test_fuzz_plans(data):
    seed = data.draw(st.sampled_from(PLAN_SEEDS), label="seed")
    raw = mutate_text(_dump(mutate_tree(SCENARIO_SEEDS[seed], data)), data)
    files = {"scn.yaml": raw}
    if data.draw(st.booleans(), label="user catalog"):
        table = data.draw(st.sampled_from(sorted(CATALOG_SEED)), label="table")
        files[f"cat/{table}"] = _csv(mutate_rows(CATALOG_SEED[table], data))
        args = ["plan", "scn.yaml", "--catalog", "cat", "--out", "out", "-q", "--time-limit", "30"]
    else:
        args = ["plan", "scn.yaml", "--out", "out", "-q", "--time-limit", "30"]
    run_case(files, args, plan=True)


def test_seeds_are_valid_before_mutation(tmp_path):
    """The fuzz starts from inputs that work, so mutations explore near the valid ones."""
    for name, tree in SCENARIO_SEEDS.items():
        (tmp_path / f"{name}.yaml").write_bytes(_dump(tree))
        r = cli("validate", tmp_path / f"{name}.yaml")
        assert r.code == 0, (name, r.output)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["binary", "nan", "alias-bomb"])
def test_fuzz_style_cases_as_real_subprocesses(tmp_path, case):
    """A few cases through the real console script: exit code 2 and no traceback."""
    import subprocess
    import sys

    path = tmp_path / "s.yaml"
    if case == "binary":
        path.write_bytes(b"\x00\x01\xff" * 100)
    elif case == "nan":
        path.write_bytes(_dump({**TINY, "settings": {"mip_gap": float("nan")}}))
    else:
        lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
        path.write_text("\n".join(lines) + "\nname: bomb\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", "plan", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
    assert math.isfinite(len(proc.stderr))
