/**
 * Release 1.3.0, the MLOps registry layer (model registry with champion/challenger, feature store,
 * experiment tracking, data versioning, /registry). Data only: the engine applies it.
 * Templates are in templates/releases/1.3.0/.
 */
import { REGISTRY_PATH_PATTERN } from "../constants.ts";
import type { HeadingRef, Placement, ReleaseData, Rewrite } from "../release.ts";

const coldstart = "commands/team-coldstart.md";
const analyze = "commands/team-analyze.md";

/**
 * Where an agent's registry section goes: before its Agent Report Bus section, or, in trees whose agent
 * has none (upstream's feature-engineering-analyst), before its Prior Context section. Neither: an
 * error naming both (never a silent append at the end).
 */
const agentSection: Placement[] = [
  { kind: "before", heading: { depth: 2, text: /^Agent Report Bus\b/ } },
  { kind: "before", heading: { depth: 2, text: /^Prior Context\b/ } },
];

/**
 * Where a workflow note goes: in the list item of the step that spawns `agent`, or, in trees that spawn
 * it from a paragraph or a code block instead of a list, directly after that block.
 */
function stepNote(section: HeadingRef, agent: RegExp): Placement[] {
  return [
    { kind: "inListItem", section, item: agent },
    { kind: "afterBlock", section, block: { type: "paragraph", text: agent } },
    { kind: "afterBlock", section, block: { type: "code", text: agent } },
  ];
}

/** The title of a workflow command: namespaced as Claude Code lists it, bare, or a plain title (upstream). */
function commandTitle(name: string, title: RegExp): HeadingRef[] {
  return [{ depth: 1, text: `/ml-automation:${name}` }, { depth: 1, text: `/${name}` }, { depth: 1, text: title }];
}

/**
 * The copy step of the 1.2.1 commands, and the plugin program that replaces it: Claude Code blocks a
 * `cp` out of the plugin folder. Optional: trees whose commands word the step otherwise keep it.
 */
function copyRuntime(file: string, section: HeadingRef | HeadingRef[]): Rewrite {
  return {
    file,
    section,
    from: "Copy `${CLAUDE_PLUGIN_ROOT}/templates/ml_utils.py` into the project root if it is not there.",
    to: "Run `ml-automation copy-runtime`: it puts the plugin's `ml_utils.py` into the project root (an older copy is kept as `ml_utils.py.bak`).",
    optional: true,
  };
}

