// Talking to the viewer: same-origin fetch with the session cookie, the CSRF header on writes,
// and errors that carry the server's own text (expression errors are shown as the API words them).

let csrfToken = '';

export function setCsrfToken(t) { csrfToken = t || ''; }

export class ApiError extends Error {
  constructor(status, text) { super(text); this.status = status; }
}

/** Build `path?k=v&...`, leaving out empty values. */
export function url(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function errorText(res) {
  const body = await res.text();
  try {
    const j = JSON.parse(body);
    if (j && typeof j === 'object') return j.text || j.error || j.message || body;
  } catch { /* plain text */ }
  return body || `${res.status} ${res.statusText}`;
}

async function send(method, path, params, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET') {
    headers['X-Packrat-CSRF'] = csrfToken;
    if (body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  }
  const res = await fetch(url(path, params), init);
  if (res.status === 401) {
    // The session ended: go to the login form, then come back here.
    window.location.assign('/login');
    throw new ApiError(401, 'not logged in');
  }
  if (!res.ok) throw new ApiError(res.status, await errorText(res));
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json() : await res.text();
  if (data && typeof data === 'object' && data.success === false && data.text) throw new ApiError(res.status, data.text);
  return data;
}

export const api = {
  get: (path, params) => send('GET', path, params),
  post: (path, body, params) => send('POST', path, params, body),
  del: (path, params) => send('DELETE', path, params),
};

/** A bound the server reported, from the header `X-Packrat-Bound: name=value` or JSON `bounded`. */
export function boundOf(res, json) {
  if (json && json.bounded && json.bounded.name) return { name: json.bounded.name, value: json.bounded.value };
  const h = res && res.headers ? res.headers.get('x-packrat-bound') : null;
  if (!h) return null;
  const i = h.indexOf('=');
  return i < 0 ? { name: h, value: '' } : { name: h.slice(0, i).trim(), value: h.slice(i + 1).trim() };
}

/**
 * Fetch an export and hand it to the browser as a download. Returns the bound the server
 * reported (or null). The file name comes from Content-Disposition when the server sets one.
 */
export async function download(path, params, fallbackName) {
  const res = await fetch(url(path, params), { credentials: 'same-origin' });
  if (res.status === 401) { window.location.assign('/login'); throw new ApiError(401, 'not logged in'); }
  if (!res.ok) throw new ApiError(res.status, await errorText(res));
  const bound = boundOf(res, null);
  const blob = await res.blob();
  const cd = res.headers.get('content-disposition') || '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = m ? decodeURIComponent(m[1]) : fallbackName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  return { bound, size: blob.size };
}
