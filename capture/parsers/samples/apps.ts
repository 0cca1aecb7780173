// Samples for classifier-only labels, databases, FTP, IRC and other application protocols.
// Each sample uses its own 10.3.N.0/24 (client .1, server .2) and starts at at(3000 + 10 * N).
import { createHash } from 'node:crypto';
import { endpoint, tcpDialog, udpDialog, type Frame, type Message } from '../../synth/traffic.js';
import { clientHelloBody } from '../tls-test-hello.js';
import { at, type Sample } from './sample.js';

// ---- byte building -------------------------------------------------------------------------

type Part = Uint8Array | string | number[];

/** Concatenate byte parts; strings are latin1. */
function cat(...parts: Part[]): Uint8Array {
  const bufs = parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)));
  return new Uint8Array(Buffer.concat(bufs));
}
const be16 = (n: number) => [(n >>> 8) & 0xff, n & 0xff];
const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const be24 = (n: number) => [(n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const le16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const le64 = (n: bigint) => [...Buffer.from(new BigUint64Array([BigInt.asUintN(64, n)]).buffer)];
const zeros = (n: number) => new Array<number>(n).fill(0);
/** A string in a fixed-size field, NUL padded. */
const fixed = (s: string, n: number) => [...Buffer.from(s, 'latin1'), ...zeros(n - s.length)];
const ip4 = (s: string) => s.split('.').map(Number);

// ---- sessions ------------------------------------------------------------------------------

/** One session of a sample: TCP unless `udp`, to `port` on 10.3.N.2 from 10.3.N.1. */
interface Flow { udp?: boolean; port: number; clientPort?: number; messages: Message[] }

function flowFrames(n: number, flows: Flow[]): Frame[] {
  return flows.flatMap((f, i) => {
    const c = endpoint(`10.3.${n}.1`, f.clientPort ?? 40000 + n * 10 + i), s = endpoint(`10.3.${n}.2`, f.port, 'server');
    return f.udp ? udpDialog(c, s, at(3000 + 10 * n + i), f.messages) : tcpDialog(c, s, at(3000 + 10 * n + i), f.messages);
  });
}

/** A sample of sample number `n` (its subnet and seconds) made of `flows`. */
function sample(name: string, n: number, about: string, flows: Flow[], extra: Partial<Sample> = {}): Sample {
  return { name, about, frames: () => flowFrames(n, flows), ...extra };
}

const client = (data: Part): Message => ({ from: 'client', data: typeof data === 'string' ? data : cat(data) });
const server = (data: Part): Message => ({ from: 'server', data: typeof data === 'string' ? data : cat(data) });

// ---- classifier-only labels ----------------------------------------------------------------

const peerId = (tag: string) => `-${tag}-` + 'a1b2c3d4e5f6'.slice(0, 12);
const infoHash = cat([...Buffer.from('d8e8fca2dc0f896fd7cb4cb0031ba249', 'hex'), 0x12, 0x34, 0x56, 0x78]);
const btHandshake = (peer: string) => cat([0x13], 'BitTorrent protocol', [0, 0, 0, 0, 0, 0x10, 0, 0x05], infoHash, peer);
const nodeA = 'abcdefghij0123456789', nodeB = 'mnopqrstuvwxyz012345';

/** A Bitcoin P2P message: magic, command, length, double-SHA256 checksum, payload. */
function btcMsg(command: string, payload: Uint8Array): Uint8Array {
  const sum = createHash('sha256').update(createHash('sha256').update(payload).digest()).digest();
  return cat([0xf9, 0xbe, 0xb4, 0xd9], fixed(command, 12), le32(payload.length), sum.subarray(0, 4), payload);
}
const btcAddr = (ip: string, port: number) => cat(le64(0n), zeros(10), [0xff, 0xff], ip4(ip), be16(port));
const btcVersion = (time: number, nonce: number, height: number, to: string) => btcMsg('version', cat(
  le32(70016), le64(0x409n), le64(BigInt(time)), btcAddr(to, 8333), btcAddr('0.0.0.0', 0), le64(BigInt(nonce) * 0x1000193n),
  [16], '/Satoshi:27.0.0/', le32(height), [1]));

/** NetFlow v5 flow record. */
const nf5Record = (src: string, dst: string, sport: number, dport: number, pkts: number, octets: number) => cat(
  ip4(src), ip4(dst), ip4('0.0.0.0'), be16(1), be16(2), be32(pkts), be32(octets), be32(3_595_000), be32(3_599_000),
  be16(sport), be16(dport), [0, 0x1b, 6, 0], be16(0), be16(0), [24, 24], be16(0));
const netflowV5 = (seq: number) => cat(be16(5), be16(2), be32(3_600_000), be32(1_735_692_100), be32(0), be32(seq), [0, 0], be16(0),
  nf5Record('10.3.3.50', '10.3.3.60', 51515, 443, 12, 4800), nf5Record('10.3.3.60', '10.3.3.50', 443, 51515, 10, 9600));
/** Template 256: source and destination IPv4 address and port. */
const flowTemplate = [...be16(256), ...be16(4), ...be16(8), ...be16(4), ...be16(12), ...be16(4), ...be16(7), ...be16(2), ...be16(11), ...be16(2)];
const flowRecord = cat(ip4('10.3.3.50'), ip4('10.3.3.60'), be16(51515), be16(443));
const netflowV9 = cat(be16(9), be16(2), be32(3_600_500), be32(1_735_692_101), be32(1), be32(0),
  be16(0), be16(4 + flowTemplate.length), flowTemplate, be16(256), be16(4 + flowRecord.length), flowRecord);
const ipfixBody = cat(be16(2), be16(4 + flowTemplate.length), flowTemplate, be16(256), be16(4 + flowRecord.length), flowRecord);
const ipfix = cat(be16(10), be16(16 + ipfixBody.length), be32(1_735_692_110), be32(7), be32(1), ipfixBody);
/** sFlow v5 datagram with one counters sample holding generic interface counters. */
const ifCounters = cat(be32(3), be32(6), be32(0), be32(1_000_000_000), be32(1), be32(3), be32(0), be32(987_654_321),
  be32(812_345), be32(120), be32(45), be32(0), be32(0), be32(0), be32(0), be32(123_456_789), be32(456_789), be32(30),
  be32(12), be32(0), be32(0), be32(0));
const sflowSample = cat(be32(1), be32(3), be32(1), be32(1), be32(ifCounters.length), ifCounters);
const sflow = cat(be32(5), be32(1), ip4('10.3.5.1'), be32(0), be32(1), be32(3_600_000), be32(1), be32(2), be32(sflowSample.length), sflowSample);

/** A Thrift strict binary message (1 call, 2 reply), framed with its 4-byte length unless `unframed`. */
function thriftMsg(type: number, method: string, seq: number, body: Part, unframed = false): Uint8Array {
  const m = cat([0x80, 0x01, 0x00, type], be32(method.length), method, be32(seq), body);
  return unframed ? m : cat(be32(m.length), m);
}
const thriftString = (id: number, s: string) => cat([0x0b], be16(id), be32(s.length), s);

/** Kafka ListOffsets v0 request and response for topic `events` partition 0. */
const kafkaReq = (() => {
  const body = cat(be16(2), be16(0), be32(1), be16(16), 'packrat-consumer', be32(0xffffffff), be32(1), be16(6), 'events',
    be32(1), be32(0), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], be32(1));
  return cat(be32(body.length), body);
})();
const kafkaRsp = (() => {
  const body = cat(be32(1), be32(1), be16(6), 'events', be32(1), be32(0), be16(0), be32(1), be32(0), be32(42));
  return cat(be32(body.length), body);
})();

/** Aerospike info message: version 2, type 1, 48-bit length. */
const aeroInfo = (text: string) => cat([2, 1], be16(0), be32(text.length), text);

/** MongoDB OP_QUERY of {isMaster: 1, helloOk: true} on admin.$cmd, and its OP_REPLY. */
const bsonIsMaster = cat(le32(29), [0x10], 'isMaster\0', le32(1), [0x08], 'helloOk\0', [1], [0]);
const mongoQuery = cat(le32(16 + 4 + 11 + 8 + bsonIsMaster.length), le32(7), le32(0), le32(2004), le32(0), 'admin.$cmd\0', le32(0),
  le32(0xffffffff), bsonIsMaster);
const bsonReply = cat(le32(48), [0x08], 'ismaster\0', [1], [0x10], 'maxWireVersion\0', le32(17), [0x01], 'ok\0',
  [0, 0, 0, 0, 0, 0, 0xf0, 0x3f], [0]);
const mongoReply = cat(le32(16 + 20 + bsonReply.length), le32(9001), le32(7), le32(1), le32(8), le64(0n), le32(0), le32(1), bsonReply);

/** MS-RPCH RTS PDUs: CONN/A1 from the client on the OUT channel, CONN/A3 from the proxy. */
const rtsHeader = (len: number) => [5, 0, 20, 3, 0x10, 0, 0, 0, ...le16(len), 0, 0, ...le32(0)];
const cookie = (b: number) => Array.from({ length: 16 }, (_, i) => (b + i * 17) & 0xff);
const connA1 = cat(rtsHeader(76), le16(0), le16(4), le32(6), le32(1), le32(3), cookie(0x11), le32(3), cookie(0x5a), le32(0), le32(65536));
const connA3 = cat(rtsHeader(28), le16(0), le16(1), le32(2), le32(120_000));

const labelSamples: Sample[] = [
  sample('bittorrent', 1, 'peer wire handshakes and interested over TCP; a DHT find_node query and reply over UDP', [
    { port: 6881, messages: [client(btHandshake(peerId('qB4650'))), server(btHandshake(peerId('TR4000'))), client([0, 0, 0, 1, 2])] },
    { udp: true, port: 6881, clientPort: 6881, messages: [
      client(`d1:ad2:id20:${nodeA}6:target20:${nodeB}e1:q9:find_node1:t2:aa1:y1:qe`),
      server(`d1:rd2:id20:${nodeB}5:nodes26:${nodeA}${String.fromCharCode(10, 3, 1, 9, 0x1a, 0xe1)}e1:t2:aa1:y1:re`),
    ] },
  ]),
  sample('bitcoin', 2, 'version/verack handshake and ping/pong between two main-net peers', [
    { port: 8333, messages: [
      client(btcVersion(1_735_692_020, 11, 0, '10.3.2.2')),
      server(cat(btcVersion(1_735_692_020, 22, 870_000, '10.3.2.1'), btcMsg('verack', new Uint8Array(0)))),
      client(btcMsg('verack', new Uint8Array(0))),
      client(btcMsg('ping', cat(le64(0x1122334455667788n)))),
      server(btcMsg('pong', cat(le64(0x1122334455667788n)))),
    ] },
  ]),
  sample('netflow', 3, 'two NetFlow v5 export datagrams of two records each; a v9 template and data flowset', [
    { udp: true, port: 2055, messages: [client(netflowV5(1000)), client(netflowV5(1002))] },
    { udp: true, port: 9995, messages: [client(netflowV9)] },
  ]),
  sample('ipfix', 4, 'an IPFIX message with a template set and a data set', [{ udp: true, port: 4739, messages: [client(ipfix)] }]),
  sample('sflow', 5, 'an sFlow v5 datagram with a generic interface counters sample', [{ udp: true, port: 6343, messages: [client(sflow)] }]),
  sample('thrift', 6, 'framed binary calls and replies; an unframed call and reply', [
    { port: 9090, messages: [
      client(thriftMsg(1, 'getStatus', 1, [0])), server(thriftMsg(2, 'getStatus', 1, cat([0x08], be16(0), be32(2), [0]))),
      client(thriftMsg(1, 'getName', 2, [0])), server(thriftMsg(2, 'getName', 2, cat(thriftString(0, 'packrat-svc'), [0]))),
    ] },
    { port: 9091, messages: [
      client(thriftMsg(1, 'ping', 1, [0], true)), server(thriftMsg(2, 'ping', 1, [0], true)),
    ] },
  ]),
  sample('cassandra', 7, 'Cassandra Thrift set_keyspace and describe_version calls with replies', [
    { port: 9160, messages: [
      client(thriftMsg(1, 'set_keyspace', 1, cat(thriftString(1, 'stats'), [0]))), server(thriftMsg(2, 'set_keyspace', 1, [0])),
      client(thriftMsg(1, 'describe_version', 2, [0])), server(thriftMsg(2, 'describe_version', 2, cat(thriftString(0, '19.39.0'), [0]))),
    ] },
  ]),
  sample('kafka', 8, 'a ListOffsets v0 request and its response', [{ port: 9092, messages: [client(kafkaReq), server(kafkaRsp)] }]),
  sample('aerospike', 9, 'an info request for node and features and its reply', [
    { port: 3000, messages: [
      client(aeroInfo('node\nfeatures\n')),
      server(aeroInfo('node\tBB9020011AC4202\nfeatures\tbatch-index;blob-bits;cdt-list;float;geo;peers;pipelining;query-show;truncate-namespace;udf\n')),
    ] },
  ]),
  sample('redis', 10, 'PING/PONG, SET and GET as RESP arrays', [
    { port: 6379, messages: [
      client('*1\r\n$4\r\nPING\r\n'), server('+PONG\r\n'),
      client('*3\r\n$3\r\nSET\r\n$7\r\npackrat\r\n$5\r\nhello\r\n'), server('+OK\r\n'),
      client('*2\r\n$3\r\nGET\r\n$7\r\npackrat\r\n'), server('$5\r\nhello\r\n'),
    ] },
  ]),
  sample('mongo', 11, 'OP_QUERY isMaster on admin.$cmd and its OP_REPLY', [{ port: 27017, messages: [client(mongoQuery), server(mongoReply)] }]),
  sample('rpc-over-http', 12, 'an RPC_OUT_DATA channel request with CONN/A1 and the proxy 200 with CONN/A3', [
    { port: 80, messages: [
      client(cat('RPC_OUT_DATA /rpc/rpcproxy.dll?exch01.corp.example.test:6001 HTTP/1.1\r\nCache-Control: no-cache\r\n' +
        'Connection: Keep-Alive\r\nPragma: no-cache\r\nAccept: application/rpc\r\nUser-Agent: MSRPC\r\n' +
        'Content-Length: 76\r\nHost: mail.example.test\r\n\r\n', connA1)),
      server(cat('HTTP/1.1 200 Success\r\nContent-Type: application/rpc\r\nServer: Microsoft-IIS/10.0\r\n' +
        'Content-Length: 1073741824\r\n\r\n', connA3)),
    ] },
  ]),
];

// ---- databases -----------------------------------------------------------------------------

/** A PostgreSQL backend/frontend message: type byte, length including itself, body. */
const pgMsg = (type: string, ...body: Part[]) => { const b = cat(...body); return cat(type, be32(b.length + 4), b); };
const pgStartup = (params: [string, string][]) => {
  const b = cat(be32(0x00030000), ...params.map(([k, v]) => `${k}\0${v}\0`), [0]);
  return cat(be32(b.length + 4), b);
};
const pgReady = pgMsg('Z', 'I');

/** Oracle TNS Connect (type 1, version 314) with the connect descriptor after a 58-byte header. */
function tnsConnect(desc: string): Uint8Array {
  const head = cat(be16(58 + desc.length), be16(0), [1, 0], be16(0), be16(314), be16(300), be16(0x0c41), be16(8192), be16(32767),
    be16(0x7f08), be16(0), [1, 0], be16(desc.length), be16(58), be32(2048), [0x41, 0x41], zeros(24));
  return cat(head, desc);
}
/** TNS Accept (type 2, version 313). */
const tnsAccept = cat(be16(32), be16(0), [2, 0], be16(0), be16(313), be16(0x0801), be16(8192), be16(32767), [1, 0], be16(0), be16(32),
  [0x41, 0x01], zeros(8));

/** A MySQL packet: 3-byte little-endian length, sequence id, payload. */
const myPacket = (seq: number, ...payload: Part[]) => { const p = cat(...payload); return cat(le16(p.length), [p.length >>> 16, seq], p); };
const myGreeting = (version: string, thread: number) => myPacket(0, [10], `${version}\0`, le32(thread), 'Xk3r9!qZ', [0],
  le16(0xffff), [0xff], le16(0x0002), le16(0xdfff), [21], zeros(10), 'p7Lm2#vQ8wRt\0', 'caching_sha2_password\0');
const MY_CAPS = 0x01 | 0x02 | 0x04 | 0x08 | 0x80 | 0x200 | 0x400 | 0x2000 | 0x8000 | 0x10000 | 0x20000 | 0x40000 | 0x80000 | 0x100000 | 0x200000 | 0x1000000;
const myAttrs = (() => {
  const kv = (k: string, v: string) => cat([k.length], k, [v.length], v);
  const a = cat(kv('_client_name', 'libmysql'), kv('_client_version', '8.0.36'), kv('program_name', 'mysql'));
  return cat([a.length], a);
})();
const myLogin = myPacket(1, le32(MY_CAPS), le32(16_777_216), [0xff], zeros(23), 'WebApp\0', [32], Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff),
  'shop\0', 'caching_sha2_password\0', myAttrs);
