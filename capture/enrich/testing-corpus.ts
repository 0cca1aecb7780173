// Test helper: read the conformance corpus in place (../shared/conformance beside the repo root).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

export const conformanceDir = (): string => path.resolve(repoRoot(), '../shared/conformance');
export const corpusData = (name: string): string => path.join(conformanceDir(), 'data', name);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = Record<string, any>;

/** Every session body of every .test file: [file name, body]. */
export function corpusSessions(): Array<[string, Doc]> {
  const dir = path.join(conformanceDir(), 'pcaps');
  const out: Array<[string, Doc]> = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.test')).sort()) {
    const d = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { sessions3: Array<{ body: Doc }> };
    for (const s of d.sessions3) out.push([f, s.body]);
  }
  return out;
}

/** The [override-ips] section the scorer writes into its config (same as Arkime's test config). */
export const TEST_OVERRIDE_IPS = `[override-ips]
10.0.0.1=tag:srcip;asn:AS0000 This is neat;country:RU
10.0.0.2=tag:dstip;asn:AS0001 Cool Beans!;rir:TEST;country:CA
10.0.0.3=asn:AS0002 Hmm!@#$%^&*()
10.180/16=country:US
192.168.177.160=region:REG;city:City
`;

export function asArray(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

export function sortedCopy(a: readonly string[]): string[] { return [...a].sort(); }
