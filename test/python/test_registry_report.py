"""`registry report` (the self-contained HTML file) and `--mermaid` (lineage flowcharts) from the command
line: what they write and print for a real scikit-learn flow, what they refuse, damaged and
hand-edited registries, hostile strings, and their bounds at 10,000 models. The report is opened in a
real browser by test/registry-report-browser.test.ts; the flowcharts are parsed by Mermaid itself in
test/lineage-mermaid.test.ts."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_registry_damage import cli, tree_bytes

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "test" / "fixtures"))
from synthetic_registry import synthetic, write_registry  # noqa: E402

MARKER = '<meta name="generator" content="ml-automation registry report">'


@pytest.fixture
def flow(ml_utils_path, project):
    """The breast cancer flow of test/fixtures/report_flow.py, run in the project (.claude/ exists)."""
    os.mkdir(".claude")
    run = subprocess.run([sys.executable, str(REPO / "test" / "fixtures" / "report_flow.py"), str(ml_utils_path.parent)], cwd=project,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def svg(page, chart_id):
    """The markup of the <svg id=chart_id> element of a report."""
    match = re.search(rf'<svg id="{chart_id}".*?</svg>', page, re.S)
    assert match, f"no {chart_id} in the report"
    return match.group(0)


# --- The report of a real flow ----------------------------------------------------------------------


def test_report_of_a_real_flow_is_written_to_the_registry_folder(ml_automation_path, project, flow):
    shown = cli(ml_automation_path, project, "report")
    path = project / ".claude" / "mlops" / "report.html"
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"Wrote the registry report: {path} (") and f"Open it in a browser: {path.as_uri()}" in shown.stdout
    assert "7 models, 9 features, 6 experiments, 2 data versions" in shown.stdout
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and MARKER in page and page.rstrip().endswith("</html>")
    assert "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">" in page
    for loads in ("<script", "http://", "https://", " src=", "@import", "url(", "<link", "<img", "<iframe"):
        assert loads not in page, loads
    assert f'<b id="champion-id">{flow["champion"]}</b>' in page
    for model_id in flow["models"]:
        assert f'<tr id="model-{model_id}">' in page
    others = sorted((f1, model) for model, f1 in flow["models"].items() if model != flow["champion"])
    bars = re.findall(r'<rect class="mark ([a-z ]+)" data-entry="([^"]+)"', svg(page, "challengers-chart"))
    assert [model for _, model in bars] == [model for _, model in sorted(others, key=lambda pair: -pair[0])]
    # The promotion policy kept the leaky model (better f1, a feature flagged high) out; every other one is worse.
    assert {model: css.split()[0] for css, model in bars} == {model: "better" if model == "model_boosting_leaky" else "worse" for _, model in others}
    assert flow["models"]["model_boosting_leaky"] > flow["models"][flow["champion"]] and flow["champion"] == "model_random_forest"
    points = re.findall(r'<circle class="mark( champion)?" data-entry="([^"]+)"', svg(page, "over-time-chart"))
    assert sorted(experiment for _, experiment in points) == sorted(flow["experiments"])
    assert [experiment for ring, experiment in points if ring] == ["exp_random_forest"]
    ticks = re.findall(r'<text class="muted time-tick"[^>]*>([^<]+)</text>', svg(page, "over-time-chart"))
    assert len(ticks) >= 2 and len(set(ticks)) == len(ticks), ticks  # the flow logs its runs within seconds: still distinct times
    graph = svg(page, "lineage-graph")
    assert sorted(re.findall(r'<g class="node model[^"]*" data-entry="([^"]+)"', graph)) == sorted(flow["models"])
    assert re.findall(r'<g class="node model[^"]*champion" data-entry="([^"]+)"', graph) == [flow["champion"]]
    assert len(re.findall(r'<g class="node experiment gap"', graph)) == 1 and "exp_notebook_svc" in graph
    assert "6 of 7</b> models have a complete lineage" in page
    # The champion uses the feature flagged medium, never the one flagged high (the promotion policy refused it).
    assert "Uses 1 feature(s) flagged for leakage risk: mean_area (medium)" in page
    assert re.search(r'<code>diagnosis_rate_by_radius_bin</code></td><td><span class="badge flag">high</span>(?:(?!</tr>).)*1 model\(s\)</td></tr>', page)
    assert re.search(r'<code>mean_area</code></td><td><span class="badge flag">medium</span>.*?champion uses it', page)
    assert "6: exp_dummy" in page  # the first data version and the experiments that used it


def test_report_json_names_the_file_and_its_size(ml_automation_path, project, flow):
    shown = cli(ml_automation_path, project, "report", "--json")
    data = json.loads(shown.stdout)
    assert shown.returncode == 0 and data["report"] == str(project / ".claude" / "mlops" / "report.html")
    assert data["bytes"] == os.path.getsize(data["report"]) and data["models"] == 7


def test_write_registry_report_from_python(ma, mu, project, flow):
    path = ma.write_registry_report()
    assert path == os.path.join(".claude", "mlops", "report.html") and MARKER in Path(path).read_text(encoding="utf-8")
    assert ma.write_registry_report("mine.html", limit=2) == "mine.html"
    assert len(re.findall(r'<rect class="mark', svg(Path("mine.html").read_text(encoding="utf-8"), "challengers-chart"))) == 2
    Path("notes.html").write_text("my notes")
    with pytest.raises(mu.RegistryError, match="exists and is not a registry report"):
        ma.write_registry_report("notes.html")
    assert Path("notes.html").read_text() == "my notes"


# --- Where it writes, and what it refuses ------------------------------------------------------


def test_out_replaces_an_earlier_report_and_nothing_else(ml_automation_path, project, flow):
    (project / "notes.html").write_text("<html>the user's own page</html>")
    refused = cli(ml_automation_path, project, "report", "--out", "notes.html")
    assert refused.returncode == 2 and refused.stdout == ""
    assert "Error: notes.html exists and is not a registry report: it was left as it is" in refused.stderr
    assert (project / "notes.html").read_text() == "<html>the user's own page</html>"
    first = cli(ml_automation_path, project, "report", "--out", "registry.html")
    again = cli(ml_automation_path, project, "report", "--out", "registry.html")
    assert first.returncode == again.returncode == 0 and MARKER in (project / "registry.html").read_text(encoding="utf-8")
    folder = cli(ml_automation_path, project, "report", "--out", "data")
    assert folder.returncode == 2 and "data is a folder: give a file name" in folder.stderr
    missing = cli(ml_automation_path, project, "report", "--out", "no/such/folder/r.html")
    assert missing.returncode == 2 and "the folder" in missing.stderr and "does not exist" in missing.stderr
    assert not (project / "no").exists()
    assert not [name for name in os.listdir(project) if name.endswith(".tmp") or name.startswith(".registry")]


def test_a_file_that_cannot_be_written_is_an_error_naming_it(ml_automation_path, project, flow):
    name = "r" * 300 + ".html"  # longer than any file system allows, for root too
    shown = cli(ml_automation_path, project, "report", "--out", name)
    assert shown.returncode == 2 and f"cannot write the report to {name}: " in shown.stderr and "nothing was written" in shown.stderr
    assert sorted(os.listdir(project)) == [".claude", "data"]


def test_an_empty_project_gets_no_report(ml_automation_path, project):
    shown = cli(ml_automation_path, project, "report")
    assert shown.returncode == 0 and "Nothing is registered yet" in shown.stdout
    assert os.listdir(project) == []


def test_a_damaged_registry_is_reported_and_left_as_it_is(mu, ml_automation_path, project):
    mu.save_feature_entries([{"feature_id": "f1", "leakage_risk": "high"}])
    for i in range(3):
        mu.save_model_entry({"model_id": f"m{i}", "task_type": "regression", "metrics": {"rmse": 1.0 + i, "mae": 1.0, "r2": 0.1}, "feature_set": ["f1"]})
    with open("mlops/model-registry.json", "a") as handle:
        handle.write("garbage")
    before = tree_bytes("mlops")
    shown = cli(ml_automation_path, project, "report")
    assert shown.returncode == 3
    assert "DAMAGED: mlops/model-registry.json:" in shown.stdout and "Wrote the registry report" in shown.stdout
    page = Path("mlops/report.html").read_text(encoding="utf-8")
    assert "Damaged registry files" in page and "mlops/model-registry.json:" in page
    assert all(f'<tr id="model-m{i}">' in page for i in range(3))
    after = tree_bytes("mlops")
    del after[os.path.join("mlops", "report.html")]
    assert after == before


def test_hand_edited_odd_values_still_give_a_report(ml_automation_path, project):
    models = [
        {"model_id": "a", "task_type": "regression", "status": "champion", "metrics": {"rmse": "12.5"}, "feature_set": "f1,f2", "rationale": ["why"],
         "created_at": 12345, "promoted_at": "yesterday", "name": {"first": 1}, "predecessor_id": "zz"},
        {"model_id": "b", "task_type": "regression", "status": "champion", "metrics": [1, 2], "created_at": "2026-01-01T00:00:00Z"},
        {"model_id": "c", "task_type": "forecasting", "status": "retired", "metrics": {"test": {"rmse": None}}, "feature_set": [1, None]},
        {"model_id": "d", "task_type": "regression", "metrics": {"rmse": 3.0, "mae": True}, "training_experiment_id": 7, "data_fingerprint": ["x"]},
        {"model_id": "e", "task_type": None, "metrics": {"rmse": 1e308, "r2": -1e308}},
    ]
    features = [{"feature_id": "f1", "leakage_risk": 3, "domain": None, "used_in_models": "a"}, {"feature_id": "f2", "leakage_risk": "HIGH ", "source_columns": "x"}]
    experiments = [{"experiment_id": "x1", "task_type": "regression", "created_at": "not a date", "metrics": {"test": {"rmse": "NaN"}}},
                   {"experiment_id": "x2", "task_type": "regression", "created_at": "2026-01-02T00:00:00", "metrics": {"test": {"rmse": 2.0}}, "dataset": []}]
    write_registry(project, models, features, experiments, [{"fingerprint": "sha256:" + "ab" * 32, "rows": "many", "used_in_experiments": "x1"}])
    shown = cli(ml_automation_path, project, "report")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "Traceback" not in shown.stdout + shown.stderr
    page = Path("mlops/report.html").read_text(encoding="utf-8")
    assert all(f'<tr id="model-{m["model_id"]}">' in page for m in models)
    assert 'data-entry="x2"' in svg(page, "over-time-chart") and 'data-entry="x1"' not in page
    assert "<b>1</b> flagged for leakage risk" in page  # "HIGH " counts, the number 3 does not


def test_strings_from_the_registry_are_text_never_markup(mu, ml_automation_path, project):
    hostile = '</script><script>alert(1)</script><img src=x onerror=alert(2)> "quoted" & <b>bold</b>'
    fingerprint = "sha256:" + "cd" * 32
    mu.save_data_version({"fingerprint": fingerprint, "source_path": hostile, "rows": 10, "columns": 2})
    mu.save_feature_entries([{"feature_id": "f1", "domain": hostile, "description": hostile, "leakage_risk": "high"}])
    Path(hostile).parent.mkdir(parents=True)  # a file of that name (folders '<', 'script><script>alert(1)<', ...) as the artifact
    Path(hostile).write_bytes(b"model")
    mu.save_model_entry({"model_id": "m1", "name": hostile, "task_type": "regression", "algorithm": hostile, "metrics": {"rmse": 1.0, "mae": 1.0, "r2": 0.5},
                         "rationale": {hostile: hostile}, "feature_set": ["f1", hostile], "data_fingerprint": fingerprint, "artifact_path": hostile})
    mu.promote_model("m1", override_reason=hostile)  # the policy refuses a high-leakage feature: promoted anyway, the reason shown
    shown = cli(ml_automation_path, project, "report")
    assert shown.returncode == 0, shown.stderr
    page = Path("mlops/report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page and "<b>bold" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;" in page


# --- Bounds ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    root = tmp_path_factory.mktemp("big-report")
    write_registry(root, *synthetic(10_000))
    return root


def test_at_10000_models_the_report_stays_small_and_says_what_it_leaves_out(ml_automation_path, big):
    shown = cli(ml_automation_path, big, "report", timeout=120)
    assert shown.returncode == 0, shown.stderr
    page = (big / "mlops" / "report.html").read_text(encoding="utf-8")
    assert len(page.encode()) < 250_000
    assert page.count('<tr id="model-') == 25 and "Showing 25 of 10,000 models" in page
    assert len(re.findall(r"<rect class=\"mark", svg(page, "challengers-chart"))) == 20
    histogram = svg(page, "challengers-distribution")
    assert sum(int(n) for n in re.findall(r'data-count="(\d+)"', histogram)) == 9_999
    assert len(re.findall(r"<circle class=\"mark", svg(page, "over-time-chart"))) <= 300
    assert "9,896 experiments in" in page and "each point is the best run of its interval" in page
    assert len(re.findall(r'<g class="node model', svg(page, "lineage-graph"))) == 30
    assert "The graph shows 30 of 10,000 models" in page and "104 with no logged experiment" in page
    assert "Showing 20 of 104 models with gaps" in page


def test_limit_and_all_set_how_much_the_report_shows(ml_automation_path, project):
    write_registry(project, *synthetic(300))
    assert cli(ml_automation_path, project, "report", "--limit", "5").returncode == 0
    page = Path("mlops/report.html").read_text(encoding="utf-8")
    assert len(re.findall(r"<rect class=\"mark", svg(page, "challengers-chart"))) == 5 and page.count('<tr id="model-') == 5
    assert cli(ml_automation_path, project, "report", "--all").returncode == 0
    page = Path("mlops/report.html").read_text(encoding="utf-8")
    assert len(re.findall(r"<rect class=\"mark", svg(page, "challengers-chart"))) == 299 and page.count('<tr id="model-') == 300
    assert len(re.findall(r"<circle class=\"mark", svg(page, "over-time-chart"))) == 296
    assert "challengers-distribution" not in page


# --- Mermaid on the command line, and the editor ------------------------------------------------


def test_lineage_mermaid_of_a_model_with_gaps(ml_automation_path, project, flow):
    shown = cli(ml_automation_path, project, "lineage", "model_notebook_svc", "--mermaid")
    assert shown.returncode == 0, shown.stderr
    header, _, output = shown.stdout.partition("\n")
    assert header == "Registry: .claude/mlops"
    block, _, rest = output.partition("\n```\n")
    assert block.startswith("```mermaid\nflowchart LR\n")
    assert 'Data version: data/breast cancer #34;raw#34; [v1] #35;1 données.csv' in block
    assert "class n1,n2 gap" in block and '"Experiment: not logged<br/>exp_notebook_svc"' in block
    assert rest.splitlines() == ["Lineage gaps (dashed):", "- experiment exp_notebook_svc is not logged",
                                 "- 1 of 2 features are not in the feature store: radius_ratio"]


@pytest.mark.parametrize("argv", [["models", "--mermaid"], ["--mermaid", "models"], ["--json", "--mermaid"], ["lineage", "m", "--mermaid", "--json"],
                                  ["report", "--mermaid"], ["--mermaid", "report"], ["report", "--out"], ["report", "extra"]])
def test_mermaid_and_report_options_where_they_do_not_belong(ml_automation_path, project, argv):
    shown = cli(ml_automation_path, project, *argv)
    assert shown.returncode == 2 and shown.stderr.startswith(f"usage: python3 {ml_automation_path} registry") and shown.stdout == ""
    assert os.listdir(project) == []


def test_unknown_model_with_mermaid_exits_1(ml_automation_path, project, flow):
    shown = cli(ml_automation_path, project, "lineage", "nope", "--mermaid")
    assert shown.returncode == 1 and "no model 'nope'" in shown.stderr and "```" not in shown.stdout


def test_summary_mermaid_fits_4_kb_at_10000_models_with_whole_diagrams(ml_automation_path, big):
    shown = cli(ml_automation_path, big, "--mermaid")
    assert shown.returncode == 0 and len(shown.stdout.encode()) <= 4096
    assert shown.stdout.rstrip().endswith("```") and shown.stdout.count("```") == 2
    note = next(line for line in shown.stdout.splitlines() if line.startswith("- Lineage diagram"))
    drawn = int(re.search(r": (\d+) of 10,000 models", note).group(1))
    assert 3 <= drawn <= 15 and shown.stdout.count('(["Model: ') == drawn
    assert "model_05000" in shown.stdout.split("```mermaid")[1]  # the champion is drawn first
    everything = cli(ml_automation_path, big, "summary", "--mermaid", "--all")
    assert everything.stdout.split("```mermaid")[1].count('(["Model: ') == 100 and "100 of 10,000 models" in everything.stdout


def test_report_through_the_editor_command(ml_automation_path, project, flow):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_AUTOMATION_")}
    shown = subprocess.run([sys.executable, str(ml_automation_path), "--editor", "registry"], input="report\n!END\n", cwd=project, env=env,
                           capture_output=True, text=True)
    assert shown.returncode == 0 and shown.stdout.startswith("Wrote the registry report: ")
    (project / "x.html").write_text("mine")
    refused = subprocess.run([sys.executable, str(ml_automation_path), "--editor", "registry"], input="report --out x.html\n!END\n", cwd=project, env=env,
                             capture_output=True, text=True)
    assert refused.returncode == 0 and "x.html exists and is not a registry report" in refused.stdout and "exited with status 2" in refused.stdout


def test_reports_written_while_agents_register_models(ml_utils_path, ml_automation_path, project):
    """Four report writers and a process registering 40 models at once: every report is whole, no model
    is lost, no temporary file is left (report writes in the registry folder hold its lock)."""
    os.mkdir(".claude")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_AUTOMATION_")}
    register = ("import sys; sys.path.insert(0, sys.argv[1]); import ml_utils as mu\n"
                "for i in range(40):\n"
                "    mu.save_model_entry({'model_id': f'm{i}', 'task_type': 'regression', 'metrics': {'rmse': 1.0 + i, 'mae': 1.0, 'r2': 0.5}})\n")
    subprocess.run([sys.executable, "-c", register.replace("range(40)", "range(1)"), str(ml_utils_path.parent)], cwd=project, env=env, check=True)
    writers = [subprocess.Popen([sys.executable, str(ml_automation_path), "registry", "report"], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    agent = subprocess.Popen([sys.executable, "-c", register, str(ml_utils_path.parent)], cwd=project, env=env, stderr=subprocess.PIPE, text=True)
    results = [writer.communicate(timeout=120) + (writer.returncode,) for writer in writers]
    assert agent.wait(timeout=120) == 0, agent.stderr.read()
    assert all(status == 0 and "Wrote the registry report" in out for out, _, status in results), results
    page = Path(".claude/mlops/report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    final = cli(ml_automation_path, project, "report")
    assert final.returncode == 0 and "40 models" in final.stdout
    assert Path(".claude/mlops/report.html").read_text(encoding="utf-8").count('<tr id="model-') == 25
    assert not [name for name in os.listdir(".claude/mlops") if name.endswith(".tmp")]


def test_the_temporary_file_of_a_killed_report_is_cleaned_by_the_next_write(mu, ml_automation_path, project):
    mu.save_model_entry({"model_id": "m1", "task_type": "regression", "metrics": {"rmse": 1.0, "mae": 1.0, "r2": 0.5}})
    leftover = Path("mlops/.report.html.0123456789ab.tmp")
    leftover.write_text("<!DOCTYPE html><html><body>half of a rep")  # what a report killed mid-write leaves
    assert cli(ml_automation_path, project, "report").returncode == 0
    assert not leftover.exists() and MARKER in Path("mlops/report.html").read_text(encoding="utf-8")
