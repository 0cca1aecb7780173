// Anonymised exports: `anonymize=1` on the pcap, pcapng, CSV and session JSON routes, forced for a
// user whose document says `anonymize: true` (they cannot turn it off). Packets are rewritten by
// db/pcap/anonymize-packet; documents get every field of kind `ip` Crypto-PAn'd, and lose the
// community id (a hash of the real addresses and ports, which a dictionary search would invert).
import type { UserDoc } from '../db/backend/control-store.js';
import { CryptoPAn, v6Text } from '../db/anon/crypto-pan.js';
import { ipToBytes } from '../db/fields/columns.js';
import { forEachLeaf, parseSyntax } from '../db/expr/parser.js';
import type { FieldRegistry } from '../db/fields/registry.js';
import { PacketAnonymizer } from '../db/pcap/anonymize-packet.js';
import { getPath } from './export.js';
import { boolParam, HttpError } from './http.js';

/** One per viewer: the key from the config, checked when the viewer starts, and its caches. */
export class ExportAnonymizer {
  private cp: CryptoPAn | undefined;
  /** `key`: the config's anonymizeKey ('' when unset); a key that is set but bad throws AnonymizeKeyError. */
  constructor(private readonly key: string) { if (key !== '') this.cp = CryptoPAn.fromHex(key, 'anonymizeKey'); }

  /** Whether this request's output is anonymised: asked for with anonymize=1, or forced for the user. */
  static wanted(p: Record<string, string>, user: UserDoc): boolean { return user.anonymize === true || boolParam(p, 'anonymize'); }

  /** The cipher for a request that wants anonymisation; 400 naming anonymizeKey when the viewer has none. */
  forRequest(p: Record<string, string>, user: UserDoc): CryptoPAn | undefined {
    if (!ExportAnonymizer.wanted(p, user)) return undefined;
    if (!this.cp) throw new HttpError(400, 'anonymised output needs anonymizeKey= (64 hex digits) in the viewer\'s config, and none is set');
    return this.cp;
  }

  /**
   * For a user whose anonymisation is forced: their expressions (and views) name the anonymised
   * addresses they see, and are turned back into the stored ones; undefined for anyone else.
   */
  expressionsOf(user: UserDoc, registry: FieldRegistry): ((expression: string) => string) | undefined {
    if (user.anonymize !== true) return undefined;
    const cp = this.forRequest({}, user)!;
    return (e) => deanonymizeExpression(e, registry, cp);
  }

  /** A packet rewriter for one export, or undefined when the request is not anonymised. */
  packets(p: Record<string, string>, user: UserDoc): PacketAnonymizer | undefined {
    const cp = this.forRequest(p, user);
    return cp && new PacketAnonymizer(cp);
  }
}

const COMMUNITY_ID = 'network.community_id';

/** An IP value (text or list of texts) anonymised; anything that is no address stays. */
export function anonymizeIpValue(v: unknown, cp: CryptoPAn): unknown {
  if (typeof v === 'string') return cp.anonymizeText(v) ?? v;
  if (Array.isArray(v)) return v.map((x) => anonymizeIpValue(x, cp));
  return v;
}

/** A copy of a session document with every registry field of kind `ip` anonymised (nested or flat paths) and no community id. */
export function anonymizeDoc(doc: Record<string, unknown>, registry: FieldRegistry, cp: CryptoPAn): Record<string, unknown> {
  const out = structuredClone(doc);
  for (const f of registry.all()) {
    if (f.kind !== 'ip') continue;
    if (f.db in out) { out[f.db] = anonymizeIpValue(out[f.db], cp); continue; }
    rewritePath(out, f.db.split('.'), 0, cp);
  }
  if (COMMUNITY_ID in out) delete out[COMMUNITY_ID];
  const net = out.network as Record<string, unknown> | undefined;
  if (net && typeof net === 'object') delete net.community_id;
  return out;
}

/** Anonymise the value at `keys[i..]` under `o`, through nested objects and arrays of objects (`dns.answers[].ip`). */
function rewritePath(o: unknown, keys: string[], i: number, cp: CryptoPAn): void {
  if (Array.isArray(o)) { for (const x of o) rewritePath(x, keys, i, cp); return; }
  if (o === null || typeof o !== 'object' || !(keys[i] in o)) return;
  const rec = o as Record<string, unknown>;
  if (i === keys.length - 1) rec[keys[i]] = anonymizeIpValue(rec[keys[i]], cp);
  else rewritePath(rec[keys[i]], keys, i + 1, cp);
}