const mySslRequest = myPacket(1, le32(MY_CAPS | 0x800), le32(16_777_216), [0xff], zeros(23));
const tlsClientHello = (() => {
  const body = clientHelloBody('db.example.test');
  return cat([0x16, 0x03, 0x01], be16(body.length + 4), [1], be24(body.length), body);
})();

/** A Sybase TDS 5.0 login record (LOGINREC, 576 bytes) and capability token, split into two TDS packets. */
function tdsLogin(): Uint8Array[] {
  const rec = cat(
    fixed('appsrv01', 30), [8], fixed('Report_User', 30), [11], fixed('s3cret', 30), [6], fixed('4242', 30), [4],
    [3, 1, 6, 10, 9, 1, 1, 0, 0], zeros(4), zeros(3), fixed('isql', 30), [4], fixed('SYBASE', 30), [6],
    [0, 6, ...Buffer.from('s3cret', 'latin1'), ...zeros(247)], [8], [5, 0, 0, 0], fixed('isql', 10), [4], [5, 0, 0, 0],
    [0, 0, 0], fixed('us_english', 30), [10], [1], zeros(2), [0, 0, 0], zeros(6), zeros(2), fixed('utf8', 30), [4], [1],
    fixed('512', 6), [3], zeros(4));
  const caps = cat([0xe2], le16(32), [1, 14], zeros(14), [2, 14], zeros(14));
  const all = cat(rec, caps);
  const first = all.subarray(0, 504), rest = all.subarray(504);
  return [cat([2, 0], be16(512), [0, 0, 1, 0], first), cat([2, 1], be16(8 + rest.length), [0, 0, 2, 0], rest)];
}
const tdsLoginAck = (() => {
  const ack = cat([0xad], le16(20), [5], [5, 0, 0, 0], [10], 'sql server', [16, 0, 0, 0]);
  const done = cat([0xfd], le16(0), le16(0), le32(0));
  return cat([4, 1], be16(8 + ack.length + done.length), [0, 0, 0, 0], ack, done);
})();

