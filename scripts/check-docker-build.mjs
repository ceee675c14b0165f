// No Docker engine runs on CI machines, so this script performs the Dockerfile's steps itself in a
// clean copy of the repository: the build stage's COPY and RUN lines in order, then the runtime
// stage's COPY --from=build, and finally starts the runtime tree with the image's ENV, ENTRYPOINT (minus
// tini) and CMD and checks it serves health and the front end. A Dockerfile that would not build fails
// here, and so does one that still declares a VOLUME (Railway refuses those).
import { execFileSync, execSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "rose-docker-check-"));
const context = join(work, "context");
const stages = { build: join(work, "build"), runtime: join(work, "runtime") };
const log = (message) => console.log(`[docker-check] ${message}`);

/** Dockerfile instructions, with line continuations joined. */
function instructions(text) {
  return text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(" ") };
    });
}

/** The build context: tracked and unignored files, minus what .dockerignore excludes. */
function makeContext() {
  const ignored = readFileSync(join(root, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
  const excluded = (file) =>
    ignored.some((pattern) => {
      const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}(/|$)`);
      return regex.test(file);
    });
  for (const file of files) {
    if (excluded(file) || !existsSync(join(root, file))) continue;
    mkdirSync(dirname(join(context, file)), { recursive: true });
    cpSync(join(root, file), join(context, file));
  }
}

function copy(from, sources, dest, cwd) {
  const target = join(cwd, dest);
  for (const source of sources) {
    const path = join(from, source);
    if (!existsSync(path)) throw new Error(`COPY source missing: ${source}`);
    const to = sources.length > 1 || dest.endsWith("/") ? join(target, source.split("/").pop()) : target;
    mkdirSync(dirname(to), { recursive: true });
    cpSync(path, to, { recursive: true });
  }
}

function run(command, cwd, env) {
  // Ownership changes target the image's user; in this copy everything already belongs to us.
  const steps = command
    .split("&&")
    .map((s) => s.trim())
    .filter((s) => !/^chown\b/.test(s));
  const script = steps.join(" && ").replace(/\/data\b/g, join(work, "data"));
  log(`RUN ${script}`);
  execSync(script, { cwd, stdio: "inherit", env: { ...process.env, ...env, DEBIAN_FRONTEND: "noninteractive" }, shell: "/bin/bash" });
}

async function serves(url, tries = 120) {
  for (let i = 0; i < tries; i++) {
    try {
      const response = await fetch(url);
      if (response.ok) return response;
    } catch {
      // not listening yet: try again
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} never answered 200`);
}

try {
  makeContext();
  let stage = null;
  const env = {};
  let cmd = null;
  let entrypoint = [];
  for (const { op, args } of instructions(readFileSync(join(root, "Dockerfile"), "utf8"))) {
    if (op === "FROM") {
      stage = args.split(/\s+as\s+/i)[1];
      mkdirSync(stages[stage], { recursive: true });
      log(`stage ${stage}`);
    } else if (op === "COPY") {
      const parts = args.split(/\s+/).filter((p) => !p.startsWith("--chown"));
      const fromFlag = parts.find((p) => p.startsWith("--from="));
      const paths = parts.filter((p) => !p.startsWith("--"));
      const dest = paths.pop();
      const from = fromFlag ? join(stages[fromFlag.slice(7)], "") : context;
      const sources = fromFlag ? paths.map((p) => p.replace(/^\/app\//, "")) : paths;
      copy(from, sources, dest.replace(/^\.\/?/, "") || ".", stages[stage]);
    } else if (op === "RUN") {
      run(args, stages[stage], env);
    } else if (op === "ENV") {
      for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) env[key] = value;
    } else if (op === "CMD") {
      cmd = JSON.parse(args);
    } else if (op === "ENTRYPOINT") {
      entrypoint = JSON.parse(args);
    } else if (op === "VOLUME") {
      throw new Error("the Dockerfile declares a VOLUME: Railway refuses to build it (attach a volume to the service instead)");
    }
  }
  if (!cmd) throw new Error("the Dockerfile has no CMD");

  // tini is PID 1's signal forwarder in the image; here this script is the parent. Absolute paths the
  // image copied into itself (the entrypoint script) live in the runtime tree.
  const inImage = (arg) => (arg.startsWith("/") && existsSync(join(stages.runtime, arg)) ? join(stages.runtime, arg) : arg);
  const launch = [...entrypoint.filter((arg) => arg !== "tini" && arg !== "--").map(inImage), ...cmd];
  log(`starting the runtime tree: ${launch.join(" ")}`);
  const port = 18_000 + Math.floor(Math.random() * 2000);
  // The entrypoint drops root to the image's `node` user; a machine without one runs it as whoever runs this.
  const hasNodeUser = spawnSync("id", ["-u", "node"], { stdio: "ignore" }).status === 0;
  const runAs = hasNodeUser ? {} : { RUN_AS: userInfo().username };
  const runtimeEnv = {
    ...process.env,
    ...env,
    ...runAs,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATA_DIR: join(work, "data"),
    JWT_SECRET: "docker-check-0123456789abcdef".padEnd(48, "x"),
    GROQ_API_KEY: "docker-check",
    CORS_ORIGINS: "https://rose.example",
  };
  const child = spawn(launch[0], launch.slice(1), { cwd: stages.runtime, env: runtimeEnv, stdio: ["ignore", "inherit", "inherit"] });
  try {
    await serves(`http://127.0.0.1:${port}/api/v1/health`);
    const page = await (await serves(`http://127.0.0.1:${port}/`)).text();
    if (!page.includes('<div id="root">')) throw new Error("the front end's index.html is not served at /");
    log("the image's runtime tree serves health and the front end");
  } finally {
    child.kill("SIGTERM");
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
