"""`registry diff` and `registry models --where/--sort` on hostile and odd input: expressions nested
past the recursion limit or far too long, number literals past Python's digit limit, NaN parameters,
control and bidi characters in names, a damaged registry whose champion cannot be read."""

import json
import os
import subprocess
import sys

import pytest


def cli(ml_automation_path, cwd, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_AUTOMATION_")}
    return subprocess.run([sys.executable, str(ml_automation_path), "registry", *args], cwd=cwd, env=env, capture_output=True, text=True)


def registry(root, models):
    (root / "mlops").mkdir(exist_ok=True)
    (root / "mlops" / "model-registry.json").write_text(json.dumps({"version": "1.0", "models": models}, indent=2))
    return root


def model(model_id, **fields):
    entry = {"model_id": model_id, "task_type": "regression", "status": "challenger", "metrics": {"test": {"rmse": 3.0, "mae": 2.0}}, "feature_set": ["x"]}
    entry.update(fields)
    return entry


@pytest.mark.parametrize("expression", [
    "(" * 3000 + "rmse > 1" + ")" * 3000,
    "not " * 3000 + "rmse > 1",
], ids=["3000 parentheses", "3000 nots"])
def test_an_expression_nested_too_deeply_is_refused_with_its_column(ml_automation_path, tmp_path, expression):
    registry(tmp_path, [model("m1")])
    shown = cli(ml_automation_path, tmp_path, "models", "--where", expression)
    assert "Traceback" not in shown.stderr and "RecursionError" not in shown.stderr
    assert shown.returncode == 2 and shown.stdout == ""
    assert "nested too deeply" in shown.stderr and "column " in shown.stderr


def test_moderate_nesting_still_works(ml_automation_path, tmp_path):
    registry(tmp_path, [model("m1"), model("m2", metrics={"test": {"rmse": 9.0}})])
    shown = cli(ml_automation_path, tmp_path, "models", "--where", "(" * 50 + "rmse < 5" + ")" * 50, "--json")
    assert shown.returncode == 0, shown.stderr
    assert [m["model_id"] for m in json.loads(shown.stdout)["models"]] == ["m1"]


def test_a_number_past_the_digit_limit_is_a_number(ml_automation_path, tmp_path):
    registry(tmp_path, [model("m1"), model("m2", metrics={"test": {"rmse": 1e300}})])
    shown = cli(ml_automation_path, tmp_path, "models", "--where", "rmse < " + "9" * 5000, "--json")
    assert shown.returncode == 0, shown.stderr[:300]
    assert sorted(m["model_id"] for m in json.loads(shown.stdout)["models"]) == ["m1", "m2"]


def test_the_error_of_a_very_long_expression_stays_short_and_points_at_its_column(ml_automation_path, tmp_path):
    registry(tmp_path, [model("m1")])
    expression = "rmse > 1 and " * 8000 + "rmse > ; touch pwned"
    shown = cli(ml_automation_path, tmp_path, "models", "--where", expression)
    assert shown.returncode == 2
    column = expression.index(";") + 1
    assert f"column {column}: " in shown.stderr
    assert len(shown.stderr.encode()) < 2000, len(shown.stderr.encode())
    lines = shown.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  …") or line.startswith("  rmse"))
    assert lines[at][lines[at + 1].index("^")] == ";"  # the caret is under the bad character of the excerpt
    assert not (tmp_path / "pwned").exists()


def test_a_model_against_itself_with_nan_parameters_changes_nothing(ml_automation_path, tmp_path):
    nan_params = '{"missing": NaN, "nested": {"a": [1, {"b": NaN}]}, "n_estimators": 100}'
    registry(tmp_path, [model("m1"), model("m2")])
    text = (tmp_path / "mlops" / "model-registry.json").read_text()
    (tmp_path / "mlops" / "model-registry.json").write_text(text.replace('"model_id": "m1",', f'"model_id": "m1", "hyperparameters": {nan_params},')
                                                          .replace('"model_id": "m2",', f'"model_id": "m2", "hyperparameters": {nan_params},'))
    for other in ("m1", "m2"):
        shown = cli(ml_automation_path, tmp_path, "diff", "m1", other, "--json")
        assert shown.returncode == 0, shown.stderr
        params = json.loads(shown.stdout.replace("NaN", "null"))["params"]
        assert params == {"changed": [], "same": 3}
        assert "Parameters: 0 changed, 3 the same" in cli(ml_automation_path, tmp_path, "diff", "m1", other).stdout


def test_a_tiny_base_gives_no_infinite_percentage(ml_automation_path, tmp_path):
    registry(tmp_path, [model("m1", metrics={"test": {"rmse": 5e-324}}), model("m2", metrics={"test": {"rmse": 1.0}})])
    shown = cli(ml_automation_path, tmp_path, "diff", "m1", "m2")
    assert shown.returncode == 0
    assert "inf%" not in shown.stdout and "rmse 4.9407e-324 -> 1 (+1)" in shown.stdout


HOSTILE = "evil\u202egnp.exe\x07\x1b[31mred\u2066x\u200f"


def test_control_and_bidi_characters_in_names_never_reach_the_terminal_raw(ml_automation_path, tmp_path):
    registry(tmp_path, [model("m1", name=HOSTILE, algorithm=HOSTILE, feature_set=["x", HOSTILE]),
                        model("m2", hyperparameters={"p": HOSTILE}, feature_set=["x"])])
    outputs = [cli(ml_automation_path, tmp_path, "diff", "m1", "m2").stdout,
               cli(ml_automation_path, tmp_path, "models", "--where", "name ~ evil", "--sort", "params.p").stdout,
               cli(ml_automation_path, tmp_path, "models", "--sort", "params.p").stdout]
    for shown in outputs:
        assert "m1" in shown
        for raw in ("\u202e", "\x07", "\x1b", "\u2066", "\u200f"):
            assert raw not in shown, (raw, shown)
    assert "evil\\u202egnp.exe" in outputs[0]  # shown escaped, so a person sees that it is there


def test_diff_of_the_champion_when_the_registry_is_damaged_says_the_champion_is_unknown(ml_automation_path, tmp_path):
    registry(tmp_path, [model("m1", status="champion", promoted_at="2026-01-01T00:00:00+00:00"), model("m2")])
    path = tmp_path / "mlops" / "model-registry.json"
    path.write_text(path.read_text().replace('"model_id": "m1",', '"model_id": "m1"', 1))  # the champion's entry no longer parses
    shown = cli(ml_automation_path, tmp_path, "diff", "champion", "m2")
    assert shown.returncode != 0
    assert "DAMAGED" in shown.stdout
    assert "no champion yet" not in shown.stdout + shown.stderr
    assert "champion is unknown" in shown.stdout + shown.stderr and "registry repair" in shown.stdout + shown.stderr


def test_parameters_nested_past_the_recursion_limit_neither_crash_search_nor_json(ml_automation_path, tmp_path):
    deep = "[" * 900 + "1" + "]" * 900
    registry(tmp_path, [model("m1", hyperparameters={"deep": "DEEP", "layers": [64, 32]}), model("m2", hyperparameters={"deep": "DEEP"})])
    path = tmp_path / "mlops" / "model-registry.json"
    path.write_text(path.read_text().replace('"DEEP"', deep))
    found = cli(ml_automation_path, tmp_path, "models", "--where", 'params.deep ~ "1" or params.layers == 32', "--json")
    assert "Traceback" not in found.stderr and found.returncode == 0, found.stderr[-300:]
    assert [m["model_id"] for m in json.loads(found.stdout)["models"]] == ["m1"]
    diff = cli(ml_automation_path, tmp_path, "diff", "m1", "m2", "--json")
    assert "Traceback" not in diff.stderr and diff.returncode == 0, diff.stderr[-300:]
    changed = json.loads(diff.stdout)["params"]["changed"]
    assert "nested more than 64 levels deep" in json.dumps(changed)


def test_a_metric_written_as_text_is_not_called_missing(ml_automation_path, tmp_path):
    registry(tmp_path, [model("m1", metrics={"test": {"rmse": "3.5"}}), model("m2")])
    shown = cli(ml_automation_path, tmp_path, "diff", "m1", "m2").stdout
    assert "cannot say (a value is missing or not a number)" in shown
