import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * Built from the repository root (`npm run build:frontend` runs `vite build --config frontend/vite.config.ts`),
 * so the root is pinned to this folder rather than the working directory. Express serves `dist/` at `/`.
 */
const frontendRoot = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: frontendRoot,
  plugins: [react()],
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
