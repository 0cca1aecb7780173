// A tiny router: the page is the path, the state is the query string. Every search writes its
// parameters into the URL, so a URL reproduces the search and can be shared.
import { reactive } from 'vue';

export const PAGES = ['sessions', 'spiview', 'spigraph', 'connections', 'files', 'stats', 'users', 'settings', 'welcome'];

function read() {
  const page = location.pathname.replace(/^\/+|\/+$/g, '') || 'sessions';
  return { page: PAGES.includes(page) ? page : 'sessions', query: Object.fromEntries(new URLSearchParams(location.search)) };
}

export const route = reactive(read());

window.addEventListener('popstate', () => Object.assign(route, read()));

function href(page, query) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `/${page}${s ? `?${s}` : ''}`;
}

/** Go to a page; `replace` rewrites the current history entry. False when the URL did not change. */
export function navigate(page, query = {}, replace = false) {
  const h = href(page, query);
  if (h === location.pathname + location.search) return false;
  history[replace ? 'replaceState' : 'pushState'](null, '', h);
  Object.assign(route, read());
  return true;
}

/** Update some query keys on the current page, keeping the others. */
export function setQuery(patch, replace = false) {
  return navigate(route.page, { ...route.query, ...patch }, replace);
}

/** The query keys every search page shares, so switching pages keeps the search. */
export const SEARCH_KEYS = ['expression', 'date', 'startTime', 'stopTime', 'bounding', 'interval'];

/** Without a date in the URL the UI searches everything: imported pcaps are rarely from the last hour. */
export const DEFAULT_DATE = '-1';

/** The search parameters for an API call (the URL's, with the default date filled in). */
export function apiSearchParams(q = route.query) {
  const out = searchQuery(q);
  if (!out.startTime && !out.date) out.date = DEFAULT_DATE;
  return out;
}

export function searchQuery(q = route.query) {
  const out = {};
  for (const k of SEARCH_KEYS) if (q[k] !== undefined && q[k] !== '') out[k] = q[k];
  return out;
}
