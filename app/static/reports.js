// The report page: the chosen report written by a job worker, its progress, then the file.
import { jobButton } from "./job-button.js";
import { Service } from "./http.js";

const config = JSON.parse(document.getElementById("hm-config").textContent);
const t = (key, vars = {}) => {
  let text = config.t[key] ?? key;
  for (const [k, v] of Object.entries(vars)) text = text.replace(`{${k}}`, String(v));
  return text;
};
const service = new Service({ csrf: config.csrf_token });
const form = document.getElementById("hm-report-form");
const field = (name) => form.elements.namedItem(name).value;

jobButton(
  document.getElementById("hm-report-make"),
  document.getElementById("hm-report-job"),
  () => [config.api.report_jobs, { params: { period: field("period"), jurisdiction: field("jurisdiction"), format: field("format") } }],
  { service, t, root: config.root },
);
