// Wire-format builders for the mail/Windows/VPN samples (mailwin.ts): DER, NTLMSSP, SPNEGO,
// SMB1/SMB2, Kerberos, LDAP, DCE/RPC, RDP, SNMP, DHCP, IKE, OpenVPN. Lengths and offsets are
// computed, never typed in, so each message is framed as a real implementation frames it.
export type Bytes = number[];

export const le16 = (v: number): Bytes => [v & 0xff, (v >> 8) & 0xff];
export const le32 = (v: number): Bytes => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
export const be16 = (v: number): Bytes => [(v >> 8) & 0xff, v & 0xff];
export const be32 = (v: number): Bytes => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
export const ascii = (s: string): Bytes => [...Buffer.from(s, 'latin1')];
export const utf16 = (s: string): Bytes => [...Buffer.from(s, 'utf16le')];
export const zeros = (n: number): Bytes => new Array(n).fill(0);
/** Deterministic filler standing in for random or encrypted bytes. */
export const filler = (n: number, seed = 1): Bytes => Array.from({ length: n }, (_, i) => (seed * 131 + i * 29 + (i >> 3) * 7) & 0xff);
export const hexBytes = (h: string): Bytes => (h.match(/../g) ?? []).map((x) => parseInt(x, 16));

// ------------------------------------------------------------------------------------------
// DER / BER

function derLen(n: number): Bytes {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  return [0x82, n >> 8, n & 0xff];
}

