// Generates a TypeScript client (types) from a running Tripline's
// /openapi.json with openapi-typescript's default options, then type-checks
// program.ts against it with tsc --strict. Run by cmd/tripline's
// TestTypeScriptClient with TRIPLINE_URL set; prints the generated file's
// line count and tsc's verdict, and exits non-zero when either step fails.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, copyFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const here = dirname(fileURLToPath(import.meta.url));
const base = process.env.TRIPLINE_URL;
if (!base) {
  console.error("check.mjs: set TRIPLINE_URL to a running Tripline");
  process.exit(2);
}
const res = await fetch(new URL("/openapi.json", base));
if (!res.ok) {
  console.error(`GET /openapi.json: ${res.status}`);
  process.exit(1);
}
const doc = await res.json();
const ast = await openapiTS(doc); // default options
const source = astToString(ast);
const out = process.env.TRIPLINE_TS_OUT || mkdtempSync(join(tmpdir(), "tripline-ts-"));
writeFileSync(join(out, "tripline.ts"), source);
copyFileSync(join(here, "program.ts"), join(out, "program.ts"));
console.log(`generated tripline.ts: ${source.split("\n").length} lines`);

const tsc = join(here, "node_modules", "typescript", "bin", "tsc");
const r = spawnSync(process.execPath, [tsc, "--strict", "--noEmit", "--target", "es2022", "--module", "esnext",
  "--moduleResolution", "bundler", join(out, "program.ts")], { encoding: "utf8" });
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
if (r.status !== 0) {
  console.log(`tsc --strict: failed (exit ${r.status})`);
  process.exit(1);
}
console.log("tsc --strict: 0 errors");
