// Classifier-only protocols (Arkime's misc.c style): a leading byte pattern names the protocol
// and nothing else is parsed. One small declaration each.
import type { PrefixMatch, ProtocolParser } from './api.js';

/** A parser that only adds `name` to `protocol[]` when one of the prefixes matches. */
function label(name: string, tcp: PrefixMatch[], udp: PrefixMatch[]): ProtocolParser<true> {
  return {
    name,
    tcpPrefixes: tcp,
    udpPrefixes: udp,
    classify(s) {
      s.addProtocol(name);
      return true;
    },
  };
}

/** BitTorrent peer wire handshake (TCP) and bencoded DHT messages (UDP). */
export const bittorrentLabel = label('bittorrent',
  [{ bytes: '\x13BitTorrent protocol' }],
  [{ bytes: 'd1:ad2:id20:' }, { bytes: 'd1:rd2:id20:' }, { bytes: 'd1:q' }, { bytes: 'd1:el' }, { bytes: 'd2:ip' }]);

/** Bitcoin P2P main-net message magic. */
export const bitcoinLabel = label('bitcoin', [{ bytes: [0xf9, 0xbe, 0xb4, 0xd9] }], []);

export const labelParsers: ProtocolParser<true>[] = [bittorrentLabel, bitcoinLabel];
