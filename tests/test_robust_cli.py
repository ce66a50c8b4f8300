"""Issue 14's defects on the CLI, each reproduced: exit codes, messages, what is written where.

Exit codes (README): 0 plan found / valid, 1 infeasible, 2 invalid input, 3 solver limit
without a plan, 70 an internal error (a bug). Never a traceback unless ``--debug``.
"""

from __future__ import annotations

import copy
import csv
import json
import os
from pathlib import Path

import pytest
from robust_helpers import TINY, TINY_WITH_SITE, cli, write_yaml

ROOT = Path(__file__).resolve().parents[1]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _no_traceback(r) -> None:
    assert "Traceback" not in r.output and 'File "' not in r.output, r.output[-2000:]


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


# --- defect 1: the scenario name never chooses a folder outside reports/ ---------------------


@pytest.mark.parametrize("name", ["../../escaped-out", "ABSOLUTE", "a/../../b"])
def test_scenario_name_cannot_place_outputs_outside_reports(tmp_path, monkeypatch, name):
    if name == "ABSOLUTE":
        name = str(tmp_path / "abs-escape")
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    scn = write_yaml(work / "s.yaml", {**TINY, "name": name})
    monkeypatch.chdir(work)
    r = cli("plan", scn, "-q")
    assert r.code == 0, r.output
    written = {p.relative_to(tmp_path) for p in _files(tmp_path)}
    outside = [p for p in written if not str(p).startswith("a/b/")]
    assert outside == []
    folders = [p for p in (work / "reports").iterdir() if p.is_dir()]
    assert len(folders) == 1 and ".." not in folders[0].name and "/" not in folders[0].name
    assert (folders[0] / "plan.json").is_file()


# --- defect 3: no cell we write starts a formula ------------------------------------------------


def _cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [c for row in csv.reader(fh) for c in row]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_csv_outputs_neutralise_formulas(tmp_path):
    data = copy.deepcopy(TINY_WITH_SITE)
    data["name"] = "=1+1"
    data["workloads"][0]["name"] = "@SUM(A1:A9)"
    data["workloads"][0]["team"] = "platform"
    scn = write_yaml(tmp_path / "s.yaml", data)
    r = cli("plan", scn, "--out", tmp_path / "out", "-q")
    assert r.code == 0, r.output
    for name in ("plan.csv", "focus.csv"):
        cells = _cells(tmp_path / "out" / name)
        bad = [c for c in cells if c.startswith(FORMULA_START) and not _is_number(c)]
        assert bad == [], (name, bad[:5])
    focus = (tmp_path / "out" / "focus.csv").read_text(encoding="utf-8")
    assert "'=1+1" in focus  # the scenario name is kept, as text


def test_no_csv_is_written_without_the_neutralising_helper():
    """Every writer goes through advisor.safeio.csv_text: no bare to_csv/to_excel elsewhere."""
    offenders = []
    for path in (ROOT / "advisor").rglob("*.py"):
        if "safeio" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in (".to_csv(", ".to_excel("):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []


# --- defect 5: clear messages and exit 2 instead of tracebacks ----------------------------------


@pytest.fixture
def tiny(tmp_path) -> Path:
    return write_yaml(tmp_path / "tiny.yaml", TINY)


def test_out_is_an_existing_file(tmp_path, tiny):
    (tmp_path / "afile").write_text("keep me")
    r = cli("plan", tiny, "--out", tmp_path / "afile", "-q")
    assert r.code == 2, r.output
    assert "afile" in r.output and "not a folder" in r.output
    assert (tmp_path / "afile").read_text() == "keep me"
    _no_traceback(r)


def test_out_below_a_file(tmp_path, tiny):
    (tmp_path / "afile").write_text("keep me")
    r = cli("plan", tiny, "--out", tmp_path / "afile" / "sub", "-q")
    assert r.code == 2, r.output
    _no_traceback(r)


def test_out_is_a_dangling_symlink(tmp_path, tiny):
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    r = cli("plan", tiny, "--out", tmp_path / "dangling", "-q")
    assert r.code == 2, r.output
    assert "dangling" in r.output
    assert not (tmp_path / "nowhere").exists()
    _no_traceback(r)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_out_is_not_writable(tmp_path, tiny):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        r = cli("plan", tiny, "--out", ro / "out", "-q")
    finally:
        ro.chmod(0o700)
    assert r.code == 2, r.output
    _no_traceback(r)


