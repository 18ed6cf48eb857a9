/**
 * Release 1.3.0, the MLOps registry layer (model registry with champion/challenger, feature store,
 * experiment tracking, data versioning, /registry). Data only: the engine applies it.
 * Templates are in templates/releases/1.3.0/.
 */
import type { Release } from "../release.ts";

const agentReportBus = { depth: 2, text: /^Agent Report Bus\b/ };
const coldstart = "commands/team-coldstart.md";
const analyze = "commands/team-analyze.md";

export const release130: Release = {
  version: "1.3.0",
  templateDir: "templates/releases/1.3.0",
  description: {
    mention: "MLOps registry layer",
    sentence: "Includes an MLOps registry layer: models with champion/challenger, features, experiments, data versions.",
  },
  rewrites: [
    { file: coldstart, section: { depth: 1, text: "/team-coldstart" }, from: "5b → 6", to: "5b → 5c → 6" },
    { file: coldstart, section: { depth: 3, text: /^Stage 5b:/ }, from: "continue with Stage 6", to: "continue with Stage 5c" },
  ],
  insertions: [
    { file: "agents/mlops-engineer.md", placement: { kind: "before", heading: agentReportBus }, template: "fragments/mlops-engineer.md.hbs" },
    { file: "agents/eda-analyst.md", placement: { kind: "before", heading: agentReportBus }, template: "fragments/eda-analyst.md.hbs" },
    {
      file: "agents/feature-engineering-analyst.md",
      placement: { kind: "before", heading: agentReportBus },
      template: "fragments/feature-engineering-analyst.md.hbs",
    },
    { file: "agents/developer.md", placement: { kind: "before", heading: agentReportBus }, template: "fragments/developer.md.hbs" },
    {
      file: coldstart,
      placement: { kind: "inListItem", section: { depth: 3, text: /^Stage 2a:/ }, item: /\beda-analyst\b/ },
      template: "fragments/coldstart-eda-note.md.hbs",
    },
    {
      file: coldstart,
      placement: { kind: "inListItem", section: { depth: 3, text: /^Stage 2b:/ }, item: /\bfeature-engineering-analyst\b/ },
      template: "fragments/coldstart-features-note.md.hbs",
    },
    {
      file: coldstart,
      placement: { kind: "inListItem", section: { depth: 3, text: /^Stage 4:/ }, item: /\bdeveloper\b/ },
      template: "fragments/coldstart-training-note.md.hbs",
    },
    {
      file: coldstart,
      placement: { kind: "endOfSection", heading: { depth: 3, text: /^Stage 5b:/ } },
      template: "fragments/coldstart-stage-5c.md.hbs",
    },
    {
      file: analyze,
      placement: { kind: "inListItem", section: { depth: 2, text: "Workflow" }, item: /\beda-analyst\b/ },
      template: "fragments/analyze-eda-note.md.hbs",
    },
    {
      file: analyze,
      placement: { kind: "inListItem", section: { depth: 2, text: "Workflow" }, item: /\bfeature-engineering-analyst\b/ },
      template: "fragments/analyze-features-note.md.hbs",
    },
    { file: "skills/team-coldstart/SKILL.md", placement: { kind: "endOfDocument" }, template: "fragments/skill-team-coldstart.md.hbs" },
    { file: "skills/team-analyze/SKILL.md", placement: { kind: "endOfDocument" }, template: "fragments/skill-team-analyze.md.hbs" },
    {
      file: "README.md",
      placement: { kind: "before", heading: { depth: 2, text: "What's New in v1.2.1" } },
      template: "fragments/readme-whats-new.md.hbs",
    },
    { file: "README.md", placement: { kind: "tableRow", section: { depth: 2, text: "Skills" } }, template: "fragments/readme-skills-row.md.hbs" },
  ],
  newFiles: [
    { file: "commands/registry.md", template: "files/commands/registry.md.hbs" },
    { file: "skills/registry/SKILL.md", template: "files/skills/registry/SKILL.md.hbs" },
  ],
  runtimeSections: ["ml_utils/09-mlops-registry.py", "ml_utils/registry-command.py", "ml_utils/command-line.py"],
  runtimeApi: [
    "save_model_entry",
    "load_model_registry",
    "get_champion_model",
    "promote_model",
    "save_feature_entries",
    "load_feature_store",
    "save_experiment",
    "load_experiments",
    "save_data_version",
    "compute_data_fingerprint",
    "load_data_versions",
  ],
};
