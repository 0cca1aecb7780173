// Load times, memory and lookup rates of the enrichment tables.
// Run: node --expose-gc dist/capture/enrich/enrich-bench.js   (prints numbers; asserts nothing)
import { Config } from '../../db/config.js';
import { Enricher } from './index.js';
import { communityId } from './community-id.js';
import { OuiTable } from './oui.js';
import { TEST_OVERRIDE_IPS, corpusData } from './testing-corpus.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (n: number): string => (n / 1e6).toFixed(1) + ' MB';
const retained = (): number => { gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };

const base = retained();
let t = performance.now();
const oui = OuiTable.load(corpusData('oui.txt'));
console.log(`oui.txt load: ${(performance.now() - t).toFixed(0)} ms, ${oui.size} prefixes, retained ${mb(retained() - base)}`);

const macs = new Uint8Array(6 * 4096);
for (let i = 0; i < macs.length; i++) macs[i] = (i * 2654435761) >>> 24;
let hits = 0;
t = performance.now();
const N = 2_000_000;
for (let i = 0; i < N; i++) if (oui.lookup(macs, (i & 4095) * 6) !== undefined) hits++;
const ouiNs = ((performance.now() - t) * 1e6) / N;
console.log(`oui lookup: ${ouiNs.toFixed(0)} ns each (${hits} hits of ${N})`);

const before = retained();
t = performance.now();
const e = Enricher.load(Config.fromText(`[default]\nouiFile=${corpusData('oui.txt')}\nrirFile=${corpusData('ipv4-address-space.csv')}\n${TEST_OVERRIDE_IPS}`));
const loadMs = performance.now() - t;
t = performance.now();
e.warm();
const warmMs = performance.now() - t;
console.log(`Enricher.load: ${loadMs.toFixed(0)} ms ${JSON.stringify(e.loadMs)}; ASN csv (lazy) ${warmMs.toFixed(0)} ms; retained ${mb(retained() - before)}; rss ${mb(process.memoryUsage().rss)}`);

const ips: string[] = [];
for (let i = 0; i < 50_000; i++) ips.push(`${1 + (i % 223)}.${(i * 7) & 255}.${(i * 13) & 255}.${i & 255}`);
t = performance.now();
for (const ip of ips) e.ip(ip);
const coldUs = ((performance.now() - t) * 1000) / ips.length;
t = performance.now();
for (const ip of ips) e.ip(ip);
const warmNs = ((performance.now() - t) * 1e6) / ips.length;
console.log(`ip(): ${coldUs.toFixed(1)} µs first time per address, ${warmNs.toFixed(0)} ns cached; ratio ${(coldUs * 1000 / warmNs).toFixed(0)}x`);

const a = Uint8Array.of(10, 0, 0, 1, 10, 0, 0, 2);
t = performance.now();
for (let i = 0; i < 200_000; i++) communityId(4, a, 0, a, 4, 6, 1024 + (i & 1023), 80);
console.log(`communityId: ${(((performance.now() - t) * 1000) / 200_000).toFixed(2)} µs per session`);
