// The field registry as the viewer publishes it (GET /api/fields), loaded once.
import { reactive } from 'vue';
import { api } from './api.js';

export const fieldStore = reactive({ list: [], byExp: {}, byDb: {}, loaded: false, error: '' });

/** Normalise one entry: Arkime's map form (exp → {dbField, type, friendlyName, help, group}) or an array item. */
function normalise(exp, f) {
  return {
    exp: f.exp || exp,
    dbField: f.dbField || f.dbField2 || f.db || exp,
    type: f.type || f.kind || 'termfield',
    friendlyName: f.friendlyName || f.friendly || exp,
    help: f.help || '',
    group: f.group || 'general',
    noFacet: !!f.noFacet,
    regex: f.regex,
  };
}

let loading = null;

export function loadFields() {
  if (loading) return loading;
  loading = api.get('/api/fields', { array: 'true' }).then((data) => {
    const entries = Array.isArray(data) ? data.map((f) => [f.exp, f]) : Object.entries(data || {});
    const list = entries.map(([exp, f]) => normalise(exp, f)).filter((f) => f.exp);
    list.sort((a, b) => a.exp.localeCompare(b.exp));
    fieldStore.list = list;
    fieldStore.byExp = Object.fromEntries(list.map((f) => [f.exp, f]));
    // The first expression that names a document path wins (aliases come later alphabetically too).
    const byDb = {};
    for (const f of list) if (!byDb[f.dbField] && !f.regex) byDb[f.dbField] = f;
    fieldStore.byDb = byDb;
    fieldStore.loaded = true;
  }).catch((e) => { fieldStore.error = e.message; loading = null; });
  return loading;
}

/** The field for a document path, or a stand-in so unknown paths still display. */
export function fieldForDb(db) {
  return fieldStore.byDb[db] || { exp: db, dbField: db, type: 'termfield', friendlyName: db, help: '', group: db.includes('.') ? db.split('.')[0] : 'general' };
}

/** Fields grouped by their group, groups sorted with `general` first. */
export function fieldsByGroup(filter = () => true) {
  const groups = {};
  for (const f of fieldStore.list) if (filter(f)) (groups[f.group] ||= []).push(f);
  return Object.keys(groups).sort((a, b) => (a === 'general' ? -1 : b === 'general' ? 1 : a.localeCompare(b))).map((g) => ({ group: g, fields: groups[g] }));
}
