// IP address text ⇄ bytes, shared by override-ips, geo and community id.
// Enrichment works on text addresses once per session, so these helpers may allocate.

/** Parse dotted IPv4. `short` accepts Arkime/inet_net_pton short forms ("10.180" = 10.180.0.0). */
export function parseIpv4(text: string, short = false): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length > 4 || (!short && parts.length !== 4)) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** Parse IPv6 text (with "::" and an optional dotted IPv4 tail) into 16 bytes. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const pct = text.indexOf('%'); // zone id: not part of the address
  if (pct >= 0) text = text.slice(0, pct);
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return undefined;
  const head = dbl >= 0 ? text.slice(0, dbl) : text;
  const tail = dbl >= 0 ? text.slice(dbl + 2) : '';
  const words: number[] = [];
  const tailWords: number[] = [];
  if (!pushGroups(head, words, dbl < 0 || tail === '')) return undefined;
  if (dbl >= 0 && !pushGroups(tail, tailWords, true)) return undefined;
  const total = words.length + tailWords.length;
  if (dbl < 0 ? total !== 8 : total > 7) return undefined;
  const out = new Uint8Array(16);
  for (let i = 0; i < words.length; i++) { out[i * 2] = words[i] >> 8; out[i * 2 + 1] = words[i] & 0xff; }
  const start = 8 - tailWords.length;
  for (let i = 0; i < tailWords.length; i++) {
    out[(start + i) * 2] = tailWords[i] >> 8; out[(start + i) * 2 + 1] = tailWords[i] & 0xff;
  }
  return out;
}

function pushGroups(s: string, words: number[], v4TailAllowed: boolean): boolean {
  if (s === '') return true;
  const groups = s.split(':');
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (i === groups.length - 1 && v4TailAllowed && g.includes('.')) {
      const v4 = parseIpv4(g);
      if (!v4) return false;
      words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
    words.push(parseInt(g, 16));
  }
  return true;
}

/** 4 bytes for IPv4 text, 16 for IPv6 text, undefined when it is neither. */
export function parseIp(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/** ::ffff:a.b.c.d → its 4 IPv4 bytes (Arkime stores IPv4 that way and looks it up as IPv4). */
export function unmapV4(addr: Uint8Array): Uint8Array {
  if (addr.length !== 16) return addr;
  for (let i = 0; i < 10; i++) if (addr[i] !== 0) return addr;
  if (addr[10] !== 0xff || addr[11] !== 0xff) return addr;
  return addr.subarray(12, 16);
}

export function formatIpv4(addr: Uint8Array, off = 0): string {
  return `${addr[off]}.${addr[off + 1]}.${addr[off + 2]}.${addr[off + 3]}`;
}

/** RFC 5952 text (what inet_ntop prints): longest run of ≥2 zero words becomes "::". */
export function formatIpv6(addr: Uint8Array, off = 0): string {
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (addr[off + i * 2] === 0 && addr[off + i * 2 + 1] === 0) {
      let j = i;
      while (j < 8 && addr[off + j * 2] === 0 && addr[off + j * 2 + 1] === 0) j++;
      if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
      i = j;
    } else i++;
  }
  if (bestLen < 2) bestStart = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) { out += '::'; i += bestLen - 1; continue; }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += ((addr[off + i * 2] << 8) | addr[off + i * 2 + 1]).toString(16);
  }
  return out;
}

export function v4Num(a: Uint8Array, off = 0): number {
  return ((a[off] << 24) | (a[off + 1] << 16) | (a[off + 2] << 8) | a[off + 3]) >>> 0;
}

// Ranges that no public registry database places anywhere (RFC 6890 special-purpose blocks).
const V4_SPECIAL: Array<[number, number]> = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24',
  '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
].map((cidr) => {
  const [ip, bits] = cidr.split('/');
  const mask = (0xffffffff << (32 - Number(bits))) >>> 0;
  return [(v4Num(parseIpv4(ip)!) & mask) >>> 0, mask];
});

/** Private, loopback, link-local, documentation, multicast and other reserved addresses. */
export function isSpecialAddress(addr: Uint8Array): boolean {
  addr = unmapV4(addr);
  if (addr.length === 4) {
    const n = v4Num(addr);
    for (let i = 0; i < V4_SPECIAL.length; i++) if (((n & V4_SPECIAL[i][1]) >>> 0) === V4_SPECIAL[i][0]) return true;
    return false;
  }
  let zero = true;
  for (let i = 0; i < 15; i++) if (addr[i] !== 0) { zero = false; break; }
  if (zero) return true;                                              // :: and ::1
  if ((addr[0] & 0xfe) === 0xfc) return true;                         // fc00::/7 unique local
  if (addr[0] === 0xfe && (addr[1] & 0xc0) === 0x80) return true;     // fe80::/10 link local
  if (addr[0] === 0xff) return true;                                  // ff00::/8 multicast
  if (addr[0] === 0x20 && addr[1] === 0x01 && addr[2] === 0x0d && addr[3] === 0xb8) return true; // 2001:db8::/32
  return false;
}