def _user_catalog(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    cat = tmp_path / "cat"
    cat.mkdir()
    for name, content in files.items():
        data = content.encode() if isinstance(content, str) else content
        (cat / name).write_bytes(data)
    return cat


@pytest.mark.parametrize(
    "files",
    [
        {"hardware.csv": ""},
        {"manifest.json": "[1, 2]"},
        {"manifest.json": b"\xff\xfe{\x00"},
        {"manifest.json": '{"schema_version": 1}', "regions.csv": b"provider,region\n\xff\n"},
    ],
    ids=["empty-csv", "manifest-list", "manifest-not-utf8", "csv-not-utf8"],
)
def test_bad_user_catalog_files_exit_2(tmp_path, tiny, files):
    cat = _user_catalog(tmp_path, files)
    r = cli("plan", tiny, "--catalog", cat, "--out", tmp_path / "out", "-q")
    assert r.code == 2, r.output
    assert "cat" in r.output
    _no_traceback(r)


def test_huge_integer_in_yaml(tmp_path):
    data = copy.deepcopy(TINY)
    data["workloads"][0]["demand"]["replicas"] = "REPLACE"
    path = write_yaml(tmp_path / "s.yaml", data)
    path.write_text(path.read_text().replace("REPLACE", "9" * 4301))
    r = cli("validate", path)
    assert r.code == 2, r.output
    assert "replicas" in r.output
    assert len(r.output) < 5000
    _no_traceback(r)


def test_validate_a_device_is_refused():
    r = cli("validate", "/dev/zero")
    assert r.code == 2, r.output
    assert "regular file" in r.output
    _no_traceback(r)


def test_validate_a_fifo_is_refused(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    r = cli("validate", fifo)
    assert r.code == 2, r.output
    assert "FIFO" in r.output
    _no_traceback(r)


def test_huge_inventory_is_refused_early(tmp_path):
    from advisor.schema.inventory import MAX_INVENTORY_BYTES

    inv = tmp_path / "inv.csv"
    with inv.open("w") as fh:
        fh.write("id,demand.replicas\n")
        fh.truncate(MAX_INVENTORY_BYTES + 1)  # sparse: no need to write 50 MB
    data = {**TINY, "workload_inventories": ["inv.csv"]}
    r = cli("validate", write_yaml(tmp_path / "s.yaml", data))
    assert r.code == 2, r.output
    assert "MB" in r.output
    _no_traceback(r)


@pytest.mark.parametrize(
    "content", ['{"plan_schema_version": 1, "assign', "[1, 2]", '{"hello": "world"}', "\xff"]
)
def test_compare_with_a_broken_plan_json(tmp_path, content):
    good = tmp_path / "good"
    assert cli("plan", write_yaml(tmp_path / "s.yaml", TINY), "--out", good, "-q").code == 0
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="latin-1")
    r = cli("compare", good / "plan.json", bad, "--out", tmp_path / "cmp")
    assert r.code == 2, r.output
    assert "bad.json" in r.output
    _no_traceback(r)


def test_sweep_unknown_provider_is_a_clear_error(tiny):
    r = cli("sweep", tiny, "price:nope", "0.5", "--engine", "inline", "-q")
    assert r.code == 2, r.output
    assert "nope" in r.output and "ValidationError" not in r.output
    _no_traceback(r)


def test_internal_error_exit_70_and_one_line(tiny, monkeypatch):
    import advisor

    def boom(*a, **k):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(advisor, "solve", boom)
    r = cli("plan", tiny, "-q")
    assert r.code == 70, r.output
    assert "bug" in r.stderr and "ZeroDivisionError" in r.stderr
    _no_traceback(r)
    r = cli("--debug", "plan", tiny, "-q")
    assert r.code == 70
    assert "Traceback" in r.stderr


# --- defect 6: every number finite and in range -------------------------------------------------


@pytest.mark.parametrize(
    "field,value",
    [
        ("ingress_gb_per_month", "inf"),
        ("ingress_gb_per_month", ".inf"),
        ("egress_gb_per_month", 1e308),
        ("egress_gb_per_month", ".nan"),
    ],
)
def test_non_finite_or_absurd_numbers_in_yaml(tmp_path, field, value):
    path = write_yaml(tmp_path / "s.yaml", TINY)
    text = path.read_text().replace(
        "  demand:\n    replicas: 2",
        f"  demand:\n    replicas: 2\n  data:\n    {field}: {value}",
        1,
    )
    path.write_text(text)
    r = cli("plan", path, "--out", tmp_path / "out", "-q")
    assert r.code == 2, r.output
    assert field in r.output
    _no_traceback(r)


def test_non_finite_number_in_an_inventory(tmp_path):
    (tmp_path / "inv.csv").write_text(
        "id,cpu.vcpus,cpu.memory_gb,demand.replicas,data.egress_gb_per_month\nx,2,4,1,inf\n"
    )
    data = {**TINY, "workload_inventories": ["inv.csv"]}
    r = cli("validate", write_yaml(tmp_path / "s.yaml", data))
    assert r.code == 2, r.output
    assert "inv.csv:2" in r.output
    _no_traceback(r)


@pytest.mark.parametrize(
    "option",
    [
        ("--time-limit", "-1"),
        ("--time-limit", "nan"),
        ("--time-limit", "inf"),
        ("--gap", "-0.5"),
        ("--gap", "nan"),
        ("--gap", "2"),
    ],
)
def test_cli_numbers_are_finite_and_in_range(tmp_path, tiny, option):
    r = cli("plan", tiny, *option, "--out", tmp_path / "out", "-q")
    assert r.code == 2, r.output
    assert option[0] in r.output
    assert not (tmp_path / "out").exists()


# --- defect 7: the report shows the settings actually used --------------------------------------


def test_report_assumptions_show_cli_overrides(tmp_path, tiny):
    r = cli(
        "plan",
        tiny,
        "--time-limit",
        "7",
        "--solver",
        "cbc",
        "--gap",
        "0.02",
        "--out",
        tmp_path / "out",
        "-q",
    )
    assert r.code == 0, r.output
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "cbc, time limit 7 s, relative gap 0.02" in html


# --- defects 8 and 9: plain text, never markup; long values cut -----------------------------------


def test_paths_print_as_plain_text(tmp_path):
    path = tmp_path / "file:100:[bold]x.yaml"
    path.write_text("name: [unclosed\n")
    r = cli("validate", path)
    assert r.code == 2
    assert "\U0001f4af" not in r.output
    assert ":100:[bold]x.yaml" in r.output


def test_plan_summary_prints_user_strings_plain(tmp_path):
    data = {**TINY, "name": "x :100: [red]y[/red]"}
    r = cli("plan", write_yaml(tmp_path / "s.yaml", data), "--out", tmp_path / "o")
    assert r.code == 0, r.output
    assert "x :100: [red]y[/red]" in r.stdout


def test_huge_values_are_not_echoed_whole(tmp_path):
    data = copy.deepcopy(TINY)
    data["sites"] = [
        {
            "id": "dc1",
            "kind": "local",
            "country": "DE",
            "location": {"lat": 50.1, "lon": 8.7},
            "can_buy": ["S" * 1_000_000],
        }
    ]
    r = cli("validate", write_yaml(tmp_path / "s.yaml", data))
    assert r.code == 2
    assert len(r.output) < 5_000, len(r.output)
    assert "more characters" in r.output


# --- defect 10: errors never show other files' contents; special files refused ------------------


def test_inventory_error_does_not_leak_file_contents(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:$6$SECRETHASH:19000:0:99999:7:::\nother line\n")
    (tmp_path / "inv.csv").symlink_to(secret)
    data = {**TINY, "workload_inventories": ["inv.csv"]}
    r = cli("validate", write_yaml(tmp_path / "s.yaml", data))
    assert r.code == 2, r.output
    assert "SECRETHASH" not in r.output and "99999" not in r.output
    assert "column 1" in r.output


def test_inventory_fifo_is_refused(tmp_path):
    os.mkfifo(tmp_path / "inv.csv")
    data = {**TINY, "workload_inventories": ["inv.csv"]}
    r = cli("validate", write_yaml(tmp_path / "s.yaml", data))
    assert r.code == 2, r.output
    assert "FIFO" in r.output


# --- defect 11: init --force never replaces special files or symlinks ---------------------------


def test_init_force_refuses_a_symlink_to_a_device(tmp_path):
    link = tmp_path / "stdout"
    link.symlink_to("/dev/null")
    r = cli("init", link, "--force")
    assert r.code == 2, r.output
    assert link.is_symlink() and os.readlink(link) == "/dev/null"


def test_init_force_refuses_a_fifo(tmp_path):
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)
    r = cli("init", fifo, "--force")
    assert r.code == 2, r.output
    assert fifo.is_fifo()


def test_init_force_writes_through_a_symlink_to_a_regular_file(tmp_path):
    real = tmp_path / "real.yaml"
    real.write_text("old")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    r = cli("init", link, "--force")
    assert r.code == 0, r.output
    assert link.is_symlink() and "schema_version" in real.read_text()


def test_init_force_refuses_a_dangling_symlink(tmp_path):
    link = tmp_path / "link.yaml"
    link.symlink_to(tmp_path / "missing.yaml")
    r = cli("init", link, "--force")
    assert r.code == 2, r.output
    assert link.is_symlink() and not (tmp_path / "missing.yaml").exists()


def test_json_errors_stay_json(tmp_path):
    r = cli("validate", "/dev/zero", "--format", "json")
    assert r.code == 2
    payload = json.loads(r.stdout)
    assert payload["exit_code"] == 2


def test_scenario_symlinked_to_another_file_does_not_leak_it(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("root:$6$SECRETHASH:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n")
    (tmp_path / "s.yaml").symlink_to(secret)
    r = cli("validate", tmp_path / "s.yaml")
    assert r.code == 2, r.output
    assert "SECRETHASH" not in r.output and "daemon" not in r.output
    assert "2 top-level keys" in r.output


def test_unknown_workload_in_explain_is_cut(tiny):
    r = cli("explain", tiny, "w" * 100_000)
    assert r.code == 2
    assert len(r.output) < 2_000


@pytest.mark.parametrize("values", [["nan"], ["inf"], ["0:1:1e-9"], ["0:inf:1"], ["a:b:c"]])
def test_sweep_values_are_finite_and_bounded(tiny, values):
    r = cli("sweep", tiny, "price", *values, "--engine", "inline", "-q")
    assert r.code == 2, r.output
    _no_traceback(r)
