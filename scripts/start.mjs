// `npm start`: compile the TypeScript (and, once it exists, the front end) when sources are newer than
// the build, then run the service. Keeps the quick start to `npm install && npm start`.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function newestMtime(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function buildIfStale(label, sources, output, command, args) {
  const builtAt = existsSync(output) ? statSync(output).mtimeMs : 0;
  const changedAt = Math.max(
    ...sources.map((s) =>
      statSync(join(root, s), { throwIfNoEntry: false })?.isDirectory()
        ? newestMtime(join(root, s))
        : (statSync(join(root, s), { throwIfNoEntry: false })?.mtimeMs ?? 0),
    ),
  );
  if (builtAt >= changedAt) return;
  console.log(`[start] building ${label}...`);
  execFileSync(command, args, { cwd: root, stdio: "inherit" });
}

const npx = process.platform === "win32" ? "npx.cmd" : "npx";
buildIfStale("the server", ["src", "tsconfig.json", "tsconfig.build.json", "package.json"], join(root, "dist", "main.js"), npx, [
  "tsc",
  "-p",
  "tsconfig.build.json",
]);
if (existsSync(join(root, "frontend", "package.json")) || existsSync(join(root, "frontend", "index.html"))) {
  buildIfStale("the front end", ["frontend"], join(root, "frontend", "dist", "index.html"), "npm", ["run", "build:frontend", "--silent"]);
}

await import(join(root, "dist", "main.js"));
