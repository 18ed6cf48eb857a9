import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";
import { CLAUDE_CLIENT_ENV, CLAUDE_CLIENTS } from "./scripts/claude-cli.ts";

/**
 * The suites that run the real Claude Code CLI: each runs once per client of CLAUDE_CLIENTS (the
 * current release and the oldest supported one), in a vitest project named after its version.
 */
export const CLIENT_SUITES = [
  "test/claude-cli.test.ts",
  "test/registry-command.test.ts",
  "test/registry-mlflow-command.test.ts",
  "test/registry-diff.test.ts",
  "test/registry-promotion-command.test.ts",
  "test/commands-in-client.test.ts",
  "test/workflow-in-client.test.ts",
  "test/hooks-in-client.test.ts",
  "test/hooks-fail-open.test.ts",
  "test/guard-bypass.test.ts",
  "test/evals.test.ts",
  "test/harness/timeout.test.ts",
  "test/generator/upstream.test.ts",
];

const require = createRequire(import.meta.url);
const versionOf = (pkg: string) => (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), "utf8")) as { version: string }).version;

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true as const, test: { name: "generator and runtime", include: ["test/**/*.test.ts"], exclude: CLIENT_SUITES } },
      ...Object.entries(CLAUDE_CLIENTS).map(([client, pkg]) => ({
        extends: true as const,
        test: { name: `claude ${versionOf(pkg)} (${client})`, include: CLIENT_SUITES, env: { [CLAUDE_CLIENT_ENV]: client } },
      })),
    ],
  },
});
