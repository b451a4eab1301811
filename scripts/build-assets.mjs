// Builds the front-end libraries from node_modules (installed by `npm ci` from package-lock.json)
// into static/vendor/: files a package ships ready are copied, the project's own entry points in
// assets/ are bundled with esbuild. Run by `make assets`; nothing here is hand-copied.
import { build } from "esbuild";
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "vendor");
const modules = join(root, "node_modules");

// [package, file inside the package, name in static/vendor] (axe-core, for the browser tests
// only, is read from node_modules by them and not served)
const COPIES = [
  ["htmx.org", "dist/htmx.min.js", "htmx.min.js"],
  ["tom-select", "dist/js/tom-select.complete.min.js", "tom-select.min.js"],
  ["tom-select", "dist/css/tom-select.css", "tom-select.css"],
  // The source maps the two files name: collectstatic's manifest storage refuses a file that
  // names one it cannot find.
  ["tom-select", "dist/js/tom-select.complete.min.js.map", "tom-select.complete.min.js.map"],
  ["tom-select", "dist/css/tom-select.css.map", "tom-select.css.map"],
];

async function packageInfo(name) {
  const meta = JSON.parse(await readFile(join(modules, name, "package.json"), "utf8"));
  return { version: meta.version, license: meta.license ?? "" };
}

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const rows = [];
for (const [name, file, target] of COPIES) {
  await copyFile(join(modules, name, file), join(out, target));
  const { version, license } = await packageInfo(name);
  rows.push(`| ${target} | ${name} | ${version} | ${license} |`);
}
// Every assets/<name>.js is an entry point: static/vendor/<name>.js, one file, no module loader;
// assets/sw-<part>.js are parts of the service worker (assets/sw.js imports them), not entries.
const entries = (await readdir(join(root, "assets"))).filter(
  (f) => f.endsWith(".js") && !f.startsWith("sw-"),
);
for (const entry of entries) {
  await build({
    entryPoints: [join(root, "assets", entry)],
    outfile: join(out, entry),
    bundle: true,
    minify: true,
    format: "iife",
    target: ["es2020"],
    legalComments: "linked",
    logLevel: "warning",
    // Workbox (in the service worker) keeps its debug logging behind this switch.
    define: { "process.env.NODE_ENV": '"production"' },
  });
  rows.push(`| ${entry} | assets/${entry} (bundled with esbuild) | | |`);
}
await writeFile(
  join(out, "VENDORED.md"),
  [
    "# Built by scripts/build-assets.mjs (make assets); do not edit",
    "",
    "| file | package | version | licence |",
    "|---|---|---|---|",
    ...rows,
    "",
  ].join("\n"),
);
console.log(`static/vendor: ${rows.length} files`);
