/** The release `npm run build:plugin` applies. A new release is one more file next to this one. */
export { release130 as currentRelease } from "./v1.3.0.ts";
