/**
 * The page's files: `index.html` as written, and `app.js` and `app.css` bundled by esbuild from `../web/app.ts`
 * (uPlot included) when the dashboard starts, so that the page loads nothing from anywhere else and works offline.
 * The package ships `web/` and `api.ts` beside the compiled server (see `scripts/build.mjs`).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The three files the dashboard serves. */
export interface PageAssets {
  readonly html: string;
  readonly js: string;
  readonly css: string;
}

const WEB = new URL("../web/", import.meta.url);

/** Bundles the page. */
export async function buildPageAssets(): Promise<PageAssets> {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [fileURLToPath(new URL("app.ts", WEB))],
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    write: false,
    outdir: "/",
    logLevel: "silent",
    legalComments: "none",
  });
  const output = (extension: string) => result.outputFiles.find((file) => file.path.endsWith(extension))?.text ?? "";
  return { html: await readFile(new URL("index.html", WEB), "utf8"), js: output(".js"), css: output(".css") };
}
