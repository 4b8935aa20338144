// A background job of the service (a wall map, a report, a detection run): asked for with a POST that
// answers 202 and the job's address, then polled until it has succeeded or failed. No DOM here.

// The first polls come quickly (a small poster is done in seconds), then every few seconds.
const DELAYS_MS = [300, 500, 800, 1000, 1500, 2000, 3000];

export class JobFailed extends Error {
  constructor(job) {
    super(job.error || job.status);
    this.name = "JobFailed";
    this.job = job;
  }
}

const pause = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// service: an http.js Service (the session's CSRF token on the POST); path and options as its send()
// takes them; root: the service's root path (the job's address is below it); onUpdate(job) after every answer. The finished job, or JobFailed with it.
export async function runJob(service, path, { params = {}, json, root = "", onUpdate = () => {} } = {}) {
  const response = await service.send(path, { method: "POST", params, json });
  let job = await response.json().catch(() => ({}));
  if (response.status !== 202) throw new Error(job.detail || String(response.status));
  const location = root + (response.headers.get("Location") || job.links.self);
  onUpdate(job);
  for (let i = 0; job.status === "queued" || job.status === "running"; i += 1) {
    await pause(DELAYS_MS[Math.min(i, DELAYS_MS.length - 1)]);
    job = await service.json(location);
    onUpdate(job);
  }
  if (job.status !== "succeeded") throw new JobFailed(job);
  return job;
}

// "42%" of a job's progress (0–1).
export function percent(job) {
  return `${Math.round((job.progress || 0) * 100)}%`;
}
