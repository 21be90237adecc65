/**
 * The page's files: `index.html` as written, and `app.js` and `app.css` bundled by esbuild from `../web/app.ts`
 * (uPlot included), so that the page loads nothing from anywhere else and works offline.
 *
 * The package ships them bundled (`scripts/build.mjs` calls {@link bundlePage}); in a checkout of qmi-ts, where
 * `web/` holds the sources, the dashboard bundles them when it starts.
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

/** The page's files: those the package ships, else bundled now from the sources. */
export async function loadPageAssets(): Promise<PageAssets> {
  const html = await readFile(new URL("index.html", WEB), "utf8");
  try {
    const [js, css] = await Promise.all([readFile(new URL("app.js", WEB), "utf8"), readFile(new URL("app.css", WEB), "utf8")]);
    return { html, js, css };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return { html, ...(await bundlePage(new URL("app.ts", WEB))) };
  }
}

/** Bundles the page's script `entry` (a `file:` URL of `web/app.ts`) and the styles it imports. */
export async function bundlePage(entry: URL): Promise<{ js: string; css: string }> {
  // esbuild is needed only here: to build the package, and in a checkout.
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [fileURLToPath(entry)],
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
  return { js: output(".js"), css: output(".css") };
}
