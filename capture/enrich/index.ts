// Session enrichment: what Arkime adds to an address (country/region/city, AS, RIR, override tags)
// and to a MAC (vendor). Looked up once per distinct address and cached, so the cost is per
// session (or per new address), never per packet.
// Order of precedence per value (Arkime's arkime_db_geo_lookup6): [override-ips] entry, then the
// geo/ASN databases, then for RIR the IANA table by first IPv4 octet.
import { Config } from '../../db/config.js';
import { GeoLookup } from './geo.js';
import { parseIp, unmapV4 } from './ip-addr.js';
import { OuiTable } from './oui.js';
import { OverrideIps } from './override-ips.js';
import { RirTable } from './rir.js';
import { exportSharedTables, type SharedTables } from './shared-tables.js';

export { adoptSharedTables, type SharedTables } from './shared-tables.js';
export { communityId, communityIdFromText } from './community-id.js';
export type { CommunityIdMode } from './community-id.js';

/** Shared and frozen (cached per address): read it, never modify it. */
export interface IpInfo {
  country?: string;
  region?: string;
  city?: string;
  /** "AS<number> <organisation>" (Arkime's as.full / *ASN companion value). */
  asn?: string;
  asnNumber?: number;
  asnOrg?: string;
  rir?: string;
  /** Tags from [override-ips] to add to the session. */
  tags?: string[];
  /** Other "expression:value" items of the matching [override-ips] entry. */
  fieldOps?: Array<[string, string]>;
}

/** Arkime's IP companion arrays, parallel to the IP array: '---' / '' for unknown. */
export interface Companions {
  GEO: string[];
  ASN: string[];
  RIR: string[];
  /** Union of the [override-ips] tags of these addresses (Arkime adds them to the session). */
  tags: string[];
}

export interface EnricherParts {
  oui?: OuiTable;
  rir?: RirTable;
  geo?: GeoLookup;
  overrides?: OverrideIps;
}

const EMPTY: IpInfo = Object.freeze({});
const CACHE_MAX = 100_000;

export class Enricher {
  readonly ouiTable?: OuiTable;
  readonly rirTable?: RirTable;
  readonly geo?: GeoLookup;
  readonly overrides?: OverrideIps;
  private readonly cache = new Map<string, IpInfo>();
  /** Milliseconds each part took in load(). */
  readonly loadMs: Record<string, number> = {};

  constructor(parts: EnricherParts = {}) {
    this.ouiTable = parts.oui;
    this.rirTable = parts.rir;
    this.geo = parts.geo;
    this.overrides = parts.overrides;
  }

  /**
   * Build from config: ouiFile, rirFile, geoLite2Country, geoLite2ASN (';' lists, first existing
   * file wins, empty value = off), geoDefaults (npm databases when nothing is configured), and
   * the [override-ips] section. Unreadable ouiFile/rirFile and bad override entries throw.
   */
  static load(config: Config, warn: (msg: string) => void = (m) => process.stderr.write(`enrich: ${m}\n`)): Enricher {
    const loadMs: Record<string, number> = {};
    const timed = <T>(name: string, f: () => T): T => {
      const t0 = performance.now();
      try { return f(); } finally { loadMs[name] = Math.round((performance.now() - t0) * 10) / 10; }
    };
    const ouiFile = config.str('ouiFile', '');
    const rirFile = config.str('rirFile', '');
    const listOrUnset = (key: string): string[] | undefined =>
      config.raw(key) === undefined ? undefined : config.list(key);
    const e = new Enricher({
      oui: ouiFile ? timed('oui', () => OuiTable.load(ouiFile)) : undefined,
      rir: rirFile ? timed('rir', () => RirTable.load(rirFile)) : undefined,
      geo: timed('geo', () => new GeoLookup({
        countryFiles: listOrUnset('geoLite2Country'),
        asnFiles: listOrUnset('geoLite2ASN'),
        defaults: config.bool('geoDefaults', true),
        warn,
      })),
      overrides: timed('overrideIps', () => OverrideIps.fromSection(config.section('override-ips'))),
    });
    Object.assign(e.loadMs, loadMs);
    return e;
  }

  /** Vendor of the MAC at buf[off..off+6). */
  oui(buf: Uint8Array, off: number): string | undefined {
    return this.ouiTable?.lookup(buf, off);
  }

  /** Everything known about one address (text form). The result is shared: do not modify. */
  ip(ipText: string): IpInfo {
    let info = this.cache.get(ipText);
    if (info === undefined) {
      info = this.compute(ipText);
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(ipText, info);
    }
    return info;
  }

  private compute(ipText: string): IpInfo {
    const addr = parseIp(ipText);
    if (!addr) return EMPTY;
    const ov = this.overrides?.lookup(addr);
    const info: IpInfo = {};

    if (ov?.country !== undefined) info.country = ov.country;
    if (ov?.region !== undefined) info.region = ov.region;
    if (ov?.city !== undefined) info.city = ov.city;
    if (info.country === undefined && this.geo) {
      const g = this.geo.country(addr, ipText);
      if (g) {
        info.country = g.country;
        if (info.region === undefined && g.region !== undefined) info.region = g.region;
        if (info.city === undefined && g.city !== undefined) info.city = g.city;
      }
    }

    let asnNumber = ov?.asnNumber, asnOrg = ov?.asnOrg;
    if (asnNumber === undefined && this.geo) {
      const a = this.geo.asn(addr, ipText);
      if (a) { asnNumber = a.number; asnOrg = a.org; }
    }
    if (asnNumber !== undefined) {
      info.asnNumber = asnNumber;
      info.asnOrg = asnOrg ?? '';
      info.asn = `AS${asnNumber} ${info.asnOrg}`;
    }

    if (ov?.rir !== undefined) info.rir = ov.rir;
    else {
      const v4 = unmapV4(addr);
      if (v4.length === 4) {
        const r = this.rirTable?.lookup(v4[0]);
        if (r !== undefined) info.rir = r;
      }
    }
    if (ov && ov.tags.length > 0) info.tags = Object.freeze([...ov.tags]) as string[];
    if (ov && ov.fieldOps.length > 0) {
      info.fieldOps = Object.freeze(ov.fieldOps.map((p) => Object.freeze([p[0], p[1]]))) as Array<[string, string]>;
    }
    return Object.freeze(info);
  }

  /** Companion arrays for an IP field (`http.xffIp` → xffGEO/xffASN/xffRIR). */
  companions(ips: readonly string[]): Companions {
    const out: Companions = { GEO: [], ASN: [], RIR: [], tags: [] };
    for (const ip of ips) {
      const i = this.ip(ip);
      out.GEO.push(i.country ?? '---');
      out.ASN.push(i.asn ?? '---');
      out.RIR.push(i.rir ?? '');
      if (i.tags) for (const t of i.tags) if (!out.tags.includes(t)) out.tags.push(t);
    }
    return out;
  }

  /** Load lazily loaded tables now (the default ASN CSV), so the first session does not wait. */
  warm(): void { this.geo?.warm(); }
}

/**
 * Load the large read-only tables `config` asks for (country mmdb, ASN table) into shared
 * memory once, for worker threads: pass the result in workerData and call adoptSharedTables()
 * in the worker before Enricher.load. Warnings are left to the workers' own load.
 */
export function shareEnrichment(config: Config): SharedTables {
  Enricher.load(config, () => {}).warm();
  return exportSharedTables();
}
