// The pages' one way to ask the service (app/static/http.js), run by `node --test` (tests/test_js.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { loginUrl, problemOf, requestInit, Service, ServiceError, url } from "../../app/static/http.js";

// A fetch that answers each call with the next of ``answers`` and keeps what it was asked.
function fakeFetch(...answers) {
  const calls = [];
  const fetch = async (u, init) => {
    calls.push({ url: u, init });
    return answers.shift();
  };
  return { calls, fetch };
}

const problem = (status, detail, extra = {}) =>
  new Response(JSON.stringify({ status, detail, ...extra }), {
    status, headers: { "Content-Type": "application/problem+json" },
  });

test("parameters: empty ones left out, a list repeated, the rest encoded", () => {
  assert.equal(url("/api/v1/hazards", {}), "/api/v1/hazards");
  assert.equal(
    url("/api/v1/hazards", { status: ["reported", "claimed"], q: "东昌路 口", county: "", grade: null, limit: 0 }),
    "/api/v1/hazards?status=reported&status=claimed&q=%E4%B8%9C%E6%98%8C%E8%B7%AF+%E5%8F%A3&limit=0",
  );
});

test("the login page is under the service's root path and comes back to the page", () => {
  const here = { pathname: "/hm/map/371502", search: "?status=closed" };
  assert.equal(loginUrl("/hm", here), "/hm/login?next=%2Fhm%2Fmap%2F371502%3Fstatus%3Dclosed");
  assert.equal(loginUrl("", { pathname: "/wall", search: "" }), "/login?next=%2Fwall");
  assert.equal(loginUrl(undefined, { pathname: "/", search: "" }), "/login?next=%2F");
});

test("a read asks for JSON with the session's cookie and no CSRF token", () => {
  assert.deepEqual(requestInit({ csrf: "tok" }), {
    method: "GET", headers: { Accept: "application/json" }, credentials: "same-origin",
  });
});

test("a write carries the CSRF token, and JSON is sent as JSON", () => {
  const init = requestInit({ method: "post", json: { action: "claim" }, csrf: "tok", headers: { "If-Match": '"3"' } });
  assert.deepEqual(init, {
    method: "POST",
    headers: {
      Accept: "application/json", "If-Match": '"3"', "Content-Type": "application/json", "X-CSRF-Token": "tok",
    },
    credentials: "same-origin",
    body: '{"action":"claim"}',
  });
  // A content type of its own is kept (GeoJSON), a form body goes as it is, no token when there is none.
  const geo = requestInit({ method: "POST", json: {}, headers: { "Content-Type": "application/geo+json" } });
  assert.equal(geo.headers["Content-Type"], "application/geo+json");
  assert.equal("X-CSRF-Token" in geo.headers, false);
  const form = requestInit({ method: "POST", body: "x=1", accept: "application/geo+json", cache: "no-store" });
  assert.deepEqual([form.body, form.headers, form.cache], ["x=1", { Accept: "application/geo+json" }, "no-store"]);
});

test("a 401 sends the page to the login page, unless the call says not to", async () => {
  let logins = 0;
  const { calls, fetch } = fakeFetch(problem(401, "log in"), problem(401, "log in"), new Response("{}"));
  const service = new Service({ csrf: "tok", onLogin: () => { logins += 1; }, fetch });
  assert.equal((await service.send("/api/v1/stats")).status, 401);
  assert.equal(logins, 1);
  assert.equal((await service.send("/api/v1/field/area", { login: false })).status, 401);
  assert.equal(logins, 1);
  await service.send("/api/v1/hazards", { params: { bbox: "1,2,3,4" } });
  assert.deepEqual(calls.map((c) => c.url), ["/api/v1/stats", "/api/v1/field/area", "/api/v1/hazards?bbox=1%2C2%2C3%2C4"]);
  assert.equal(logins, 1);
});

test("the CSRF token may be read anew for each write (the field app's storage)", async () => {
  const { calls, fetch } = fakeFetch(new Response("{}", { status: 201 }));
  const service = new Service({ csrf: async () => "stored", fetch });
  await service.send("/api/v1/hazards", { method: "POST", json: {} });
  assert.equal(calls[0].init.headers["X-CSRF-Token"], "stored");
});

test("json(): the answer, or the API's problem as a ServiceError", async () => {
  const errors = [{ field: "properties.category", message: "unknown category ZZ99" }];
  const { fetch } = fakeFetch(
    new Response('{"total": 3}'),
    problem(422, "the hazard was refused", { errors }),
    new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }),
  );
  const service = new Service({ fetch });
  assert.deepEqual(await service.json("/api/v1/stats"), { total: 3 });
  const refused = await service.json("/api/v1/hazards").catch((e) => e);
  assert.ok(refused instanceof ServiceError);
  assert.equal(refused.status, 422);
  assert.equal(refused.message, "the hazard was refused");
  assert.deepEqual(refused.problem.errors, errors);
  const proxied = await service.json("/api/v1/hazards").catch((e) => e);
  assert.deepEqual([proxied.status, proxied.message], [502, "502 Bad Gateway"]);
});

test("problemOf: the body when it is a problem, else one made of the status", async () => {
  assert.deepEqual(await problemOf(problem(409, "stale")), { status: 409, detail: "stale" });
  assert.deepEqual(await problemOf(new Response("", { status: 500 })), { status: 500, detail: "500" });
});
