// @ts-check
// Lint rules for the server, tests, benchmarks and the web app. Type-aware (typescript-eslint's
// projectService reads each file's own tsconfig), so floating promises and unsafe `any` flows are caught;
// formatting is Prettier's job, so eslint-config-prettier switches off every stylistic rule.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "frontend/dist/", "coverage/", "test-output/", "data/", "node_modules/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["*.js", "*.mjs", "scripts/*.mjs", "frontend/vite.config.ts", "vitest.config.ts"] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: {
      // `_name` marks a parameter an interface requires but this implementation does not use.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Express and event emitters take callbacks returning promises; their errors are handled inside.
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false, attributes: false } }],
      // Stores over synchronous drivers (better-sqlite3) implement Promise-returning interfaces with
      // `async` methods that never await: the keyword is what turns a thrown SQLite error into a
      // rejection the caller handles, so it is deliberate, not a forgotten await.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Tests read JSON off the wire and check it with expect(): the assertion is the type check, so
    // untyped response bodies are expected there (and vitest's matchers trip unbound-method).
    files: ["tests/**/*.ts", "**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
  {
    files: ["frontend/src/**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: { "react-hooks/rules-of-hooks": "error", "react-hooks/exhaustive-deps": "warn" },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