const dbSamples: Sample[] = [
  sample('postgresql', 20, 'SSLRequest refused, startup with user/database/application_name, MD5 auth, a query; a plain startup', [
    { port: 5432, messages: [
      client([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]), server('N'),
      client(pgStartup([['user', 'alice'], ['database', 'inventory'], ['application_name', 'psql'], ['client_encoding', 'UTF8']])),
      server(pgMsg('R', be32(5), [0x9a, 0x3c, 0x11, 0x7e])),
      client(pgMsg('p', 'md5', '4d45974e13472b5a0be3533de4666414', [0])),
      server(cat(pgMsg('R', be32(0)), pgMsg('S', 'server_version\0', '16.2\0'), pgMsg('K', be32(4242), be32(0x5eed)), pgReady)),
      client(pgMsg('Q', 'SELECT count(*) FROM items;\0')),
      server(cat(pgMsg('T', be16(1), 'count\0', be32(0), be16(0), be32(20), be16(8), be32(0xffffffff), be16(0)),
        pgMsg('D', be16(1), be32(2), '42'), pgMsg('C', 'SELECT 1\0'), pgReady)),
      client(pgMsg('X')),
    ] },
    { port: 5432, messages: [
      client(pgStartup([['user', 'reporter'], ['database', 'metrics'], ['application_name', 'pgAdmin 4 - DB:metrics']])),
      server(cat(pgMsg('R', be32(0)), pgReady)),
      client(pgMsg('X')),
    ] },
  ]),
  sample('oracle', 21, 'TNS Connect with a connect descriptor (service, client host and user) and the Accept', [
    { port: 1521, messages: [
      client(tnsConnect('(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME=ORCLPDB1.example.test)(CID=(PROGRAM=sqlplus)(HOST=APPSRV01)(USER=Scott)))' +
        '(ADDRESS=(PROTOCOL=TCP)(HOST=10.3.21.2)(PORT=1521)))')),
      server(tnsAccept),
    ] },
  ]),
  sample('mysql', 22, 'greeting, login with user and database, auth OK, quit; an SSL request then a TLS ClientHello; a greeting never answered (no protocol)', [
    { port: 3306, messages: [
      server(myGreeting('8.0.36', 26)), client(myLogin), server(cat(myPacket(2, [1, 3]), myPacket(3, [0, 0, 0], le16(2), le16(0)))),
      client(myPacket(0, [1])),
    ] },
    { port: 3306, messages: [server(myGreeting('5.7.44-log', 27)), client(mySslRequest), client(tlsClientHello)] },
    { port: 3306, messages: [server(myGreeting('8.0.36', 28))] },
  ]),
  sample('tds', 23, 'a Sybase TDS 5.0 login in two packets (user Report_User) and the login ack', [
    { port: 5000, messages: [...tdsLogin().map((p) => client(p)), server(tdsLoginAck)] },
  ]),
];

