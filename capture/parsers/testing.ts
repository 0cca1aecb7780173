// A standalone SessionApi for parser unit tests: feed bytes to one parser and read back the
// document fragment it produced. Whole-pipeline tests use real pcaps instead.
import { Config } from '../../db/config.js';
import type { Field } from '../../db/fields/registry.js';
import { FieldValues } from '../session/field-values.js';
import { parserConfig, type Dir, type ParserConfig, type ProtocolParser, type SessionApi } from './api.js';
export { parserConfig };

export class TestSession implements SessionApi {
  ipProtocol = 6;
  srcPort = 40000;
  dstPort = 80;
  srcIp = '10.0.0.1';
  dstIp = '10.0.0.2';
  firstPacketMs = 1_700_000_000_000;
  lastPacketMs = 1_700_000_000_000;
  readonly config: ParserConfig;
  readonly values = new FieldValues();
  readonly protocols = new Set<string>();
  readonly tags = new Set<string>();
  readonly attached: { parser: ProtocolParser<any>; state: unknown }[] = [];
  reclassified: Dir[] = [];
  midSaves = 0;

  constructor(configText = '[default]\n', init: Partial<Pick<TestSession, 'ipProtocol' | 'srcPort' | 'dstPort' | 'srcIp' | 'dstIp'>> = {}) {
    this.config = parserConfig(Config.fromText(configText));
    Object.assign(this, init);
  }

  addString(f: Field, v: string): boolean { return this.values.add(f, v); }
  addInt(f: Field, v: number): boolean { return this.values.add(f, v); }
  addFloat(f: Field, v: number): boolean { return this.values.add(f, v); }
  addIp(f: Field, ip: string): boolean { return this.values.add(f, ip); }
  addObject(group: string, obj: Record<string, unknown>): void { this.values.addObject(group, obj); }
  hasField(f: Field): boolean { return this.values.has(f); }
  addProtocol(name: string): void { this.protocols.add(name); }
  hasProtocol(name: string): boolean { return this.protocols.has(name); }
  addTag(tag: string): void { this.tags.add(tag); }
  attach<S>(parser: ProtocolParser<S>, state: S): void { this.attached.push({ parser, state }); }
  reclassify(dir: Dir): void { this.reclassified.push(dir); }
  midSave(): void { this.midSaves++; }

  /** Classify then feed every chunk [dir, bytes] to `parser`, as the TCP layer would. */
  run<S>(parser: ProtocolParser<S>, chunks: [Dir, Uint8Array | string][]): Record<string, unknown> {
    let state: S | true | undefined;
    const pending: (Uint8Array | undefined)[] = [undefined, undefined];
    for (const [dir, data] of chunks) {
      let bytes = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'latin1')) : data;
      if (state === undefined) {
        state = parser.classify(this, dir, bytes, 0, bytes.length);
        if (state === undefined) continue;
      }
      if (state === true || !parser.parse) continue;
      const p = pending[dir];
      if (p) { const m = new Uint8Array(p.length + bytes.length); m.set(p); m.set(bytes, p.length); bytes = m; }
      const r = parser.parse(state, this, dir, bytes, 0, bytes.length);
      if (r < 0) break;
      pending[dir] = r < bytes.length ? bytes.slice(r) : undefined;
    }
    if (state !== undefined && state !== true) parser.save?.(state, this, true);
    return this.doc();
  }

  doc(): Record<string, unknown> {
    const d: Record<string, unknown> = {};
    this.values.writeTo(d);
    if (this.protocols.size) { d.protocol = [...this.protocols]; d.protocolCnt = this.protocols.size; }
    if (this.tags.size) { d.tags = [...this.tags]; d.tagsCnt = this.tags.size; }
    return d;
  }
}
