// Classifier-only protocols (Arkime's misc.c style): a leading byte pattern, sometimes with a
// small check, names the protocol and nothing else is parsed. One small declaration each.
import type { PrefixMatch, ProtocolParser, SessionApi } from './api.js';

type Check = (s: SessionApi, b: Uint8Array, off: number, len: number) => boolean;

/** A parser that only adds `name` to `protocol[]` when a prefix matches (and `check` agrees). */
function label(name: string, tcp: PrefixMatch[], udp: PrefixMatch[], check?: Check): ProtocolParser<true> {
  return {
    name,
    tcpPrefixes: tcp,
    udpPrefixes: udp,
    classify(s, _dir, b, off, len) {
      if (check && !check(s, b, off, len)) return undefined;
      s.addProtocol(name);
      return true;
    },
  };
}

const u16 = (b: Uint8Array, p: number) => (b[p] << 8) | b[p + 1];
const u32 = (b: Uint8Array, p: number) => ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;

/** BitTorrent peer wire handshake (TCP) and bencoded DHT messages (UDP). */
export const bittorrentLabel = label('bittorrent',
  [{ bytes: '\x13BitTorrent protocol' }, { bytes: 'BSYNC\x00' }],
  [{ bytes: 'd1:ad2:id20:' }, { bytes: 'd1:rd2:id20:' }, { bytes: 'd1:q' }, { bytes: 'd1:el' }, { bytes: 'd2:ip' }]);

/** Bitcoin P2P main-net and namecoin message magic. */
export const bitcoinLabel = label('bitcoin', [{ bytes: [0xf9, 0xbe, 0xb4, 0xd9] }, { bytes: [0xf9, 0xbe, 0xb4, 0xfe] }], []);

/** NetFlow v1/v5/v7 (fixed record sizes) and v9 (a template or data flowset follows the header). */
export const netflowLabel = label('netflow', [], [{ bytes: [0, 1] }, { bytes: [0, 5] }, { bytes: [0, 7] }, { bytes: [0, 9] }],
  (_s, b, off, len) => {
    if (len < 20) return false;
    const version = b[off + 1], count = u16(b, off + 2);
    if (count === 0) return false;
    if (version === 1) return len === 16 + 48 * count;
    if (version === 5) return len === 24 + 48 * count;
    if (version === 7) return len === 24 + 52 * count || len === 24 + 56 * count;
    if (len < 24) return false;
    const set = u16(b, off + 20), setLen = u16(b, off + 22);
    return (set <= 1 || set >= 256) && setLen >= 4 && setLen <= len - 20;
  });

/** IPFIX (NetFlow v10): the message length field equals the datagram length. */
export const ipfixLabel = label('ipfix', [], [{ bytes: [0, 10] }], (_s, b, off, len) => len >= 16 && u16(b, off + 2) === len);

/** sFlow v4/v5 datagrams: version, then an IPv4 (1) or IPv6 (2) agent address type. */
export const sflowLabel = label('sflow', [], [{ bytes: [0, 0, 0, 5] }, { bytes: [0, 0, 0, 4] }], (_s, b, off, len) => {
  if (len < 28) return false;
  const at = u32(b, off + 4);
  return at === 1 || at === 2;
});

/** Thrift binary protocol: a call message, unframed or behind a 4-byte frame length. */
export const thriftLabel = label('thrift', [{ bytes: [0x80, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00] }, { bytes: [0, 0] }], [],
  (_s, b, off, len) => b[off] === 0x80 || (len > 20 && b[off + 4] === 0x80 && b[off + 5] === 0x01 && b[off + 6] === 0));

/** Cassandra's Thrift interface: set_keyspace and describe_* calls. */
export const cassandraLabel = label('cassandra', [
  { bytes: [0, 0, 0, 0x25, 0x80, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x73, 0x65, 0x74, 0x5f] },
  { bytes: [0, 0, 0, 0x1d, 0x80, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x64, 0x65, 0x73, 0x63] },
], []);

/** Kafka request: 4-byte size equal to the payload, api key 0-6, api version high byte 0. */
export const kafkaLabel = label('kafka', [{ bytes: [0, 0] }], [],
  (_s, b, off, len) => len >= 10 && b[off + 4] === 0 && b[off + 5] <= 6 && b[off + 7] === 0 && 4 + u16(b, off + 2) === len);

/** Aerospike info protocol: version 2, type 1, 48-bit size equal to what follows the header. */
export const aerospikeLabel = label('aerospike', [{ bytes: [2, 1, 0, 0] }], [],
  (_s, b, off, len) => len > 8 && u32(b, off + 4) === len - 8);

/** Redis RESP: a PONG, an auth error, or a command array of 1-5 bulk strings. */
export const redisLabel = label('redis', [
  { bytes: '+PONG' }, { bytes: '-NOAUTH ' },
  { bytes: '*1\r\n$' }, { bytes: '*2\r\n$' }, { bytes: '*3\r\n$' }, { bytes: '*4\r\n$' }, { bytes: '*5\r\n$' },
], []);

/** MongoDB wire protocol OP_QUERY (opcode 2004) with response-to 0 or -1. */
export const mongoLabel = label('mongo', [
  { offset: 8, bytes: [0, 0, 0, 0, 0xd4, 0x07, 0, 0] },
  { offset: 8, bytes: [0xff, 0xff, 0xff, 0xff, 0xd4, 0x07, 0, 0] },
], []);

/** MS-RPCH: RPC over HTTP's RPC_IN_DATA / RPC_OUT_DATA channels (the HTTP parser adds `http`). */
export const rpcOverHttpLabel = label('rpc-over-http', [{ bytes: 'RPC_IN_DATA ' }, { bytes: 'RPC_OUT_DATA ' }], []);

export const labelParsers: ProtocolParser<true>[] = [
  bittorrentLabel, bitcoinLabel, netflowLabel, ipfixLabel, sflowLabel, thriftLabel, cassandraLabel, kafkaLabel,
  aerospikeLabel, redisLabel, mongoLabel, rpcOverHttpLabel,
];