// ---- FTP and IRC ---------------------------------------------------------------------------

const chatSamples: Sample[] = [
  sample('ftp', 30, 'multi-line banner, login, passive RETR/STOR and file commands with replies, and the RETR data connection', [
    { port: 21, messages: [
      server('220-Packrat test FTP service\r\n220-Authorized use only\r\n220 Ready\r\n'),
      client('USER Alice\r\n'), server('331 Password required for alice\r\n'),
      client('PASS s3cret\r\n'), server('230 User alice logged in\r\n'),
      client('SYST\r\n'), server('215 UNIX Type: L8\r\n'),
      client('TYPE I\r\n'), server('200 Type set to I\r\n'),
      client('SIZE reports/q3.csv\r\n'), server('213 38\r\n'),
      client('PASV\r\n'), server('227 Entering Passive Mode (10,3,30,2,195,80).\r\n'),
      client('RETR reports/q3.csv\r\n'), server('150 Opening BINARY mode data connection for reports/q3.csv (38 bytes)\r\n226 Transfer complete\r\n'),
      client('PASV\r\n'), server('227 Entering Passive Mode (10,3,30,2,195,81).\r\n'),
      client('STOR upload/new file.txt\r\n'), server('550 upload/new file.txt: Permission denied\r\n'),
      client('DELE old.log\r\n'), server('250 DELE command successful\r\n'),
      client('MKD archive\r\n'), server('257 "/archive" - Directory successfully created\r\n'),
      client('QUIT\r\n'), server('221 Goodbye.\r\n'),
    ] },
    { port: 50000, clientPort: 40301, messages: [server('region,quarter,total\r\nnorth,q3,4200\r\n')] },
  ]),
  sample('irc', 31, 'server NOTICE first, CAP/NICK/USER registration, JOIN of two channels, a nick change; a client-first session with a keyed JOIN', [
    { port: 6667, messages: [
      server(':irc.example.test NOTICE * :*** Looking up your hostname...\r\n'),
      client('CAP LS 302\r\nNICK packrat\r\nUSER packrat 0 * :Packrat Tester\r\n'),
      server(':irc.example.test CAP * LS :multi-prefix sasl\r\n:irc.example.test 001 packrat :Welcome to the Example IRC Network packrat\r\n'),
      client('CAP END\r\nJOIN #packrat,#arkime\r\n'),
      server(':packrat!packrat@10.3.31.1 JOIN #packrat\r\n:packrat!packrat@10.3.31.1 JOIN #arkime\r\n'),
      client('PRIVMSG #packrat :hello from the sample\r\nNICK packrat_\r\n'),
      server(':packrat!packrat@10.3.31.1 NICK :packrat_\r\n'),
      client('QUIT :bye\r\n'),
    ] },
    { port: 6667, messages: [
      client('NICK bob\r\nUSER bob 8 * :Bob Example\r\n'),
      server(':irc.example.test 001 bob :Welcome to the Example IRC Network bob\r\n'),
      client('JOIN #ops opskey\r\n'), server(':bob!bob@10.3.31.1 JOIN #ops\r\n'),
    ] },
  ]),
];