export const release130: ReleaseData = {
  version: "1.3.0",
  templateDir: "templates/releases/1.3.0",
  description: {
    mention: "MLOps registry layer",
    sentence: "Includes an MLOps registry layer: models with champion/challenger, features, experiments, data versions.",
  },
  rewrites: [
    { file: coldstart, section: commandTitle("team-coldstart", /^Team Coldstart\b/), from: "5b → 6", to: "5b → 5c → 6" },
    // Upstream's own checkout words it "before proceeding to Stage 6".
    {
      file: coldstart,
      section: { depth: 3, text: /^Stage 5b:/ },
      from: ["continue with Stage 6", "before proceeding to Stage 6"],
      to: ["continue with Stage 5c", "before proceeding to Stage 5c"],
    },
    copyRuntime(coldstart, { depth: 3, text: /^Stage 1:/ }),
    copyRuntime(analyze, commandTitle("team-analyze", /^Team Analyze\b/)),
    copyRuntime("commands/eda.md", commandTitle("eda", /^EDA\b/)),
    copyRuntime("commands/status.md", commandTitle("status", /^Status\b/)),
    // Every other workflow and agent that imports ml_utils makes sure it is there first.
    ...["deploy", "evaluate", "preprocess", "report", "team-review", "test", "train"].map((name) =>
      copyRuntime(`commands/${name}.md`, commandTitle(name, new RegExp(`^${name.replace("-", " ")}\\b`, "i")))),
    ...["brutal-code-reviewer", "developer", "eda-analyst", "feature-engineering-analyst", "frontend-ux-analyst", "ml-theory-advisor",
      "mlops-engineer", "orchestrator", "pr-approver"].map((agent) => copyRuntime(`agents/${agent}.md`, { depth: 2, text: /^Agent Report Bus\b/ })),
  ],
  insertions: [
    { file: "agents/mlops-engineer.md", placement: agentSection, template: "fragments/mlops-engineer.md.hbs" },
    { file: "agents/eda-analyst.md", placement: agentSection, template: "fragments/eda-analyst.md.hbs" },
    {
      file: "agents/feature-engineering-analyst.md",
      placement: agentSection,
      template: "fragments/feature-engineering-analyst.md.hbs",
    },
    { file: "agents/developer.md", placement: agentSection, template: "fragments/developer.md.hbs" },
    {
      file: coldstart,
      placement: stepNote({ depth: 3, text: /^Stage 2a:/ }, /\beda-analyst\b/),
      template: "fragments/coldstart-eda-note.md.hbs",
    },
    {
      file: coldstart,
      placement: stepNote({ depth: 3, text: /^Stage 2b:/ }, /\bfeature-engineering-analyst\b/),
      template: "fragments/coldstart-features-note.md.hbs",
    },
    {
      file: coldstart,
      placement: stepNote({ depth: 3, text: /^Stage 4:/ }, /\bdeveloper\b/),
      template: "fragments/coldstart-training-note.md.hbs",
    },
    {
      file: coldstart,
      placement: { kind: "endOfSection", heading: { depth: 3, text: /^Stage 5b:/ } },
      template: "fragments/coldstart-stage-5c.md.hbs",
    },
    {
      file: analyze,
      placement: stepNote({ depth: "any", text: "Workflow" }, /\beda-analyst\b/),
      template: "fragments/analyze-eda-note.md.hbs",
    },
    {
      file: analyze,
      placement: stepNote({ depth: "any", text: "Workflow" }, /\bfeature-engineering-analyst\b/),
      template: "fragments/analyze-features-note.md.hbs",
    },
    // Trees that still keep a skill beside each workflow command (upstream 1.2.1) get a note there too.
    { file: "skills/team-coldstart/SKILL.md", placement: { kind: "endOfDocument" }, template: "fragments/skill-team-coldstart.md.hbs", optional: true },
    { file: "skills/team-analyze/SKILL.md", placement: { kind: "endOfDocument" }, template: "fragments/skill-team-analyze.md.hbs", optional: true },
    {
      file: "README.md",
      placement: { kind: "before", heading: { depth: 2, text: /^Skills\b/ } },
      template: "fragments/readme-registry.md.hbs",
    },
    {
      file: "README.md",
      placement: { kind: "before", heading: { depth: 2, text: "What's New in v1.2.1" } },
      template: "fragments/readme-whats-new.md.hbs",
    },
    {
      file: "README.md",
      placement: [
        { kind: "tableRow", section: { depth: 2, text: "Commands" } },
        { kind: "tableRow", section: { depth: 2, text: /^Skills\b/ } },
      ],
      template: "fragments/readme-commands-row.md.hbs",
    },
  ],
  newFiles: [
    { file: "commands/registry.md", template: "files/commands/registry.md.hbs" },
    { file: "bin/ml-automation", template: "files/bin/ml-automation", executable: true },
    { file: "hooks/registry_guard.py", template: "files/hooks/registry_guard.py" },
    { file: "hooks/plugin_options.py", template: "files/hooks/plugin_options.py" },
  ],
  hooks: [
    // The team-server options a person sets with `claude plugin configure` (userConfig) become the
    // runtime's settings for the session's shell commands.
    { event: "SessionStart", command: 'python3 "${CLAUDE_PLUGIN_ROOT}/hooks/plugin_options.py"', timeout: 10 },
    // A hand-made write to a registry file is checked before it lands (the runtime refuses to touch
    // a file it cannot read, so a broken one would stop every later registry call). The guard starts
    // only for a file below a registry folder (`if`: a rule of each tool's own name), so every other
    // write costs nothing.
    ...(["Write", "Edit", "MultiEdit"] as const).map((tool) => ({
      event: "PreToolUse",
      matcher: tool,
      if: `${tool}(${REGISTRY_PATH_PATTERN})`,
      command: 'python3 "${CLAUDE_PLUGIN_ROOT}/hooks/registry_guard.py"',
      timeout: 10,
    })),
  ],
  personOnly: {
    registry: "a view of the registries for the person; agents read them through ml_utils",
    status: "a progress view for the person; agents read the reports through ml_utils",
    deploy: "builds and starts a service: a person decides when",
    "team-coldstart": "starts a dozen agent runs over many minutes: a person decides when",
    "team-review": "four agents and an approval decision: a person asks for it before merging",
  },
  runtimeSections: ["ml_utils/09-mlops-registry.py", "ml_utils/10-mlflow-mirror.py", "ml_utils/11-artifacts.py", "ml_utils/plugin-commands.py"],
  // The MLflow mirror's client side: loaded by the library when a project turns the mirror on.
  mirrorSections: ["ml_utils_mlflow/preamble.py", "ml_utils_mlflow/mlflow-client.py"],
  // What a person runs as a command: compiled into templates/ml_automation.py, which stays in the plugin.
  commandSections: [
    "ml_automation/preamble.py",
    "ml_automation/places.py",
    "ml_automation/labels.py",
    "ml_automation/registry-snapshot.py",
    "ml_automation/registry-repair.py",
    "ml_automation/mlflow-sync.py",
    "ml_automation/lineage-graph.py",
    "ml_automation/registry-report.py",
    "ml_automation/registry-diff.py",
    "ml_automation/registry-search.py",
    "ml_automation/registry-promotion.py",
    "ml_automation/registry-command.py",
    "ml_automation/editor-command.py",
    "ml_automation/runtime-copy.py",
    "ml_automation/api-page.py",
    "ml_automation/command-line.py",
  ],
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
    "new_id",
    "save_model_artifact",
    "check_artifact",
    "model_artifact",
    "reproduction_facts",
    "promote_if_better",
  ],
};

export default release130;