/** A CSV cell's value for `field`, anonymised when the field is an address (and blank for the community id). */
export function anonymizedCell(doc: Record<string, unknown>, field: string, registry: FieldRegistry, cp: CryptoPAn): unknown {
  if (field === COMMUNITY_ID) return undefined;
  const v = getPath(doc, field);
  return registry.byDb(field)?.kind === 'ip' ? anonymizeIpValue(v, cp) : v;
}

/** `destination.ip:port` values ("10.0.0.1:80", "2001:db8::1.80"): the address part anonymised. */
function anonymizeIpPort(v: string, cp: CryptoPAn): string {
  for (const sep of [':', '.']) {
    const i = v.lastIndexOf(sep);
    const a = i > 0 ? cp.anonymizeText(v.slice(0, i)) : undefined;
    if (a !== undefined) return `${a}${sep}${v.slice(i + 1)}`;
  }
  return v;
}

/**
 * For aggregation responses (SPI view, SPI graph, connections, unique values): a bucket key of
 * `field` as the response shows it, anonymised when the field holds addresses and `cp` is set.
 */
export function aggKeys(registry: FieldRegistry, cp: CryptoPAn | undefined, show: (field: string, k: string | number) => unknown) {
  return (field: string, k: string | number): unknown => {
    if (cp && typeof k === 'string') {
      if (field === 'destination.ip:port') return anonymizeIpPort(k, cp);
      if (registry.byDb(field)?.kind === 'ip') return cp.anonymizeText(k) ?? k;
    }
    return show(field, k);
  };
}

/**
 * `expression` with the address values of its ip-field comparisons (full addresses, CIDRs,
 * ip:port, lists of them) replaced by their originals: Crypto-PAn preserves prefixes, so a CIDR's
 * first n bits come back exact. Other forms on an ip field (partial addresses, wildcards, regexes)
 * get a 400: they cannot be translated. A syntax error is left for the query to report.
 */
export function deanonymizeExpression(expression: string, registry: FieldRegistry, cp: CryptoPAn): string {
  let ast;
  try { ast = parseSyntax(expression); } catch { return expression; }
  const edits: { start: number; end: number; text: string }[] = [];
  forEachLeaf(ast, (leaf) => {
    if (leaf.type !== 'cmp') return;
    const f = leaf.field.startsWith('db:') ? registry.byDb(leaf.field.slice(3)) : registry.byExp(leaf.field);
    if (f?.kind !== 'ip') return;
    const v = leaf.value;
    const one = (item: string) => deanonymizeItem(item.trim(), leaf.field, cp);
    let text: string;
    if (v.kind === 'list') text = v.text[0] + v.text.slice(1, -1).split(',').map(one).join(',') + v.text[v.text.length - 1];
    else if (v.kind === 'quoted') text = `"${one(v.text.slice(1, -1))}"`;
    else if (v.kind === 'str') text = one(v.text);
    else throw new HttpError(400, `${leaf.field}: with anonymised addresses, write full addresses or CIDRs, not a regex`);
    edits.push({ start: v.span.start, end: v.span.end, text });
  });
  let out = expression;
  for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function deanonymizeItem(item: string, field: string, cp: CryptoPAn): string {
  const cidr = /^(.+)\/(\d{1,3})$/.exec(item);
  if (cidr) {
    const b = ipToBytes(cidr[1]);
    const v4 = !cidr[1].includes(':'), bits = Number(cidr[2]);
    if (b && bits <= (v4 ? 32 : 128)) {
      const off = v4 ? 12 : 0;
      cp.deanonymizeAt(b, off, v4 ? 4 : 16);
      for (let i = bits; i < (v4 ? 32 : 128); i++) b[off + (i >>> 3)] &= ~(0x80 >>> (i & 7));
      return `${v4 ? `${b[12]}.${b[13]}.${b[14]}.${b[15]}` : v6Text(b)}/${bits}`;
    }
  }
  const whole = cp.deanonymizeText(item);
  if (whole !== undefined) return whole;
  const port = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(item) ?? /^(.*:.*)\.(\d+)$/.exec(item);
  if (port) {
    const a = cp.deanonymizeText(port[1]);
    if (a !== undefined) return `${a}${a.includes(':') ? '.' : ':'}${port[2]}`;
  }
  throw new HttpError(400, `${field}: with anonymised addresses, write full addresses or CIDRs, not '${item}'`);
}