// ---- ADB, Diameter, PANA, BGP --------------------------------------------------------------

/** An ADB transport message: command, two args, data length, data checksum (0 from version 0x01000001), magic. */
const adb = (cmd: string, arg0: number, arg1: number, data: Part = []) => {
  const d = cat(data), c = Buffer.from(cmd, 'latin1').readUInt32LE(0);
  return cat(cmd, le32(arg0), le32(arg1), le32(d.length), le32(0), le32((c ^ 0xffffffff) >>> 0), d);
};
const A_VERSION = 0x01000001, A_MAXDATA = 256 * 1024;
const syncReq = (id: string, arg: Part) => { const a = cat(arg); return cat(id, le32(a.length), a); };
const shellPacket = (id: number, data: Part) => { const d = cat(data); return cat([id], le32(d.length), d); };
const adbHostReq = (s: string) => s.length.toString(16).padStart(4, '0') + s;

/** A Diameter AVP: code, flags (V 0x80, M 0x40), length, optional vendor id, data padded to 4. */
function avp(code: number, data: Part, vendor?: number): Uint8Array {
  const d = cat(data), head = vendor === undefined ? 8 : 12;
  return cat(be32(code), [vendor === undefined ? 0x40 : 0xc0], be24(head + d.length), vendor === undefined ? [] : be32(vendor), d, zeros((4 - (d.length & 3)) & 3));
}
/** A Diameter message: version 1, length, flags (R 0x80, P 0x40), command, application, hop-by-hop and end-to-end ids. */
function diameter(flags: number, cmd: number, app: number, id: number, ...avps: Uint8Array[]): Uint8Array {
  const body = cat(...avps);
  return cat([1], be24(20 + body.length), [flags], be24(cmd), be32(app), be32(0x1000 + id), be32(0x5a000000 + id), body);
}
const GX = 16777238, PCEF = 'pcef01.epc.example.test', PCRF = 'pcrf01.epc.example.test', REALM = 'epc.example.test';
const capabilities = (host: string, ip: string) => [avp(264, host), avp(296, REALM), avp(257, [0, 1, ...ip4(ip)]), avp(266, be32(10415)),
  avp(269, 'packrat-diameter'), avp(258, be32(GX))];
