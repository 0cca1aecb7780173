// A parser sample: a small pcap built by our own code, named after the parser it exercises, with
// its expected session documents kept beside it in pcaps/NAME.json (Arkime's .test files in spirit).
import type { Frame } from '../../synth/traffic.js';

export interface Sample {
  /** The parser's name (ProtocolParser.name or a hook parser's file name); also the pcap's name. */
  name: string;
  /** What the pcap holds, one line. */
  about: string;
  /** config.ini text for the capture; `[default]` alone when absent. */
  config?: string;
  linkType?: number;
  /** The `protocol[]` value some session must carry: the name by default, null for none. */
  protocol?: string | null;
  frames(): Frame[];
}

/** Sample start time: 2025-01-01T00:00:00Z plus `sec`, in microseconds. */
export const at = (sec: number) => (1_735_689_600 + sec) * 1e6;
