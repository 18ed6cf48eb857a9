/**
 * The headless Chromium the browser tests open pages in: the one npm package @sparticuz/chromium
 * ships (a devDependency, so `npm ci` brings it; no system browser, no download, no root). Its
 * compressed build is unpacked once into node_modules/.cache/ml-automation/ and reused; it renders
 * text with the Open Sans fonts the package carries, through a fontconfig file of its own, so pages
 * look the same on every machine.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { repoRoot } from "../helpers.ts";

/** What launching the browser needs: the program and the environment it runs with. */
export interface Browser {
  executablePath: string;
  env: Record<string, string>;
}

/** The unpacked Chromium (unpacking it first when this version has not been yet). Throws Error with the unpacker's output on failure. */
export function chromiumBrowser(): Browser {
  const require = createRequire(join(repoRoot, "package.json"));
  // The package exports no package.json: its manifest sits two folders above its entry (build/index.js).
  const manifest = join(dirname(dirname(require.resolve("@sparticuz/chromium"))), "package.json");
  const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };
  const folder = join(repoRoot, "node_modules", ".cache", "ml-automation", `chromium-${version}`);
  const ready = () => ({ executablePath: join(folder, "chromium"), env: { FONTCONFIG_FILE: join(folder, "fonts.conf") } });
  if (existsSync(join(folder, "fonts.conf"))) return ready();
  mkdirSync(dirname(folder), { recursive: true });
  // The package unpacks into the temporary folder it is given: a fresh one, moved into place whole,
  // so that parallel test files never see half a browser.
  const scratch = mkdtempSync(`${folder}.unpacking-`);
  const unpack = spawnSync(process.execPath, ["--input-type=module", "-e", 'const { default: chromium } = await import("@sparticuz/chromium"); console.log(await chromium.executablePath());'], {
    cwd: repoRoot,
    env: { ...process.env, TMPDIR: scratch, TMP: scratch, TEMP: scratch },
    encoding: "utf8",
  });
  if (unpack.status !== 0 || !existsSync(join(scratch, "chromium"))) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(`@sparticuz/chromium ${version} could not be unpacked:\n${unpack.stdout}${unpack.stderr}`);
  }
  writeFileSync(join(scratch, "fonts.conf"), `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(folder, "fonts", "fonts")}</dir>\n  <cachedir>${join(folder, "fonts-cache")}</cachedir>\n</fontconfig>\n`);
  try {
    renameSync(scratch, folder);
  } catch {
    rmSync(scratch, { recursive: true, force: true }); // another test file unpacked it first
  }
  return ready();
}