const GX_SESSION = `${PCEF};1735693000;1`;

/** A PANA message: reserved, length, flags (R 0x8000, S 0x4000, C 0x2000), type, session id, sequence, AVPs. */
function pana(flags: number, type: number, session: number, seq: number, ...avps: Uint8Array[]): Uint8Array {
  const body = cat(...avps);
  return cat(be16(0), be16(16 + body.length), be16(flags), be16(type), be32(session), be32(seq), body);
}
/** A PANA AVP: code, flags, value length, reserved, value padded to 4. */
const panaAvp = (code: number, value: Part) => { const v = cat(value); return cat(be16(code), be16(0), be16(v.length), be16(0), v, zeros((4 - (v.length & 3)) & 3)); };
const eap = (code: number, id: number, type: number | undefined, data: Part = []) => {
  const d = cat(data), len = 4 + (type === undefined ? 0 : 1) + d.length;
  return cat([code, id], be16(len), type === undefined ? [] : [type], d);
};
const PANA_SID = 0x1a2b3c4d;

/** A BGP message: 16-byte marker, length, type, body. */
const bgp = (type: number, body: Part = []) => { const b = cat(body); return cat(new Array(16).fill(0xff), be16(19 + b.length), [type], b); };
const bgpOpen = (as: number, id: string) => bgp(1, cat([4], be16(as), be16(180), ip4(id), [8], [2, 6, 1, 4, 0, 1, 0, 1]));
/** UPDATE: no withdrawn routes; ORIGIN, AS_PATH, NEXT_HOP and MED attributes (25 bytes); NLRI 10.99.1.0/24. */
const bgpUpdate = bgp(2, cat(be16(0), be16(25), [0x40, 1, 1, 0], [0x40, 2, 4, 2, 1, ...be16(64512)], [0x40, 3, 4, ...ip4('10.3.43.1')],
  [0x80, 4, 4, 0, 0, 0, 0], [24, 10, 99, 1]));
