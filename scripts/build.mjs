// `npm run build`, run by `npm pack` and `npm publish` (prepack): compiles runtime/, drivers/, generated/, dashboard/ and
// codegen/ to JavaScript with declarations in dist/ (tsconfig.build.json) and bundles the dashboard's page, from an empty dist/ so that no file of
// a removed source is packed. `--clean` only removes dist/ (postpack), so that no build is left in a checkout,
// where `qmi-ts` imports resolve to the TypeScript sources (the `qmi-ts-source` condition) and a stale dist/ could
// otherwise be picked up by a process started without it.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(new URL("../dist/", import.meta.url), { recursive: true, force: true });
if (!process.argv.includes("--clean")) {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit", timeout: 300_000 });
  if (result.status !== 0) {
    console.error(`build: tsc -p tsconfig.build.json failed (${result.error?.message ?? `exit code ${result.status}`})`);
    process.exit(1);
  }
  // The dashboard's page, bundled (uPlot included) with the compiled server's own bundler.
  const { bundlePage } = await import(new URL("../dist/dashboard/server/page-assets.js", import.meta.url).href);
  const { js, css } = await bundlePage(new URL("../dashboard/web/app.ts", import.meta.url));
  const web = new URL("../dist/dashboard/web/", import.meta.url);
  mkdirSync(web, { recursive: true });
  writeFileSync(new URL("app.js", web), js);
  writeFileSync(new URL("app.css", web), css);
  copyFileSync(new URL("../dashboard/web/index.html", import.meta.url), new URL("index.html", web));
}
