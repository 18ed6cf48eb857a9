# =============================================================================
# 5. MODEL EVALUATION
# =============================================================================

from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    import numpy as _np


def evaluate_model(model: Any, X_test: Any, y_test: Any, task_type: str) -> dict[str, Optional[float]]:
    """Score a fitted model on held-out data.

    classification: accuracy, precision, recall, f1 (weighted over classes), auc_roc (one-vs-rest for
    several classes; None when the model gives no probabilities or only one class is present),
    n_test. regression: rmse, mae, r2, mape (None when a true value is 0), n_test. Values are plain
    floats, ready for reports and the registry. Raises ValueError for another task type.
    """
    if task_type not in ("classification", "regression"):
        raise ValueError(f"task_type must be 'classification' or 'regression', got {task_type!r}")
    predictions = model.predict(X_test)
    if task_type == "classification":
        proba = model.predict_proba(X_test) if hasattr(model, "predict_proba") else None
        classes = getattr(model, "classes_", None)
        return classification_metrics(y_test, predictions, proba, classes)
    return regression_metrics(y_test, predictions)


def classification_metrics(y_true: Any, y_pred: Any, y_proba: "Optional[_np.ndarray]" = None, classes: Any = None) -> dict[str, Optional[float]]:
    """accuracy, precision, recall, f1 (weighted), auc_roc and n_test for class predictions."""
    import numpy as np
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support, roc_auc_score

    precision, recall, f1, _ = precision_recall_fscore_support(y_true, y_pred, average="weighted", zero_division=0)
    auc = None
    labels = np.unique(y_true)
    if y_proba is not None and len(labels) > 1:
        if y_proba.shape[1] == 2:
            auc = roc_auc_score(y_true, y_proba[:, 1])
        else:
            auc = roc_auc_score(y_true, y_proba, multi_class="ovr", average="weighted", labels=classes)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "auc_roc": None if auc is None else float(auc),
        "n_test": int(len(y_true)),
    }


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, Optional[float]]:
    """rmse, mae, r2, mape (None when some true value is 0) and n_test for numeric predictions."""
    import numpy as np
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    truth = np.asarray(y_true, dtype=float)
    guess = np.asarray(y_pred, dtype=float)
    mape = None if np.any(truth == 0) else float(np.mean(np.abs((truth - guess) / truth)))
    return {
        "rmse": float(np.sqrt(mean_squared_error(truth, guess))),
        "mae": float(mean_absolute_error(truth, guess)),
        "r2": float(r2_score(truth, guess)),
        "mape": mape,
        "n_test": int(len(truth)),
    }
