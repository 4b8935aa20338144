// A button that starts a background job (wall map, report, detection run) and shows it beside itself:
// queued, the percentage while it runs, then the file to download (or what a detection run found).
import { percent, runJob } from "./jobs.js";

// button: what starts it; status: a role="status" element beside it; ask(): [path, {params, json}] (the
// path with the root path);
// service: an http.js Service; t(key, vars): the page's words; root: the service's root path;
// done(job, status): what to show when it has succeeded (default: a link to the file); confirm: a question
// asked first (the job replaces something).
export function jobButton(button, status, ask, { service, t, root = "", done = null, confirm = null }) {
  const bar = document.createElement("progress");
  bar.max = 1;
  const words = document.createElement("span");
  const showFile = (job) => {
    const link = document.createElement("a");
    link.className = "hm-job-file";
    link.href = root + job.links.result;
    link.download = job.file_name || "";
    link.textContent = t("job_download");
    status.replaceChildren(link);
  };
  button.addEventListener("click", async (event) => {
    event.preventDefault();
    if (button.getAttribute("aria-busy") === "true") return;
    if (confirm && !window.confirm(confirm)) return;
    button.setAttribute("aria-busy", "true");
    status.hidden = false;
    status.dataset.state = "queued";
    bar.value = 0;
    words.textContent = t("job_queued");
    status.replaceChildren(bar, " ", words);
    try {
      const [path, options] = ask();
      const job = await runJob(service, path, {
        root,
        ...options,
        onUpdate: (j) => {
          status.dataset.state = j.status;
          bar.value = j.progress || 0;
          words.textContent = j.status === "queued" ? t("job_queued") : t("job_running", { percent: percent(j) });
        },
      });
      status.dataset.state = "succeeded";
      (done || showFile)(job, status);
    } catch (err) {
      status.dataset.state = "failed";
      status.replaceChildren(t("job_failed", { error: err.message }));
    } finally {
      button.removeAttribute("aria-busy");
    }
  });
}
