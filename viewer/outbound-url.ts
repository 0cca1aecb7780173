// The one check every URL the viewer fetches goes through (other viewers' `viewUrl` today,
// notifier URLs later). A request the viewer makes on a user's behalf must not become a way to
// reach what only the viewer's host can reach: the cloud metadata service, loopback admin ports.
// Rules: http or https only; no user:password in the URL (it would be sent, and logged, as is);
// addresses of the kinds the policy does not allow are refused, whether written in the URL or
// what its host name resolves to.
import dns from 'node:dns/promises';
import net from 'node:net';

export class OutboundUrlError extends Error {}

export interface OutboundPolicy {
  /** 127.0.0.0/8, ::1, localhost. */
  allowLoopback?: boolean;
  /** RFC 1918, CGNAT 100.64/10, IPv6 unique-local fc00::/7. */
  allowPrivate?: boolean;
  /** 169.254.0.0/16 and fe80::/10, where cloud metadata services (169.254.169.254) live. */
  allowLinkLocal?: boolean;
}

type Kind = 'loopback' | 'private' | 'linkLocal' | 'unspecified' | 'public';

function v4Kind(ip: string): Kind {
  const [a, b] = ip.split('.').map(Number);
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (a === 169 && b === 254) return 'linkLocal';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return 'private';
  return 'public';
}

/** What kind of address `ip` (IPv4 or IPv6 text) is; IPv4-mapped IPv6 counts as its IPv4. */
export function addressKind(ip: string): Kind {
  if (net.isIPv4(ip)) return v4Kind(ip);
  const s = ip.toLowerCase().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (mapped) return v4Kind(mapped[1]);
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(s); // the URL parser's form of a mapped IPv4
  if (hex) { const h = parseInt(hex[1], 16), l = parseInt(hex[2], 16); return v4Kind(`${h >> 8}.${h & 255}.${l >> 8}.${l & 255}`); }
  if (s === '::1') return 'loopback';
  if (s === '::') return 'unspecified';
  if (/^fe[89ab]/.test(s)) return 'linkLocal';
  if (/^f[cd]/.test(s)) return 'private';
  return 'public';
}

function refuse(kind: Kind, policy: OutboundPolicy): string | undefined {
  if (kind === 'unspecified') return 'an unspecified address';
  if (kind === 'loopback' && !policy.allowLoopback) return 'a loopback address';
  if (kind === 'private' && !policy.allowPrivate) return 'a private address';
  if (kind === 'linkLocal' && !policy.allowLinkLocal) return 'a link-local address (cloud metadata lives there)';
  return undefined;
}

/** Host names that are the same as a loopback or metadata address whatever DNS says. */
const NAMED: Record<string, Kind> = { localhost: 'loopback', 'metadata.google.internal': 'linkLocal', 'metadata': 'linkLocal' };

/** Checks what can be checked without DNS; returns the parsed URL or throws OutboundUrlError. */
export function checkOutboundUrl(raw: string, policy: OutboundPolicy = {}): URL {
  let u: URL;
  try { u = new URL(raw); } catch { throw new OutboundUrlError(`'${raw}' is not a URL`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new OutboundUrlError(`${u.protocol} URLs are not allowed (http and https only)`);
  if (u.username || u.password) throw new OutboundUrlError(`URL ${u.host} carries credentials: give them another way`);
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  const kind = net.isIP(host) ? addressKind(host) : NAMED[host] ?? (host.endsWith('.localhost') ? 'loopback' : undefined);
  const why = kind && refuse(kind, policy);
  if (why) throw new OutboundUrlError(`URL host ${u.hostname} is ${why}`);
  return u;
}

export type Lookup = (host: string) => Promise<{ address: string }[]>;
const systemLookup: Lookup = (host) => dns.lookup(host, { all: true, verbatim: true });

/**
 * checkOutboundUrl, then every address the host name resolves to. (The fetch resolves again: a
 * name whose owner can change its answer between the two could still pass; the URLs checked here
 * come from the config file, and this catches the misconfigured and the plainly hostile.)
 */
export async function resolveOutboundUrl(raw: string, policy: OutboundPolicy = {}, lookup: Lookup = systemLookup): Promise<URL> {
  const u = checkOutboundUrl(raw, policy);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) return u;
  let addrs: { address: string }[];
  try { addrs = await lookup(host); } catch (e) { throw new OutboundUrlError(`cannot resolve ${host}: ${(e as Error).message}`); }
  for (const a of addrs) {
    const why = refuse(addressKind(a.address), policy);
    if (why) throw new OutboundUrlError(`URL host ${host} resolves to ${a.address}, ${why}`);
  }
  return u;
}
