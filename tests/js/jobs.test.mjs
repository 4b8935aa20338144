// A background job asked for and polled (app/static/jobs.js), run by `node --test` (tests/test_js.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { Service } from "../../app/static/http.js";
import { JobFailed, percent, runJob } from "../../app/static/jobs.js";

function fakeFetch(...answers) {
  const calls = [];
  const fetch = async (u, init) => {
    calls.push({ url: u, init });
    return answers.shift();
  };
  return { calls, fetch };
}

const json = (body, status = 200, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
const job = (status, progress, extra = {}) => ({ id: 7, status, progress, links: { self: "/api/v1/jobs/7" }, ...extra });

test("a job is asked for with the CSRF token, then polled at its Location until it has succeeded", async () => {
  const { calls, fetch } = fakeFetch(
    json(job("queued", 0), 202, { Location: "/api/v1/jobs/7" }),
    json(job("running", 0.3)),
    json(job("succeeded", 1, { links: { self: "/api/v1/jobs/7", result: "/api/v1/jobs/7/result" } })),
  );
  const seen = [];
  const done = await runJob(new Service({ csrf: "tok", fetch }), "/hm/api/v1/posters/371502/jobs", {
    params: { size: "A1" }, root: "/hm", onUpdate: (j) => seen.push(percent(j)),
  });
  assert.equal(done.links.result, "/api/v1/jobs/7/result");
  assert.deepEqual(seen, ["0%", "30%", "100%"]);
  assert.equal(calls[0].url, "/hm/api/v1/posters/371502/jobs?size=A1");
  assert.equal(calls[0].init.method, "POST");
  assert.equal(calls[0].init.headers["X-CSRF-Token"], "tok");
  assert.deepEqual(calls.slice(1).map((c) => [c.url, c.init.method]), [["/hm/api/v1/jobs/7", "GET"], ["/hm/api/v1/jobs/7", "GET"]]);
});

test("a failed job rejects with its error; a refused request with the problem's detail", async () => {
  const failing = fakeFetch(json(job("running", 0.5), 202, { Location: "/api/v1/jobs/7" }), json(job("failed", 1, { error: "坏了" })));
  await assert.rejects(runJob(new Service({ fetch: failing.fetch }), "/api/v1/reports/jobs"), (err) => {
    assert.ok(err instanceof JobFailed);
    assert.equal(err.message, "坏了");
    return true;
  });
  const refused = fakeFetch(json({ status: 422, detail: "period: a year (2026)…" }, 422));
  await assert.rejects(runJob(new Service({ fetch: refused.fetch }), "/api/v1/reports/jobs"), /period: a year/);
});
