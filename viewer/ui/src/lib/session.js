// Reading values out of session documents, whichever way the server shaped them: flattened
// (`{"source.ip": ...}`), nested (`{source: {ip: ...}}`) or with arrays of objects (`dns[].host`).

export function getPath(doc, path) {
  if (!doc) return undefined;
  if (Object.prototype.hasOwnProperty.call(doc, path)) return doc[path];
  let cur = doc;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (cur === undefined || cur === null) return undefined;
    if (Array.isArray(cur)) {
      // An array of objects: collect the rest of the path from each one.
      const rest = parts.slice(i).join('.');
      const out = cur.flatMap((o) => { const v = getPath(o, rest); return v === undefined ? [] : Array.isArray(v) ? v : [v]; });
      return out.length ? out : undefined;
    }
    const joined = parts.slice(i).join('.');
    if (typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, joined)) return cur[joined];
    cur = cur[parts[i]];
  }
  return cur;
}

/** Every leaf of a document as [path, value]; arrays of objects merge their members' values per path. */
export function flattenDoc(doc) {
  const out = new Map();
  const add = (path, v) => {
    if (v === undefined || v === null || v === '') return;
    if (!out.has(path)) { out.set(path, v); return; }
    const prev = out.get(path);
    out.set(path, (Array.isArray(prev) ? prev : [prev]).concat(v));
  };
  const walk = (prefix, v) => {
    if (Array.isArray(v)) {
      if (v.length && v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) { for (const o of v) walk(prefix, o); return; }
      add(prefix, v);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, x);
    } else add(prefix, v);
  };
  walk('', doc);
  return out;
}

/** The document inside whatever envelope the server used (`_source`, `data`, or none). */
export function unwrapDoc(res) {
  if (!res || typeof res !== 'object') return {};
  if (res._source && typeof res._source === 'object') return { ...res._source, id: res.id ?? res._id };
  if (res.data && typeof res.data === 'object' && !Array.isArray(res.data)) return res.data;
  if (res.session && typeof res.session === 'object') return res.session;
  return res;
}
