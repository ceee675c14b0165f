import react from "@vitejs/plugin-react";
import { createReadStream, readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

/**
 * Built from the repository root (`npm run build:frontend` runs `vite build --config frontend/vite.config.ts`),
 * so the root is pinned to this folder rather than the working directory. Express serves `dist/` at `/`.
 */
const frontendRoot = fileURLToPath(new URL(".", import.meta.url));
const nodeModules = fileURLToPath(new URL("../node_modules/", import.meta.url));

/**
 * What Silero VAD needs at run time (frontend/src/voice/silero-detector.ts), under fixed names, since
 * MicVAD and ONNX Runtime ask for them by name from one base path: the v5 model, MicVAD's AudioWorklet,
 * and what ONNX Runtime's wasm backend loads at run time: its Emscripten glue (imported by URL, not
 * bundled) and the WebAssembly (the browser's network log shows these two). Not under assets/: they are not content-hashed, so not cached for good.
 */
const VAD_ASSETS = [
  "@ricky0123/vad-web/dist/silero_vad_v5.onnx",
  "@ricky0123/vad-web/dist/vad.worklet.bundle.min.js",
  "onnxruntime-web/dist/ort-wasm-simd-threaded.mjs",
  "onnxruntime-web/dist/ort-wasm-simd-threaded.wasm",
].map((path) => nodeModules + path);

const CONTENT_TYPES: Record<string, string> = {
  ".onnx": "application/octet-stream",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".mjs": "text/javascript",
};

/** Copies VAD_ASSETS into the build's vad/ (served by Rose like the rest), and serves them there in `vite` dev. */
function vadAssets(): Plugin {
  const byName = new Map(VAD_ASSETS.map((path) => [basename(path), path]));
  return {
    name: "rose-vad-assets",
    generateBundle() {
      for (const [name, path] of byName) this.emitFile({ type: "asset", fileName: `vad/${name}`, source: readFileSync(path) });
    },
    configureServer(server) {
      server.middlewares.use("/vad", (req, res, next) => {
        const path = byName.get(basename(req.url?.split("?")[0] ?? ""));
        if (!path) return next();
        res.setHeader("Content-Type", CONTENT_TYPES[path.slice(path.lastIndexOf("."))] ?? "application/octet-stream");
        createReadStream(path).pipe(res);
      });
    },
  };
}

export default defineConfig({
  root: frontendRoot,
  plugins: [react(), vadAssets()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Hashed file names under assets/ are what lets the server cache them for a year.
    assetsDir: "assets",
    sourcemap: true,
  },
  server: {
    // `npx vite --config frontend/vite.config.ts` during development, with the API running on 8080.
    proxy: { "/api": "http://localhost:8080" },
  },
});
