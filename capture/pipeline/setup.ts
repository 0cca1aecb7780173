// Everything a packet worker needs, resolved once from config.ini (Arkime key names).
import { Config } from '../../db/config.js';
import '../../db/fields/core.js';
import { Classifiers } from '../parsers/classify.js';
import { parsers } from '../parsers/index.js';
import { parserConfig } from '../parsers/api.js';
import { QueueKind } from '../session/session.js';
import type { SessionTableOptions } from '../session/session-table.js';
import type { DocEnricher } from '../session/document.js';
import type { Session } from '../session/session.js';
import { Enricher } from '../enrich/index.js';
import { communityId } from '../enrich/community-id.js';
import { compilePortFilter } from './bpf-lite.js';
import { transformSpecFromConfig } from '../transform/batch-transform.js';
import { samplingLabel } from '../transform/sampling.js';

export interface CaptureSettings {
  table: SessionTableOptions;
  gapPacketPos: boolean;
  enablePacketLen: boolean;
  enricher: DocEnricher;
  packetThreads: number;
  /** The `sampling` field of every session, when packetSampling/flowSampling is set. */
  sampling?: string;
}

export function captureSettings(config: Config): CaptureSettings {
  const saveUnknown = new Set(config.list('saveUnknownPackets'));
  const all = saveUnknown.has('all');
  const timeouts: number[] = [];
  timeouts[QueueKind.Tcp] = config.int('tcpTimeout', 480);
  timeouts[QueueKind.Udp] = config.int('udpTimeout', 60);
  timeouts[QueueKind.Icmp] = config.int('icmpTimeout', 10);
  timeouts[QueueKind.Sctp] = config.int('sctpTimeout', 60);
  timeouts[QueueKind.Esp] = config.int('espTimeout', 600);
  timeouts[QueueKind.Other] = config.int('udpTimeout', 60);
  const collapse = new Map<number, number>();
  for (const [k, v] of config.section('vlan-vni-collapse')) {
    const to = Number(k);
    for (const id of v.split(/[;,]/)) if (id.trim()) collapse.set(Number(id.trim()), to);
  }
  const tracking = config.str('sessionIdTracking', 'none');
  const disabled = new Set(config.list('disableParsers'));
  const dontSave = config.list('dontSaveBPFs').map((b) => b.split(':')[0]);
  const truncateFilter = dontSave.length ? compilePortFilter(dontSave.join(' or ')) : undefined;
  const pc = parserConfig(config);
  return {
    table: {
      keyOptions: { trackVlan: tracking === 'vlan', trackVni: tracking === 'vni', collapse },
      timeoutsSec: timeouts,
      tcpClosingTimeoutSec: config.int('tcpClosingTimeout', 5),
      tcpSaveTimeoutSec: config.int('tcpSaveTimeout', 480, 10, 7200),
      maxPackets: config.int('maxPackets', 10000, 1, 65535),
      maxStreams: config.int('maxStreams', 1500000),
      trackEsp: config.bool('trackESP', false),
      saveUnknownEther: all || saveUnknown.has('unknown-ether') || saveUnknown.has('ether'),
      saveUnknownIp: all || saveUnknown.has('unknown-ip') || saveUnknown.has('ip'),
      saveCorruptEther: saveUnknown.has('corrupt') || saveUnknown.has('corrupt-ether'),
      saveCorruptIp: saveUnknown.has('corrupt') || saveUnknown.has('corrupt-ip'),
      enablePacketLen: config.bool('enablePacketLen', false),
      maxTcpOutOfOrderPackets: config.int('maxTcpOutOfOrderPackets', 256),
      parserConfig: pc,
      classifiers: new Classifiers(parsers, disabled),
      truncateFilter,
    },
    gapPacketPos: config.bool('gapPacketPos', true),
    enablePacketLen: config.bool('enablePacketLen', false),
    enricher: docEnricher(Enricher.load(config)),
    packetThreads: config.int('packetThreads', 1, 1, 24),
    sampling: samplingLabel(transformSpecFromConfig(config)),
  };
}

function docEnricher(e: Enricher): DocEnricher {
  const macBuf = new Uint8Array(6);
  return {
    ip: (ip) => (typeof ip === 'string' ? e.ip(ip) : undefined),
    ouiOfMac(mac) {
      for (let i = 0; i < 6; i++) macBuf[i] = parseInt(mac.slice(i * 3, i * 3 + 2), 16);
      return e.oui(macBuf, 0);
    },
    communityId(s: Session) {
      const alen = s.ipVersion === 4 ? 4 : 16;
      let sp = s.srcPort, dp = s.dstPort;
      if (s.ipProtocol === 1 || s.ipProtocol === 58) { sp = s.icmpKey >> 8; dp = s.icmpKey & 0xff; if (s.icmpKey < 0) sp = dp = 0; }
      return communityId(alen, s.addr[0], 0, s.addr[1], 0, s.ipProtocol, sp, dp);
    },
  };
}