/** One TLV with its identifier octet(s) given whole. */
export const tlv = (id: number | Bytes, content: Bytes): Bytes => [...(typeof id === 'number' ? [id] : id), ...derLen(content.length), ...content];
export const seq = (...items: Bytes[]): Bytes => tlv(0x30, items.flat());
/** Context-specific constructed [n] (explicit tagging). */
export const ctx = (n: number, content: Bytes): Bytes => tlv(0xa0 | n, content);
/** APPLICATION constructed [n]. */
export const app = (n: number, content: Bytes): Bytes => tlv(n < 31 ? 0x60 | n : [0x7f, n], content);
export function derInt(v: number): Bytes {
  const out: number[] = [];
  let x = v >>> 0;
  do { out.unshift(x & 0xff); x = Math.floor(x / 256); } while (x > 0);
  if (out[0] & 0x80) out.unshift(0);
  return tlv(0x02, out);
}
export const octets = (b: Bytes): Bytes => tlv(0x04, b);
export const octetStr = (s: string): Bytes => tlv(0x04, ascii(s));
export const enumerated = (v: number): Bytes => tlv(0x0a, [v]);
export function oid(dotted: string): Bytes {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [arcs[0] * 40 + arcs[1]];
  for (const a of arcs.slice(2)) {
    const chunk: number[] = [a & 0x7f];
    for (let x = Math.floor(a / 128); x > 0; x = Math.floor(x / 128)) chunk.unshift(0x80 | (x & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, out);
}

// ------------------------------------------------------------------------------------------
// NTLMSSP (MS-NLMP) and SPNEGO

const NTLM_SIG = ascii('NTLMSSP\0');
/** NEGOTIATE_UNICODE | REQUEST_TARGET | SIGN | SEAL | NTLM | ALWAYS_SIGN | EXTENDED_SESSIONSECURITY | TARGET_INFO | VERSION | 128 | KEY_EXCH | 56 */
const NTLM_FLAGS = 0xe2898235;
/** Windows 10 build 19041, NTLM revision 15. */
const NTLM_VERSION = [10, 0, ...le16(19041), 0, 0, 0, 15];
const NTLMSSP_OID = '1.3.6.1.4.1.311.2.2.10';
const SPNEGO_OID = '1.3.6.1.5.5.2';

export function ntlmNegotiate(): Bytes {
  return [...NTLM_SIG, ...le32(1), ...le32(0xe2088297), ...le16(0), ...le16(0), ...le32(0), ...le16(0), ...le16(0), ...le32(0), ...NTLM_VERSION];
}

function avPairs(pairs: [number, Bytes][]): Bytes {
  return [...pairs.flatMap(([id, v]) => [...le16(id), ...le16(v.length), ...v]), ...le16(0), ...le16(0)];
}

/** CHALLENGE: target name and target info (NetBIOS and DNS names of the domain and server). */
export function ntlmChallenge(domain: string, server: string, dnsDomain: string): Bytes {
  const target = utf16(domain);
  const info = avPairs([
    [2, utf16(domain)], [1, utf16(server)], [4, utf16(dnsDomain)], [3, utf16(`${server.toLowerCase()}.${dnsDomain}`)],
    [7, [0x00, 0x80, 0x3e, 0xd5, 0xde, 0x5b, 0xdb, 0x01]],
  ]);
  const head = 56;
  return [
    ...NTLM_SIG, ...le32(2),
    ...le16(target.length), ...le16(target.length), ...le32(head),
    ...le32(NTLM_FLAGS), ...filler(8, 7), ...zeros(8),
    ...le16(info.length), ...le16(info.length), ...le32(head + target.length),
    ...NTLM_VERSION, ...target, ...info,
  ];
}

/** AUTHENTICATE with an NTLMv2 response; domain, user and workstation in UTF-16. */
export function ntlmAuthenticate(domain: string, user: string, host: string): Bytes {
  const blob = [1, 1, 0, 0, ...zeros(4), 0x00, 0x80, 0x3e, 0xd5, 0xde, 0x5b, 0xdb, 0x01, ...filler(8, 3), ...zeros(4),
    ...avPairs([[2, utf16(domain)], [1, utf16('DC01')]]), ...zeros(4)];
  const fields = [zeros(24), [...filler(16, 5), ...blob], utf16(domain), utf16(user), utf16(host), filler(16, 9)];
  let off = 88;
  const hdr: number[] = [];
  for (const f of fields) { hdr.push(...le16(f.length), ...le16(f.length), ...le32(off)); off += f.length; }
  return [...NTLM_SIG, ...le32(3), ...hdr, ...le32(NTLM_FLAGS), ...NTLM_VERSION, ...filler(16, 11), ...fields.flat()];
}

/** GSS-API InitialContextToken with a SPNEGO NegTokenInit offering NTLMSSP. */
export function spnegoInit(token: Bytes): Bytes {
  return app(0, [...oid(SPNEGO_OID), ...ctx(0, seq(ctx(0, seq(oid(NTLMSSP_OID))), ctx(2, octets(token))))]);
}

/** NegTokenResp: negState (omitted when undefined), supportedMech on the first reply, responseToken (when any). */
export function spnegoResp(token: Bytes | undefined, negState?: number, mech = false): Bytes {
  const parts: Bytes[] = [];
  if (negState !== undefined) parts.push(ctx(0, enumerated(negState)));
  if (mech) parts.push(ctx(1, oid(NTLMSSP_OID)));
  if (token) parts.push(ctx(2, octets(token)));
  return ctx(1, seq(...parts));
}

// ------------------------------------------------------------------------------------------
// SMB over NetBIOS session service

/** NetBIOS session message: type 0, 24-bit length. */
export const nbss = (msg: Bytes): Bytes => [0, (msg.length >> 16) & 0xff, (msg.length >> 8) & 0xff, msg.length & 0xff, ...msg];

/** SMB1 header: command, flags (0x18 request, 0x98 reply), flags2, tid, uid, mid. */
export function smb1Header(cmd: number, reply: boolean, flags2: number, ids: Smb1Ids): Bytes {
  return [0xff, ...ascii('SMB'), cmd, ...le32(ids.status ?? 0), reply ? 0x98 : 0x18, ...le16(flags2), ...le16(0), ...zeros(8), ...le16(0),
    ...le16(ids.tid ?? 0xffff), ...le16(0xfeff), ...le16(ids.uid ?? 0), ...le16(ids.mid)];
}

/** An SMB1 message: header, word count, words, byte count, bytes. */
export interface Smb1Ids { tid?: number; uid?: number; mid: number; status?: number }

export function smb1(cmd: number, reply: boolean, flags2: number, ids: Smb1Ids, words: Bytes, bytes: Bytes): Bytes {
  return [...smb1Header(cmd, reply, flags2, ids), words.length / 2, ...words, ...le16(bytes.length), ...bytes];
}

/** SMB2 header (64 bytes). */
export function smb2Header(cmd: number, reply: boolean, ids: { mid: number; status?: number; tree?: number; session?: number; credits?: number }): Bytes {
  return [0xfe, ...ascii('SMB'), ...le16(64), ...le16(1), ...le32(ids.status ?? 0), ...le16(cmd), ...le16(ids.credits ?? (reply ? 1 : 31)),
    ...le32(reply ? 1 : 0), ...le32(0), ...le32(ids.mid), ...le32(0), ...le32(0xfeff), ...le32(ids.tree ?? 0),
    ...le32(ids.session ?? 0), ...le32(0), ...zeros(16)];
}

// ------------------------------------------------------------------------------------------
// Kerberos (RFC 4120)

export const kstr = (s: string): Bytes => tlv(0x1b, ascii(s));
export const ktime = (s: string): Bytes => tlv(0x18, ascii(s));
export const principal = (type: number, ...names: string[]): Bytes => seq(ctx(0, derInt(type)), ctx(1, seq(...names.map(kstr))));
export const encData = (etype: number, cipherLen: number, seed: number, kvno?: number): Bytes =>
  seq(ctx(0, derInt(etype)), ...(kvno !== undefined ? [ctx(1, derInt(kvno))] : []), ctx(2, octets(filler(cipherLen, seed))));
export const ticket = (realm: string, sname: Bytes, cipherLen: number): Bytes =>
  app(1, seq(ctx(0, derInt(5)), ctx(1, kstr(realm)), ctx(2, sname), ctx(3, encData(18, cipherLen, 21, 2))));

// ------------------------------------------------------------------------------------------
// IPv6 / UDP (DHCPv6): a small local builder, the shared one has only IPv4

export interface Endpoint6 { ip: Bytes; port: number; mac: Bytes }

function csum16(parts: Bytes): number {
  let s = 0;
  for (let i = 0; i < parts.length; i += 2) s += (parts[i] << 8) | (parts[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Ethernet/IPv6/UDP frame with a correct UDP checksum; `dstMac` for multicast destinations. */
export function udp6Frame(src: Endpoint6, dst: Endpoint6, payload: Bytes, hopLimit = 64, dstMac?: Bytes): Uint8Array {
  const ulen = 8 + payload.length;
  const udp = [...be16(src.port), ...be16(dst.port), ...be16(ulen), 0, 0, ...payload];
  const pseudo = [...src.ip, ...dst.ip, ...be32(ulen), 0, 0, 0, 17, ...udp];
  const c = csum16(pseudo) || 0xffff;
  udp[6] = c >> 8; udp[7] = c & 0xff;
  return new Uint8Array([...(dstMac ?? dst.mac), ...src.mac, 0x86, 0xdd,
    0x60, 0, 0, 0, ...be16(ulen), 17, hopLimit, ...src.ip, ...dst.ip, ...udp]);
}

export function ipv6(text: string): Bytes {
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => be16(parseInt(g, 16)));
}
