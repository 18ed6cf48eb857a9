/**
 * The releases `npm run build:plugin` knows, oldest first, each with the file it is written in.
 * Sources are brought forward through every release from their own version on. `npm run new-release
 * -- X.Y.Z` adds the next one here (an import and an entry); the current release is the last one.
 * The list is checked when it is loaded (release-loader.ts): a problem stops whatever imports it,
 * with the release file's line and column.
 */
import { fileURLToPath } from "node:url";
import { loadReleases, type ReleaseEntry } from "../release-loader.ts";
import v1_3_0 from "./v1.3.0.ts";

/** Every release, oldest first: the file (relative to the repository) and its data. */
export const releaseEntries: ReleaseEntry[] = [
  { file: "generator/releases/v1.3.0.ts", data: v1_3_0 },
];

const loaded = loadReleases(releaseEntries, fileURLToPath(new URL("../..", import.meta.url)));

/** Every release, checked, oldest first. */
export const releases = loaded.releases;

/** The newest release: the version every bundle is built to. */
export const currentRelease = loaded.current;
