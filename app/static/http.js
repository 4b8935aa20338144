// The one way the pages (and the field app's service worker) ask the service: a query string built from
// parameters, JSON asked for by default, the session's CSRF token on every write (without it the service
// refuses with 403), a refusal read as the API's problem (detail, errors), and — where the page says so —
// the login page when the session has ended (401). No DOM here: the service worker imports it too.

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

// base?k=v&k=v2: empty values left out, a list as the parameter repeated.
export function url(base, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === "") continue;
    for (const item of Array.isArray(v) ? v : [v]) query.append(k, String(item));
  }
  const qs = query.toString();
  return qs ? `${base}?${qs}` : base;
}

// The login page under the service's root path (a deployment under /hm/ logs in at /hm/login), coming
// back to where the person was.
export function loginUrl(root, { pathname, search }) {
  return url(`${root || ""}/login`, { next: pathname + search });
}

// What fetch() is given: the method, the headers (Accept; Content-Type and the body for JSON; the CSRF
// token on a write), the session's cookie (same origin only) and the rest as given.
export function requestInit({
  method = "GET", accept = "application/json", json, body, headers = {}, csrf = null, signal, cache,
} = {}) {
  const verb = method.toUpperCase();
  const sent = { Accept: accept, ...headers };
  if (json !== undefined) sent["Content-Type"] = sent["Content-Type"] || "application/json";
  if (csrf && WRITES.has(verb)) sent["X-CSRF-Token"] = csrf;
  const init = { method: verb, headers: sent, credentials: "same-origin" };
  if (json !== undefined) init.body = JSON.stringify(json);
  else if (body !== undefined) init.body = body;
  if (signal) init.signal = signal;
  if (cache) init.cache = cache;
  return init;
}

// The API's problem (application/problem+json: status, detail, errors), or one made from the status
// when the answer is not JSON (a proxy's error page).
export async function problemOf(response) {
  try {
    const problem = await response.json();
    if (problem && typeof problem === "object") return problem;
  } catch { /* not JSON */ }
  return { status: response.status, detail: `${response.status} ${response.statusText || ""}`.trim() };
}

export class ServiceError extends Error {
  constructor(status, problem) {
    super(problem.detail || String(status));
    this.name = "ServiceError";
    this.status = status;
    this.problem = problem;
  }
}

export class Service {
  // csrf: the session's token (a function for one read each time, e.g. from the field app's storage);
  // onLogin: what a 401 does (the pages go to the login page); fetch: for the tests.
  constructor({ csrf = null, onLogin = null, fetch = (...args) => globalThis.fetch(...args) } = {}) {
    this.csrf = csrf;
    this.onLogin = onLogin;
    this.fetch = fetch;
  }

  // The response as it came. A 401 calls onLogin unless the call says login: false (a page that keeps
  // working offline, a help that may fail quietly). A failed network is fetch's own TypeError.
  async send(path, { params = {}, login = true, ...options } = {}) {
    const csrf = typeof this.csrf === "function" ? await this.csrf() : this.csrf;
    const response = await this.fetch(url(path, params), requestInit({ csrf, ...options }));
    if (response.status === 401 && login && this.onLogin) this.onLogin();
    return response;
  }

  // The answer's JSON; a refusal throws a ServiceError with the API's problem.
  async json(path, options = {}) {
    const response = await this.send(path, options);
    if (!response.ok) throw new ServiceError(response.status, await problemOf(response));
    return response.json();
  }
}
