// Protocols recognised from an HTTP request path: Windows Remote Management and the Active
// Directory Certificate Services endpoints (web enrollment, NDES/SCEP, CEP, CES). Called by
// the HTTP parser with each request URL; matching is case-insensitive, as IIS is.
import type { SessionApi } from './api.js';

/** `p` is `dir` or lies below it (`/wsmania` is not under `/wsman`). */
const under = (p: string, dir: string) => p.startsWith(dir) && (p.length === dir.length || p.charCodeAt(dir.length) === 0x2f);

/** [label, test on the lower-cased path]; the first match wins. */
const RULES: [string, (p: string) => boolean][] = [
  ['winrm', (p) => under(p, '/wsman') || under(p, '/wsman-anon')],
  ['adcs-ndes', (p) => p.startsWith('/certsrv/mscep')],
  ['adcs-web', (p) => under(p, '/certsrv')],
  ['adcs-cep', (p) => p.includes('_cep_') || p.startsWith('/adpolicyprovider_cep')],
  ['adcs-ces', (p) => p.includes('_ces_') || p.startsWith('/enrollmentserver/')],
];

/** The path of a request target (absolute URLs lose their scheme and authority). */
export function requestPath(url: string): string {
  let start = 0;
  if (url.charCodeAt(0) !== 0x2f) {
    const scheme = url.indexOf('://');
    if (scheme < 0 || scheme > 8) return '';
    start = url.indexOf('/', scheme + 3);
    if (start < 0) return '';
  }
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x3f /* ? */ || c === 0x23 /* # */) { end = i; break; }
  }
  return url.slice(start, end).toLowerCase();
}

/** Add the protocol label of the first rule the URL's path matches, if any. */
export function addHttpUriLabels(s: SessionApi, url: string): void {
  const p = requestPath(url);
  if (p.length < 6) return;
  for (const [name, test] of RULES) {
    if (test(p)) { s.addProtocol(name); return; }
  }
}
