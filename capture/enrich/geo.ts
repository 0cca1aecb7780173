// Country / region / city and AS lookups.
// Sources, first that exists wins:
//   geoLite2Country — MaxMind Country or City mmdb (country.iso_code, subdivisions[0].iso_code,
//                     city.names.en) or an @ip-location-db style mmdb ({country_code}).
//   geoLite2ASN     — MaxMind ASN mmdb (autonomous_system_number/_organization).
// Unset keys fall back to the usual system paths, then (unless geoDefaults=false) to the npm
// packages @ip-location-db/geolite2-country-mmdb and @ip-location-db/asn (CSV, loaded on first
// use). A key set to an empty value turns that lookup off. Special-purpose addresses (private,
// loopback, documentation, multicast...) are never looked up.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Reader, type Response } from 'maxmind';
import { ASN_FORM_VERSION, AsnTable, type AsnHit } from './asn-table.js';
import { isSpecialAddress, unmapV4, v4Num } from './ip-addr.js';
import { derivedCachePath, readFileShared, sharedTable, writeCacheFile } from './shared-tables.js';

export type { AsnHit } from './asn-table.js';

export class GeoError extends Error {}

export interface GeoHit { country?: string; region?: string; city?: string }

export interface GeoOptions {
  /** Candidate files, first existing wins; undefined = not configured; [] = turned off. */
  countryFiles?: string[];
  asnFiles?: string[];
  /** Use the npm packages when nothing is configured (default true). */
  defaults?: boolean;
  warn?: (msg: string) => void;
}

const SYSTEM_COUNTRY = ['/usr/share/GeoIP/GeoLite2-Country.mmdb', '/var/lib/GeoIP/GeoLite2-Country.mmdb'];
const SYSTEM_ASN = ['/usr/share/GeoIP/GeoLite2-ASN.mmdb', '/var/lib/GeoIP/GeoLite2-ASN.mmdb'];

const require = createRequire(import.meta.url);

function resolvePackageFile(spec: string): string | undefined {
  try { return require.resolve(spec); } catch { return undefined; }
}

interface MmdbRecord {
  country?: { iso_code?: string };
  country_code?: string;
  subdivisions?: Array<{ iso_code?: string }>;
  city?: { names?: { en?: string } };
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
}

/** Reader typed loosely: the record layout depends on the database, see MmdbRecord. */
type Mmdb = Reader<Response>;

