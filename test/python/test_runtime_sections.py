"""Sections 1-8 of ml_utils.py on real data (datasets that ship with scikit-learn)."""

import json
import os

import numpy as np
import pandas as pd
import pytest
from conftest import run_python
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(as_frame=True).frame


@pytest.fixture(scope="module")
def diabetes_mixed():
    """The diabetes data with a categorical, a date, an id and a text column added."""
    df = load_diabetes(as_frame=True).frame
    rng = np.random.default_rng(0)
    df["region"] = rng.choice(["north", "south", "east", "west"], len(df))
    df["visit_date"] = pd.date_range("2024-01-01", periods=len(df), freq="D").strftime("%Y-%m-%d")
    df["patient_id"] = np.arange(100000, 100000 + len(df))
    df["notes"] = [f"patient reports symptom level {i % 7} after the {i}th consultation" for i in range(len(df))]
    return df


def test_import_needs_only_the_standard_library(ml_utils_path, tmp_path):
    code = "import sys\nfor m in ('pandas', 'numpy', 'sklearn'): sys.modules[m] = None\nimport ml_utils\nprint(len(ml_utils.PLATFORM_DIRS))"
    result = run_python(ml_utils_path, code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "4"


def test_every_functions_hints_resolve_with_typing_get_type_hints(mu):
    # Tools that read signatures (pydantic, typer, agent tool wrappers) call get_type_hints; a hint
    # naming pandas only under TYPE_CHECKING raised NameError there.
    import typing

    functions = [value for value in vars(mu).values() if callable(value) and getattr(value, "__module__", None) == "ml_utils"]
    assert len(functions) > 50
    for function in functions:
        typing.get_type_hints(function)
    assert typing.get_type_hints(mu.load_data)["return"] is pd.DataFrame
    assert typing.get_type_hints(mu.build_preprocessor)["return"].__name__ == "ColumnTransformer"
    assert typing.get_type_hints(mu.classification_metrics)["y_proba"] == typing.Optional[np.ndarray]


@pytest.mark.parametrize("name, writer", [
    ("data.csv", lambda df, p: df.to_csv(p, index=False)),
    ("data.csv.gz", lambda df, p: df.to_csv(p, index=False)),
    ("data.tsv", lambda df, p: df.to_csv(p, index=False, sep="\t")),
    ("data.parquet", lambda df, p: df.to_parquet(p, index=False)),
    ("data.xlsx", lambda df, p: df.to_excel(p, index=False)),
    ("data.json", lambda df, p: df.to_json(p, orient="records")),
    ("data.jsonl", lambda df, p: df.to_json(p, orient="records", lines=True)),
])
def test_load_data_reads_every_format(mu, cancer, project, name, writer):
    sample = cancer.head(60)
    writer(sample, name)
    loaded = mu.load_data(name)
    assert loaded.shape == sample.shape
    assert np.allclose(loaded["mean radius"].to_numpy(), sample["mean radius"].to_numpy())


def test_load_data_errors_are_clear(mu, project):
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        mu.load_data("missing.csv")
    open("data.xml", "w").write("<a/>")
    with pytest.raises(ValueError, match="unknown extension '.xml'"):
        mu.load_data("data.xml")
    open("empty.csv", "w").write("a,b\n")
    with pytest.raises(ValueError, match="no rows"):
        mu.load_data("empty.csv")


def test_column_types_and_task_type(mu, diabetes_mixed, cancer):
    kinds = mu.detect_column_types(diabetes_mixed, target="target")
    assert "target" not in sum(kinds.values(), [])
    assert kinds["categorical"] == ["region"]
    assert kinds["datetime"] == ["visit_date"]
    assert kinds["id"] == ["patient_id"]
    assert kinds["text"] == ["notes"]
    assert "bmi" in kinds["numeric"] and "sex" in kinds["numeric"]
    assert sorted(sum(kinds.values(), [])) == sorted(c for c in diabetes_mixed.columns if c != "target")
    assert mu.detect_task_type(cancer, "target") == "classification"
    assert mu.detect_task_type(diabetes_mixed, "target") == "regression"
    with pytest.raises(KeyError, match="nope"):
        mu.detect_task_type(cancer, "nope")


def test_preprocessing_pipeline_fits_on_training_rows_and_handles_unseen_values(mu, diabetes_mixed):
    parts = mu.split_data(diabetes_mixed, "target", task_type="regression")
    kinds = mu.detect_column_types(parts["X_train"])
    model = Pipeline([("prep", mu.build_preprocessor(kinds)), ("model", LinearRegression())])
    model.fit(parts["X_train"], parts["y_train"])
    test = parts["X_test"].copy()
    test.iloc[0, test.columns.get_loc("region")] = "a region never seen"
    test.iloc[1, test.columns.get_loc("bmi")] = np.nan
    transformed = model.named_steps["prep"].transform(test)
    assert not np.isnan(np.asarray(transformed, dtype=float)).any()
    names = list(model.named_steps["prep"].get_feature_names_out())
    assert "datetime__visit_date_month" in names and not any("notes" in n or "patient_id" in n for n in names)
    metrics = mu.evaluate_model(model, parts["X_test"], parts["y_test"], "regression")
    assert 0.3 < metrics["r2"] < 0.8


def test_split_is_stratified_disjoint_and_reports_leakage(mu, cancer):
    parts = mu.split_data(cancer, "target", val_size=0.15, test_size=0.2)
    info = parts["info"]
    assert info["strategy"] == "stratified"
    assert info["rows"]["train"] + info["rows"]["val"] + info["rows"]["test"] == len(cancer)
    indexes = [set(parts[k].index) for k in ("X_train", "X_val", "X_test")]
    assert not (indexes[0] & indexes[1] or indexes[0] & indexes[2] or indexes[1] & indexes[2])
    overall = cancer["target"].mean()
    assert abs(parts["y_test"].mean() - overall) < 0.02 and abs(parts["y_val"].mean() - overall) < 0.03
    assert info["duplicate_rows_across_train_test"] == 0
    doubled = pd.concat([cancer, cancer.head(40)], ignore_index=True)
    assert mu.split_data(doubled, "target")["info"]["duplicate_rows_across_train_test"] > 0


def test_split_by_time_and_group(mu, diabetes_mixed):
    timed = mu.split_data(diabetes_mixed, "target", time_column="visit_date")
    assert timed["X_train"]["visit_date"].max() < timed["X_test"]["visit_date"].min()
    grouped = mu.split_data(diabetes_mixed, "target", group_column="region", test_size=0.3)
    assert not set(grouped["X_train"]["region"]) & set(grouped["X_test"]["region"])
    with_missing = diabetes_mixed.copy()
    with_missing.loc[:9, "target"] = np.nan
    assert mu.split_data(with_missing, "target")["info"]["dropped_missing_target"] == 10
    with pytest.raises(ValueError, match="fractions"):
        mu.split_data(diabetes_mixed, "target", test_size=0.7, val_size=0.4)
    with pytest.raises(KeyError, match="when"):
        mu.split_data(diabetes_mixed, "target", time_column="when")


def test_evaluation_returns_the_registry_metric_names(mu, cancer):
    parts = mu.split_data(cancer, "target")
    model = LogisticRegression(max_iter=5000).fit(parts["X_train"], parts["y_train"])
    metrics = mu.evaluate_model(model, parts["X_test"], parts["y_test"], "classification")
    assert set(mu.TASK_TYPE_METRICS["classification"]) <= set(metrics)
    assert all(isinstance(metrics[m], float) for m in mu.TASK_TYPE_METRICS["classification"])
    assert metrics["accuracy"] > 0.9 and metrics["auc_roc"] > 0.95
    iris = load_iris(as_frame=True).frame
    parts = mu.split_data(iris, "target")
    model = LogisticRegression(max_iter=5000).fit(parts["X_train"], parts["y_train"])
    multi = mu.evaluate_model(model, parts["X_test"], parts["y_test"], "classification")
    assert multi["auc_roc"] is not None and multi["f1"] > 0.8
    diabetes = load_diabetes(as_frame=True).frame
    parts = mu.split_data(diabetes, "target")
    reg = mu.evaluate_model(LinearRegression().fit(parts["X_train"], parts["y_train"]), parts["X_test"], parts["y_test"], "regression")
    assert set(mu.TASK_TYPE_METRICS["regression"]) <= set(reg) and reg["rmse"] > reg["mae"] > 0
    with pytest.raises(ValueError, match="task_type"):
        mu.evaluate_model(model, parts["X_test"], parts["y_test"], "ranking")


def test_eda_summary_and_report_round_trip(mu, diabetes_mixed, project):
    data = diabetes_mixed.copy()
    data.loc[:43, "bmi"] = np.nan
    summary = mu.summarize_dataframe(data, target="target")
    assert summary["rows"] == len(data) and summary["task_type"] == "regression"
    assert summary["column_summary"]["bmi"]["missing_pct"] == round(44 / len(data), 4)
    assert next(iter(summary["target_correlations"])) in ("bmi", "s5")
    path = mu.save_eda_report(summary)
    assert path == os.path.join("reports", "eda_report.json") and not os.path.exists(".claude")
    assert mu.load_eda_report()["column_summary"]["region"]["top"]
    json.loads(open(path).read())


def test_report_bus_uses_the_platform_folder_and_newest_copy(mu, project):
    assert mu.load_agent_reports() == {}
    first = mu.save_agent_report("eda-analyst", {"summary": "in fallback folder"})
    assert first == os.path.join("reports", "eda-analyst_report.json")
    assert not any(os.path.exists(p) for p in mu.PLATFORM_DIRS)
    # A platform folder that appears later does not move the reports: they stay where they are.
    os.mkdir(".cursor")
    second = mu.save_agent_report("eda-analyst", {"summary": "second run", "status": "completed"})
    assert second == first
    assert mu.load_agent_report("eda-analyst")["summary"] == "second run"
    # The newest copy wins when an older one sits in another report folder.
    mu.save_agent_report("eda-analyst", {"summary": "in cursor folder", "status": "completed"}, output_dir=os.path.join(".cursor", "reports"))
    assert mu.load_agent_report("eda-analyst")["summary"] == "in cursor folder"
    mu.save_agent_report("developer", {"summary": "training failed", "status": "failed"})
    status = mu.get_workflow_status(["eda-analyst", "developer", "mlops-engineer"])
    assert status["completed"] == ["eda-analyst"] and status["failed"] == ["developer"] and status["pending"] == ["mlops-engineer"]
    assert not os.path.exists(".claude")
    with pytest.raises(ValueError, match="agent name"):
        mu.save_agent_report("../escape", {})


def test_reflection_gates_record_verdicts_and_iterations(mu, project):
    assert mu.load_reflection_report("gate-1") is None and not mu.gate_approved("gate-1")
    mu.save_reflection_report("gate-1", {"verdict": "revise", "required_changes": ["split by date"]})
    mu.save_reflection_report("gate-1", {"verdict": "approve"})
    report = mu.load_reflection_report("gate-1")
    assert report["iteration"] == 2 and mu.gate_approved("gate-1")
    with pytest.raises(ValueError, match="verdict"):
        mu.save_reflection_report("gate-2", {"verdict": "maybe"})
