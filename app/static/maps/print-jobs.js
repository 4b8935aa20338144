// The map page's background jobs: the wall map (挂图) drawn by a job worker, and — for those who may —
// a run of the accident-prone identification, whose new candidates the candidate layer then shows.
import { jobButton } from "../job-button.js";
import { config, service, t } from "./common.js";

const poster = document.getElementById("hm-poster");
const posterStatus = document.getElementById("hm-poster-job");
if (poster && posterStatus) {
  jobButton(
    poster,
    posterStatus,
    () => [`${config.api.posters}/${encodeURIComponent(poster.dataset.code)}/jobs`, { params: { size: "A1" } }],
    { service, t, root: config.root },
  );
}

const detect = document.getElementById("hm-detect");
const detectStatus = document.getElementById("hm-detect-job");
if (detect && detectStatus) {
  jobButton(detect, detectStatus, () => [config.api.detection_jobs, { json: {} }], {
    service,
    t,
    root: config.root,
    confirm: t("detect_confirm"),
    done: (job, status) => {
      const s = job.summary;
      status.textContent = t("detect_done", { points: s.points_found, segments: s.segments_found, proposed: s.proposed });
      // The candidate layer, if it is on, shows the new ones.
      const layers = window.hmCrashLayers;
      if (layers && layers.candidates) layers.candidates.load();
    },
  });
}
