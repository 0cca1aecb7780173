// Run a sample's pcap through the capture pipeline in this thread and return its session documents
// in a stable form: no wall-clock `@timestamp`, sorted by first packet then ports.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '../../../db/config.js';
import { runToDocs } from '../../pipeline/json-run.js';
import { pcapBytes } from '../../synth/traffic.js';
import type { Sample } from './sample.js';

/** capture/parsers/samples/pcaps in the source tree (this file runs from dist/capture/parsers/samples/). */
export const pcapDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../capture/parsers/samples/pcaps');

export const pcapPath = (name: string) => join(pcapDir, `${name}.pcap`);
export const expectedPath = (name: string) => join(pcapDir, `${name}.json`);

export function sampleBytes(s: Sample): Uint8Array {
  return pcapBytes(s.frames(), s.linkType ?? 1);
}

type Doc = Record<string, any>;

export function sampleDocs(s: Sample): Doc[] {
  const docs: Doc[] = [];
  const { errors } = runToDocs(Config.fromText(s.config ?? '[default]\n'), 'test', [pcapPath(s.name)], (d) => docs.push(d));
  if (errors.length) throw new Error(`sample ${s.name}: ${errors.join('; ')}`);
  for (const d of docs) delete d['@timestamp'];
  const key = (d: Doc) => [d.firstPacket ?? 0, d.source?.port ?? 0, d.destination?.port ?? 0];
  return docs.sort((a, b) => {
    const ka = key(a), kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
    return 0;
  });
}

export function readExpected(name: string): Doc[] {
  return JSON.parse(readFileSync(expectedPath(name), 'utf8')) as Doc[];
}
