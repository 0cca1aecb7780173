// The contract between the session core and protocol parsers (Suricata's app-layer template
// in TypeScript terms). A protocol is one file under capture/parsers/ that exports one
// `ProtocolParser` declaration and is listed in `index.ts`.
import type { Field } from '../../db/fields/registry.js';
import type { Config } from '../../db/config.js';

export type Dir = 0 | 1; // 0 = client→server (source → destination), 1 = server→client

/** Returned by `parse` instead of a byte count. */
export const PARSE_ERROR = -1; // parser gives up on this session; counted in stats
export const PARSE_DONE = -2; // parser has all it wants; detached quietly

/** What a parser may do to the session it is attached to. */
export interface SessionApi {
  readonly ipProtocol: number;       // 6 tcp, 17 udp, 132 sctp, ...
  readonly srcPort: number;          // source = client
  readonly dstPort: number;
  readonly srcIp: string;            // text form, computed lazily
  readonly dstIp: string;
  readonly firstPacketMs: number;    // session start, ms since epoch
  readonly lastPacketMs: number;     // time of the packet being processed, ms
  readonly config: ParserConfig;

  /** Add a value to a field. Returns false when the value was already there (unique fields). */
  addString(f: Field, v: string): boolean;
  addInt(f: Field, v: number): boolean;
  /** Add a float value (FLOAT fields). */
  addFloat(f: Field, v: number): boolean;
  /** Add an IP given as text (v4 dotted or v6). Geo/ASN/RIR companions are filled at save time. */
  addIp(f: Field, ip: string): boolean;
  /** Add one object to an object-array group such as `dns` or `cert`. */
  addObject(group: string, obj: Record<string, unknown>): void;
  hasField(f: Field): boolean;
  /** Add `name` to `protocol[]`. */
  addProtocol(name: string): void;
  hasProtocol(name: string): boolean;
  addTag(tag: string): void;
  /** Attach another parser (e.g. TLS after STARTTLS), with the state it starts from. */
  attach<S>(parser: ProtocolParser<S>, state: S): void;
  /** Ask the TCP layer to run the classifiers again on the next bytes of a direction (after CONNECT, STARTTLS). */
  reclassify(dir: Dir): void;
  /**
   * Ask for a mid-save soon (a field grew too large). With `afterSec`, ask for one once more
   * than that many seconds of packet time pass without another such call (Arkime's parser PQ,
   * as bgp.c and lldp.c use): the next packet after that is split off into a new segment.
   */
  midSave(afterSec?: number): void;
}

/** Config values parsers read, resolved once per capture. */
export interface ParserConfig {
  readonly config: Config;
  bool(key: string, def: boolean): boolean;
  int(key: string, def: number): number;
  str(key: string, def: string): string;
  list(key: string, def?: string[]): string[];
  section(name: string): Map<string, string>;
}

export interface PrefixMatch {
  /** Byte offset in the first payload of the direction (default 0). */
  offset?: number;
  /** Bytes to match: a latin1 string or explicit bytes. */
  bytes: string | number[];
}

export interface ProtocolParser<S = unknown> {
  /** Protocol name, also the config switch: `disableParsers=name1;name2` turns it off. */
  readonly name: string;
  /** Classifier registration (Arkime's classifier_register_port / _tcp / _udp). */
  readonly tcpPorts?: readonly number[];
  readonly udpPorts?: readonly number[];
  readonly sctpPorts?: readonly number[];
  readonly tcpPrefixes?: readonly PrefixMatch[];
  readonly udpPrefixes?: readonly PrefixMatch[];
  /** Run on every first payload of a direction, whatever the port or prefix (costly: use sparingly). */
  readonly classifyAlways?: 'tcp' | 'udp' | 'both';

  /**
   * Called with the first payload of a direction when a registration matched. Return the parser
   * state to attach this parser (or `true` when the classifier only names the protocol and
   * needs no parser), or `undefined` to decline.
   */
  classify(s: SessionApi, dir: Dir, buf: Uint8Array, off: number, len: number): S | true | undefined;

  /**
   * In-order bytes of one direction (TCP: reassembled stream; UDP/SCTP: one datagram).
   * Return the number of bytes consumed (TCP: the rest is handed back, prefixed to the next
   * bytes, up to 64 KiB), PARSE_DONE, or PARSE_ERROR. Must not throw; a throw is treated as
   * PARSE_ERROR. The buffer is only valid during the call: copy what you keep.
   */
  parse?(state: S, s: SessionApi, dir: Dir, buf: Uint8Array, off: number, len: number): number;

  /** The session is being saved (`final` = last save); flush what is pending. */
  save?(state: S, s: SessionApi, final: boolean): void;
}

export function parserConfig(config: Config): ParserConfig {
  return {
    config,
    bool: (k, d) => config.bool(k, d),
    int: (k, d) => config.int(k, d),
    str: (k, d) => config.str(k, d),
    list: (k, d) => config.list(k, d),
    section: (n) => config.section(n),
  };
}
