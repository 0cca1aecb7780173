// Fields a config defines: `[headers-http-request]`, `[headers-http-response]` and
// `[headers-email]` entries (Arkime's arkime_config_load_header). Capture sets them and the
// query side must know them too, so they are defined here, once, from the config text.
import { defineField, type Field, type FieldKind } from './registry.js';

/** How a configured header's value becomes a field value. */
export type HeaderValueKind = 'string' | 'integer' | 'float' | 'ip' | 'lower';
export interface ConfiguredHeader { field: Field; kind: HeaderValueKind }

interface HeaderSection { exp: string; db: string; friendly: string; group: string; alias?: string; requiredRight?: string }

/** The config sections that define header fields, and how each names its fields. */
export const HEADER_SECTIONS: Record<string, HeaderSection> = {
  'headers-http-request': { exp: 'http.request.', db: 'http.request-', friendly: 'Request header ', group: 'http', alias: 'http.' },
  'headers-http-response': { exp: 'http.response.', db: 'http.response-', friendly: 'Response header ', group: 'http', alias: 'http.' },
  'headers-email': { exp: 'email.', db: 'email.header-', friendly: 'Email header ', group: 'email', requiredRight: 'emailSearch' },
};

/**
 * The field for one section entry such as `referer=type:string;count:true;unique:false`.
 * Unknown keys are ignored, as Arkime does. Defining the same entry twice returns the same field.
 */
export function configuredHeader(sectionName: string, name: string, value: string): ConfiguredHeader {
  const sec = HEADER_SECTIONS[sectionName];
  if (!sec) throw new Error(`[${sectionName}] is not a header section`);
  const n = name.toLowerCase();
  let type = 'string';
  let count = false;
  let unique = true;
  for (const part of value.split(/[;,]/)) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const k = part.slice(0, colon).trim();
    const v = part.slice(colon + 1).trim();
    if (k === 'type') type = v;
    else if (k === 'count') count = v === 'true';
    else if (k === 'unique') unique = v !== 'false';
  }
  let kind: FieldKind = 'termfield';
  let hk: HeaderValueKind = 'string';
  if (type === 'integer') { kind = 'integer'; hk = 'integer'; }
  else if (type === 'float') { kind = 'float'; hk = 'float'; }
  else if (type === 'ip') { kind = 'ip'; hk = 'ip'; }
  else if (type === 'lotermfield' || type === 'lotextfield') { kind = type; hk = 'lower'; }
  else if (type === 'uptermfield' || type === 'textfield' || type === 'termfield') kind = type;
  const field = defineField({
    group: sec.group, exp: `${sec.exp}${n}`, db: `${sec.db}${n}`, kind,
    friendly: `${sec.friendly}${n}`, help: `${sec.friendly}${n}`,
    cnt: count, store: unique ? 'unique' : 'array',
    ...(sec.alias ? { aliases: [`${sec.alias}${n}`] } : {}),
    ...(sec.requiredRight ? { requiredRight: sec.requiredRight } : {}),
  });
  return { field, kind: hk };
}

/** Define every header field the config's sections name (query and viewer call this at start). */
export function defineConfigFields(section: (name: string) => Map<string, string>): void {
  for (const s of Object.keys(HEADER_SECTIONS)) {
    for (const [name, value] of section(s)) configuredHeader(s, name, value);
  }
}
