/**
 * The releases `npm run build:plugin` knows, oldest first. Sources are brought forward through every
 * release from their own version on; a new release is one more file next to these and one more entry.
 */
import { release130 } from "./v1.3.0.ts";

export const releases = [release130];

/** The newest release: the version every bundle is built to. */
export const currentRelease = release130;