const bgpNotification = bgp(3, [6, 2]);

/** A WebSocket frame (RFC 6455); client frames carry a mask key and masked payload. */
function wsFrame(opcode: number, payload: Part, mask?: number[], fin = true): Uint8Array {
  const p = cat(payload), n = p.length;
  const len = n < 126 ? [n] : [126, ...be16(n)];
  if (mask) len[0] |= 0x80;
  const body = mask ? p.map((b, i) => b ^ mask[i & 3]) : p;
  return cat([(fin ? 0x80 : 0) | opcode], len, mask ?? [], body);
}
const WS_MASK = [0x37, 0xfa, 0x21, 0x3d];

const otherSamples: Sample[] = [
  sample('websocket', 44, 'HTTP upgrade to a WebSocket; masked client text, ping and close, server text in two fragments, pong and close', [
    { port: 8080, messages: [
      client('GET /chat HTTP/1.1\r\nHost: ws.example.test:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://ws.example.test:8080\r\n\r\n'),
      server('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n'),
      client(wsFrame(1, 'hello websocket', WS_MASK)),
      server(cat(wsFrame(1, 'Welcome, ', undefined, false), wsFrame(0, 'packrat!'))),
      client(wsFrame(9, 'keepalive', WS_MASK)), server(wsFrame(10, 'keepalive')),
      client(wsFrame(8, cat(be16(1000), 'bye'), WS_MASK)), server(wsFrame(8, cat(be16(1000), 'bye'))),
    ] },
  ]),

  sample('adb', 40, 'device transport: CNXN with RSA auth, shell v2 with exit code, file sync, reverse forward; a host forward request on 5037', [
    { port: 5555, messages: [
      client(adb('CNXN', A_VERSION, A_MAXDATA, 'host::features=shell_v2,cmd,stat_v2,ls_v2,fixed_push_mkdir,apex,abb\0')),
      server(adb('AUTH', 1, 0, Array.from({ length: 20 }, (_, i) => (i * 29 + 3) & 0xff))),
      client(adb('AUTH', 2, 0, Array.from({ length: 256 }, (_, i) => (i * 53 + 7) & 0xff))),
      server(adb('AUTH', 1, 0, Array.from({ length: 20 }, (_, i) => (i * 31 + 5) & 0xff))),
      client(adb('AUTH', 3, 0, 'QAAAAMr3Yp9b2m0kx7TqVh8WnF4sL1eQd5cR6uJ0oI9yH2gP3aZ7vB4nM1kX8tE5wC6 packrat@workstation\0')),
      server(adb('CNXN', A_VERSION, A_MAXDATA, 'device:R5CT12ABCDE:ro.product.name=panther;ro.product.model=Pixel 7;ro.product.device=panther;features=shell_v2,cmd,stat_v2\0')),
      client(adb('OPEN', 1, 0, 'shell,v2,raw:getprop ro.build.version.release\0')),
      server(adb('OKAY', 28, 1)),
      server(adb('WRTE', 28, 1, cat(shellPacket(1, '14\n'), shellPacket(3, [0])))),
      client(adb('OKAY', 1, 28)),
      server(adb('CLSE', 0, 1)), client(adb('CLSE', 1, 28)),
      client(adb('OPEN', 2, 0, 'sync:\0')),
      server(adb('OKAY', 29, 2)),
      client(adb('WRTE', 2, 29, syncReq('STAT', '/sdcard/Download/notes.txt'))),
      server(adb('OKAY', 29, 2)),
      server(adb('WRTE', 29, 2, cat('STAT', le32(0x81b0), le32(12), le32(1_735_690_000)))),
      client(adb('OKAY', 2, 29)),
      client(adb('WRTE', 2, 29, cat(syncReq('SEND', '/sdcard/Download/notes.txt,33200'), syncReq('DATA', 'hello world\n'), 'DONE', le32(1_735_693_400)))),
      server(adb('OKAY', 29, 2)),
      server(adb('WRTE', 29, 2, cat('OKAY', le32(0)))),
      client(adb('OKAY', 2, 29)),
      client(adb('WRTE', 2, 29, syncReq('RECV', '/sdcard/DCIM/photo.jpg'))),
      server(adb('OKAY', 29, 2)),
      server(adb('WRTE', 29, 2, cat('FAIL', le32(25), 'No such file or directory'))),
      client(adb('OKAY', 2, 29)),
      client(adb('WRTE', 2, 29, cat(syncReq('LIST', '/sdcard/'), 'QUIT', le32(0)))),
      server(adb('OKAY', 29, 2)),
      server(adb('WRTE', 29, 2, cat('DENT', le32(0x41f9), le32(4096), le32(1_735_690_000), le32(8), 'Download', 'DONE', zeros(16)))),
      client(adb('OKAY', 2, 29)),
      server(adb('CLSE', 0, 2)), client(adb('CLSE', 2, 29)),
      client(adb('OPEN', 3, 0, 'reverse:forward:tcp:9090;tcp:443\0')),
      server(adb('OKAY', 30, 3)),
      server(adb('WRTE', 30, 3, 'OKAY')),
    ] },
    { port: 5037, messages: [client(adbHostReq('host:forward:tcp:8080;tcp:80')), server('OKAYOKAY')] },
  ]),
  sample('diameter', 41, 'CER/CEA, a Gx Credit-Control request and answer with subscription and user, and a watchdog exchange', [
    { port: 3868, messages: [
      client(diameter(0x80, 257, 0, 1, ...capabilities(PCEF, '10.3.41.1'))),
      server(diameter(0x00, 257, 0, 1, avp(268, be32(2001)), ...capabilities(PCRF, '10.3.41.2'))),
      client(diameter(0xc0, 272, GX, 2, avp(263, GX_SESSION), avp(258, be32(GX)), avp(264, PCEF), avp(296, REALM), avp(283, REALM),
        avp(293, PCRF), avp(416, be32(1)), avp(415, be32(0)), avp(1, '001010123456789@ims.example.test'),
        avp(443, cat(avp(450, be32(1)), avp(444, '001010123456789'))), avp(1000, be32(0), 10415))),
      server(diameter(0x40, 272, GX, 2, avp(263, GX_SESSION), avp(268, be32(2001)), avp(264, PCRF), avp(296, REALM), avp(258, be32(GX)),
        avp(416, be32(1)), avp(415, be32(0)))),
      client(diameter(0x80, 280, 0, 3, avp(264, PCEF), avp(296, REALM))),
      server(diameter(0x00, 280, 0, 3, avp(268, be32(2001)), avp(264, PCRF), avp(296, REALM))),
    ] },
  ]),
  sample('pana', 42, 'PCI, PANA-Auth start exchange, EAP Request/Response Identity, and a termination', [
    { udp: true, port: 716, clientPort: 716, messages: [
      client(pana(0, 1, 0, 0)),
      server(pana(0xc000, 2, PANA_SID, 1, panaAvp(6, be32(5)), panaAvp(4, be32(12)))),
      client(pana(0x4000, 2, PANA_SID, 1, panaAvp(6, be32(5)), panaAvp(4, be32(12)))),
      server(pana(0x8000, 2, PANA_SID, 2, panaAvp(5, Array.from({ length: 16 }, (_, i) => i * 7 + 1)), panaAvp(2, eap(1, 1, 1)))),
      client(pana(0x0000, 2, PANA_SID, 2, panaAvp(5, Array.from({ length: 16 }, (_, i) => i * 11 + 2)), panaAvp(2, eap(2, 1, 1, 'alice@example.test')))),
      server(pana(0xa000, 2, PANA_SID, 3, panaAvp(7, be32(0)), panaAvp(2, eap(3, 2, undefined)), panaAvp(8, be32(3600)))),
      client(pana(0x2000, 2, PANA_SID, 3)),
      client(pana(0x8000, 3, PANA_SID, 4, panaAvp(9, be32(1)))),
      server(pana(0x0000, 3, PANA_SID, 4)),
    ] },
  ]),
  sample('bgp', 43, 'OPEN both ways, KEEPALIVEs, an UPDATE announcing 10.99.1.0/24, and a NOTIFICATION (cease)', [
    { port: 179, messages: [
      client(bgpOpen(64512, '10.3.43.1')), server(bgpOpen(64513, '10.3.43.2')),
      client(bgp(4)), server(bgp(4)),
      client(bgpUpdate), server(bgp(4)),
      client(bgpNotification),
    ] },
  ]),
];

export const appSamples: Sample[] = [
  ...labelSamples,
  ...dbSamples,
  ...chatSamples,
  ...otherSamples,
];
