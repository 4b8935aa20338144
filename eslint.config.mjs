// ESLint (flat config) for the front end's own scripts and their Node tests; `make lint` runs it.
// Everything here comes from node_modules (npm ci): nothing is fetched when it runs.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "var/", ".venv/", "**/vendor/"] },
  js.configs.recommended,
  {
    // The pages' modules (type="module") with the browser's globals; a script that uses Leaflet says
    // so (/* global L */: it comes from the page's script tag).
    files: ["app/static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  {
    // The field app's service worker, and the outbox it shares with the page.
    files: ["app/static/maps/field-sw-core.js", "app/static/maps/field-outbox.js", "app/static/http.js"],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    files: ["tests/js/**/*.mjs", "eslint.config.mjs"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: { ...globals.node } },
  },
];
