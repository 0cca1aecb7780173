// Steps between a packet source and everything after it (pcap writer, copy, decoders): GIMS's
// capture-time transforms. A step rewrites packets in place (lengths unchanged: anonymisation)
// or drops them (sampling) by compacting `batch.meta`; what a step drops is never written nor
// decoded. Steps run on the capture's reading thread, once per batch, and allocate nothing per
// packet. Every capture path (live, `-r` import, `--json`) calls `applyTransforms` right after
// its source fills a batch.
import { ConfigError, type Config } from '../../db/config.js';
import { META_STRIDE, type PacketBatch } from '../readers/types.js';
import { samplingSpecFromConfig, samplingTransforms } from './sampling.js';
import { AnonymizeKeyError } from '../../db/anon/crypto-pan.js';
import { AnonymizeTransform } from './anonymize.js';

export interface BatchTransform {
  /** For stats and messages ("anonymize", "packetSampling"...). */
  readonly name: string;
  /** Rewrite or drop packets of `batch` (drops compact `batch.meta` and lower `batch.count`). */
  apply(batch: PacketBatch): void;
  /** Counters for the stats document, e.g. { seen, kept }. */
  stats(): Record<string, number>;
}

export function applyTransforms(steps: readonly BatchTransform[], batch: PacketBatch): void {
  for (let i = 0; i < steps.length && batch.count > 0; i++) steps[i].apply(batch);
}

/** Each step's counters by its name, for the live stats document and the import summary. */
export function transformStats(steps: readonly BatchTransform[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const s of steps) out[s.name] = s.stats();
  return out;
}

/**
 * Keep the packets `keep` says yes to, in order, compacting `batch.meta` in place. Returns how
 * many were dropped. For sampling steps.
 */
export function compactBatch(batch: PacketBatch, keep: (metaOff: number) => boolean): number {
  const meta = batch.meta;
  let out = 0;
  const n = batch.count;
  for (let i = 0; i < n; i++) {
    const m = i * META_STRIDE;
    if (!keep(m)) continue;
    if (out !== i) meta.copyWithin(out * META_STRIDE, m, m + META_STRIDE);
    out++;
  }
  batch.count = out;
  return n - out;
}

/**
 * What transforms a capture (or one capture request / experiment) asks for. Config keys of the
 * same names set a node's main capture; a capture request carries its own.
 */
export interface TransformSpec {
  /** Crypto-PAn every IP (and ARP) address; the key is 64 hex digits (config: anonymizeKey=). */
  anonymize?: boolean;
  anonymizeKey?: string;
  /** "1/N": every Nth packet. */
  packetSampling?: string;
  /** 0 < P ≤ 1: a flow kept with probability P, by hash of its addresses and ports. */
  flowSampling?: number;
  /** Seed (key) of the flow-sampling hash: sensors with the same seed keep the same flows. */
  flowSamplingSeed?: number;
}

/** A spec value that cannot be used; `key` names it, the message says why. */
export class TransformSpecError extends Error {
  constructor(readonly key: string, message: string) { super(message); }
}

/** The steps of a spec, in order: sampling first (less to rewrite), then anonymisation. Throws TransformSpecError. */
export function transformsFromSpec(spec: TransformSpec): BatchTransform[] {
  const steps: BatchTransform[] = [...samplingTransforms(spec)];
  // Each transform adds itself here.
  // anonymisation stays last (sampling goes above it): fewer packets to rewrite
  if (spec.anonymize) {
    try { steps.push(new AnonymizeTransform(spec.anonymizeKey)); } catch (e) {
      if (e instanceof AnonymizeKeyError) throw new TransformSpecError('anonymizeKey', e.message);
      throw e;
    }
  }
  return steps;
}

/** The spec of a node's main capture, from its config keys (errors name the config file and key). */
export function transformSpecFromConfig(config: Config): TransformSpec {
  const spec: TransformSpec = {};
  try { Object.assign(spec, samplingSpecFromConfig(config)); } catch (e) {
    if (e instanceof TransformSpecError) throw new ConfigError(`${config.file}: ${e.message}`);
    throw e;
  }
  // Each transform reads its own keys here.
  if (config.bool('anonymize', false)) { spec.anonymize = true; spec.anonymizeKey = config.str('anonymizeKey', ''); }
  return spec;
}

const SPEC_TYPES: Record<keyof TransformSpec, 'boolean' | 'string' | 'number'> = {
  anonymize: 'boolean', anonymizeKey: 'string', packetSampling: 'string', flowSampling: 'number', flowSamplingSeed: 'number',
};

/**
 * A spec that came as JSON (a capture request's `transforms`), checked whole: known keys of the
 * right types, values the steps accept. Anonymisation without a key of its own takes `fallbackKey`
 * (the node's anonymizeKey=). Returns the spec to run; throws TransformSpecError naming the key.
 */
export function checkTransformSpec(input: Record<string, unknown>, fallbackKey = ''): TransformSpec {
  for (const [k, v] of Object.entries(input)) {
    const type = SPEC_TYPES[k as keyof TransformSpec];
    if (type === undefined) throw new TransformSpecError(k, `${k}: unknown transform (transforms: ${Object.keys(SPEC_TYPES).join(', ')})`);
    if (typeof v !== type) throw new TransformSpecError(k, `${k}: must be a ${type} (got ${JSON.stringify(v)})`);
  }
  const spec = { ...input } as TransformSpec;
  if (spec.anonymize && !spec.anonymizeKey) {
    if (!fallbackKey) throw new TransformSpecError('anonymizeKey', 'anonymizeKey: anonymize needs a key, in the request or as the node\'s anonymizeKey=');
    spec.anonymizeKey = fallbackKey;
  }
  transformsFromSpec(spec);
  return spec;
}

export function transformsFromConfig(config: Config, _node: string): BatchTransform[] {
  try { return transformsFromSpec(transformSpecFromConfig(config)); } catch (e) {
    if (e instanceof TransformSpecError) throw new ConfigError(`${config.file}: ${e.message}`);
    throw e;
  }
}