function openMmdb(file: string): Mmdb {
  try {
    // One copy per process, shared with the worker threads (shared-tables.ts).
    const bytes = sharedTable(`mmdb:${file}`, () => readFileShared(file));
    return new Reader<Response>(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  } catch (e) {
    throw new GeoError(`cannot open MaxMind database ${file}: ${(e as Error).message}`);
  }
}

/** Lazily loaded @ip-location-db/asn CSV pair. */
class CsvAsnSource {
  private table?: AsnTable;
  loadMs = 0;
  constructor(readonly v4File: string, readonly v6File: string | undefined) {}
  get loaded(): boolean { return this.table !== undefined; }
  load(): AsnTable {
    if (!this.table) {
      const t0 = performance.now();
      this.table = loadAsnCsv(this.v4File, this.v6File);
      this.loadMs = performance.now() - t0;
    }
    return this.table;
  }
}

/**
 * The CSV pair as a table in shared memory: registered by an earlier load in this thread or a
 * parent thread, else read from the binary cache, else parsed (and the cache written).
 */
function loadAsnCsv(v4File: string, v6File: string | undefined): AsnTable {
  const sources = v6File ? [v4File, v6File] : [v4File];
  const key = `asn:${sources.join('|')}`;
  const bytes = sharedTable(key, () => {
    let cache: string | undefined;
    try { cache = derivedCachePath('asn', ASN_FORM_VERSION, sources); } catch { cache = undefined; }
    if (cache && existsSync(cache)) {
      try {
        const b = readFileShared(cache);
        AsnTable.fromBytes(b, cache);
        return b;
      } catch { /* damaged or from another build: parse the CSV again */ }
    }
    const t = new AsnTable();
    t.loadV4Num(v4File);
    if (v6File) t.loadV6Text(v6File);
    const b = t.toBytes(true);
    if (cache) writeCacheFile(cache, b);
    return b;
  });
  return AsnTable.fromBytes(bytes, key);
}

export class GeoLookup {
  readonly countrySource: string | undefined;
  readonly asnSource: string | undefined;
  private readonly countryDb?: Mmdb;
  private readonly asnDb?: Mmdb;
  private readonly asnCsv?: CsvAsnSource;

  constructor(opts: GeoOptions = {}) {
    const warn = opts.warn ?? (() => {});
    const defaults = opts.defaults ?? true;

    const countryFile = pick('geoLite2Country', opts.countryFiles, SYSTEM_COUNTRY, warn) ??
      (opts.countryFiles === undefined && defaults
        ? resolvePackageFile('@ip-location-db/geolite2-country-mmdb/geolite2-country.mmdb') : undefined);
    if (countryFile) { this.countryDb = openMmdb(countryFile); this.countrySource = countryFile; }

    const asnFile = pick('geoLite2ASN', opts.asnFiles, SYSTEM_ASN, warn);
    if (asnFile) {
      this.asnDb = openMmdb(asnFile); this.asnSource = asnFile;
    } else if (opts.asnFiles === undefined && defaults) {
      const v4 = resolvePackageFile('@ip-location-db/asn/asn-ipv4-num.csv');
      if (v4) {
        this.asnCsv = new CsvAsnSource(v4, resolvePackageFile('@ip-location-db/asn/asn-ipv6.csv'));
        this.asnSource = v4;
      }
    }
  }

  /** Milliseconds the CSV ASN table took to load (0 until first use or with an mmdb). */
  get asnCsvLoadMs(): number { return this.asnCsv?.loadMs ?? 0; }

  /** Load the lazy CSV table now (e.g. before the first packet). */
  warm(): void { this.asnCsv?.load(); }

  /** `addr` is the 4/16 address bytes, `text` the same address as text. */
  country(addr: Uint8Array, text: string): GeoHit | undefined {
    if (!this.countryDb || isSpecialAddress(addr)) return undefined;
    const r = this.countryDb.get(lookupText(addr, text)) as MmdbRecord | null;
    if (!r) return undefined;
    const country = r.country?.iso_code ?? r.country_code;
    if (!country) return undefined;
    const hit: GeoHit = { country };
    const region = r.subdivisions?.[0]?.iso_code;
    if (region) hit.region = region;
    const city = r.city?.names?.en;
    if (city) hit.city = city;
    return hit;
  }

  asn(addr: Uint8Array, text: string): AsnHit | undefined {
    if ((!this.asnDb && !this.asnCsv) || isSpecialAddress(addr)) return undefined;
    if (this.asnDb) {
      const r = this.asnDb.get(lookupText(addr, text)) as MmdbRecord | null;
      if (!r || r.autonomous_system_number === undefined) return undefined;
      return { number: r.autonomous_system_number, org: r.autonomous_system_organization ?? '' };
    }
    const table = this.asnCsv!.load();
    const a = unmapV4(addr);
    return a.length === 4 ? table.lookupV4(v4Num(a)) : table.lookupV6(a);
  }
}

/** IPv4-mapped IPv6 is looked up as IPv4, as Arkime does. */
function lookupText(addr: Uint8Array, text: string): string {
  const a = unmapV4(addr);
  return a !== addr ? `${a[0]}.${a[1]}.${a[2]}.${a[3]}` : text;
}

function pick(key: string, configured: string[] | undefined, system: string[], warn: (m: string) => void): string | undefined {
  if (configured !== undefined) {
    for (const f of configured) if (existsSync(f)) return f;
    if (configured.length > 0) warn(`${key}: none of ${configured.join(', ')} exists; ${key} lookups are off`);
    return undefined;
  }
  for (const f of system) if (existsSync(f)) return f;
  return undefined;
}
