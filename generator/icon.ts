/**
 * The plugin's icon: drawn at build time from the SVG the sources keep (`assets/icon.svg`) into the
 * square PNG the plugin directory asks for (`assets/icon.png`, where `claude plugin validate` looks;
 * Cursor's manifest names it as its `logo`). resvg renders it with no fonts and no network, so two
 * builds give the same bytes; the SVG itself is not shipped (the directory takes no SVG icon).
 */
import { Resvg } from "@resvg/resvg-js";
import { SourceError } from "./errors.ts";

/** Where the sources keep the icon, and where the bundle carries it (paths inside the plugin). */
export const ICON_SOURCE = "assets/icon.svg";
export const ICON_PATH = "assets/icon.png";
/** Side of the square icon in pixels (the directory takes 512 to 2048). */
export const ICON_SIZE = 512;

/**
 * Draws the SVG `svg` (read from `file`, for messages) as an ICON_SIZE-pixel square PNG. Throws
 * SourceError when it cannot be parsed or is not square.
 */
export function drawIcon(file: string, svg: Buffer): Buffer {
  let renderer: Resvg;
  try {
    renderer = new Resvg(svg, { fitTo: { mode: "width", value: ICON_SIZE }, font: { loadSystemFonts: false }, background: "rgba(0, 0, 0, 0)" });
  } catch (error) {
    throw new SourceError(file, `cannot be drawn as the plugin's icon: ${error instanceof Error ? error.message : String(error)}`, undefined, { ruleId: "icon-svg" });
  }
  if (renderer.width !== renderer.height) {
    throw new SourceError(file, `is ${renderer.width} by ${renderer.height}: the plugin's icon must be square`, undefined, { ruleId: "icon-svg" });
  }
  return renderer.render().asPng();
}
