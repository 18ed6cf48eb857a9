/**
 * Facts shared by the plugin's markdown and its Python runtime. Templates on both sides render from
 * these values, so a table in an agent and the constant in ml_utils.py cannot disagree.
 */

/** Platform folders a user's project may have, in order of preference. */
export const PLATFORM_DIRS = [".claude", ".cursor", ".codex", ".opencode"];

/** Subfolder of a platform folder (or of the project, as the universal fallback) holding the registries. */
export const MLOPS_SUBDIR = "mlops";

/** Environment variable that overrides the registry folder. */
export const MLOPS_DIR_ENV = "ML_AUTOMATION_MLOPS_DIR";

/** File and folder names inside the registry folder. */
export const REGISTRY_FILES = {
  models: "model-registry.json",
  features: "feature-store.json",
  experiments: "experiments",
  dataVersions: "data-versions",
};

/** Version of the registries' JSON schema (stored in each registry file). */
export const MLOPS_SCHEMA_VERSION = "1.0";

/** Whether a larger value of a metric is better ("higher") or worse ("lower"). */
export const METRIC_DIRECTIONS: Record<string, "higher" | "lower"> = {
  accuracy: "higher",
  precision: "higher",
  recall: "higher",
  f1: "higher",
  auc_roc: "higher",
  r2: "higher",
  silhouette_score: "higher",
  rmse: "lower",
  mae: "lower",
  mape: "lower",
};

/**
 * How the runtime averages a classification metric over classes (evaluate_model): the registry's `f1`
 * is weighted F1. Views and the report name it; another average is recorded under its own name
 * (`f1_macro`).
 */
export const METRIC_AVERAGING: Record<string, string> = {
  precision: "weighted",
  recall: "weighted",
  f1: "weighted",
  auc_roc: "weighted one-vs-rest",
};

/** A task type: the metrics a registered model must report, and the one that decides champion vs challenger. */
export interface TaskType {
  name: string;
  requiredMetrics: string[];
  primaryMetric: string;
  considerations: string;
}

/** Task types the registry knows, in the order tables list them. */
export const TASK_TYPES: TaskType[] = [
  {
    name: "classification",
    requiredMetrics: ["accuracy", "precision", "recall", "f1", "auc_roc"],
    primaryMetric: "f1",
    considerations: "Class imbalance, threshold choice, calibration",
  },
  {
    name: "regression",
    requiredMetrics: ["rmse", "mae", "r2"],
    primaryMetric: "rmse",
    considerations: "Residual analysis, heteroscedasticity, outliers",
  },
  {
    name: "mmm",
    requiredMetrics: ["r2", "mape", "channel_roi", "channel_contribution"],
    primaryMetric: "mape",
    considerations: "Adstock and saturation parameters, interpretability",
  },
  {
    name: "segmentation",
    requiredMetrics: ["silhouette_score", "n_clusters"],
    primaryMetric: "silhouette_score",
    considerations: "Cluster stability, business meaning of segments",
  },
  {
    name: "time_series",
    requiredMetrics: ["rmse", "mae", "mape"],
    primaryMetric: "rmse",
    considerations: "Forecast horizon, temporal cross-validation, stationarity",
  },
];

/** The registry folders a project may have, in order of preference: `<platform>/mlops`, then `mlops`. */
export const MLOPS_DIRS = [...PLATFORM_DIRS.map((dir) => `${dir}/${MLOPS_SUBDIR}`), MLOPS_SUBDIR];

/**
 * Files below a registry folder, as a path pattern of Claude Code's permission rules (gitignore
 * style): the registry guard's hooks start only for a write that matches it.
 */
export const REGISTRY_PATH_PATTERN = `**/${MLOPS_SUBDIR}/**`;

/** The direction of a task type's primary metric; throws when METRIC_DIRECTIONS lacks it. */
export function primaryDirection(type: TaskType): "higher" | "lower" {
  const direction = METRIC_DIRECTIONS[type.primaryMetric];
  if (!direction) throw new Error(`constants: primary metric ${JSON.stringify(type.primaryMetric)} has no entry in METRIC_DIRECTIONS`);
  return direction;
}

/** Required metrics by task type name. */
export const TASK_TYPE_METRICS: Record<string, string[]> = Object.fromEntries(TASK_TYPES.map((type) => [type.name, type.requiredMetrics]));

/** The metric that decides champion vs challenger by task type name, and its direction. */
export const PRIMARY_METRICS: Record<string, [string, "higher" | "lower"]> = Object.fromEntries(TASK_TYPES.map((type) => [type.name, [type.primaryMetric, primaryDirection(type)]]));
