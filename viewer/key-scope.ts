// Packets-at-REST scope of an API key: the nodes whose sessions a request made with the key may
// see, and the client addresses it may come from. The node scope is one more forced expression
// (`node == [...]`), AND-ed in wherever the user's own forced expression is; a session or route
// naming another node is refused with 403 and the reason. Both bind the key only: the same user
// logged in with a password is not scoped.
import net from 'node:net';
import type { UserDoc } from '../db/backend/control-store.js';
import { HttpError } from './http.js';

const NODE_RE = /^[\w.:-]+$/;

/** The list as a key stores it: entries trimmed, empties dropped; a bad node name throws. */
export function checkKeyNodes(nodes: readonly string[]): string[] {
  const out = nodes.map((n) => n.trim()).filter(Boolean);
  for (const n of out) if (!NODE_RE.test(n)) throw new Error(`node name '${n}' may contain only letters, digits, _ . : -`);
  return out;
}

/** An address as the allowlist compares it: an IPv4-mapped IPv6 address is its IPv4 address. */
export function plainAddress(addr: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return m ? m[1] : addr;
}

/** A BlockList of the entries (address or address/prefix); a bad entry throws naming it. */
function allowList(entries: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const raw of entries) {
    const [a, bits, extra] = raw.split('/');
    const addr = plainAddress(a.trim());
    const family = net.isIPv4(addr) ? 'ipv4' : net.isIPv6(addr) ? 'ipv6' : undefined;
    const max = family === 'ipv4' ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits.trim()) ? Number(bits) : NaN;
    if (!family || extra !== undefined || !(prefix >= 0 && prefix <= max)) throw new Error(`allow entry '${raw}' is not an address or CIDR (10.0.0.0/8, 127.0.0.1, fd00::/8)`);
    list.addSubnet(addr, prefix, family);
  }
  return list;
}

/** The allowlist as a key stores it; a bad entry throws. */
export function checkKeyAllow(entries: readonly string[]): string[] {
  const out = entries.map((e) => e.trim()).filter(Boolean);
  allowList(out);
  return out;
}

/** Why a request with this user's key from `peer` (the socket's address) is refused, or undefined. */
export function keyRefusal(user: UserDoc, peer: string | undefined): string | undefined {
  const allow = user.apiKeyAllow ?? [];
  if (allow.length === 0) return undefined;
  const addr = plainAddress(peer ?? '');
  const family = net.isIPv4(addr) ? 'ipv4' : net.isIPv6(addr) ? 'ipv6' : undefined;
  if (family && allowList(allow).check(addr, family)) return undefined;
  return `API key of ${user.userId} is not allowed from ${addr || 'an unknown address'} (allowed: ${allow.join(', ')})`;
}

/** The nodes a request may reach, or undefined when it is not scoped (no key, or a key for all nodes). */
export function scopeNodes(state: { user?: UserDoc; via?: string }): string[] | undefined {
  const nodes = state.via === 'apikey' ? state.user?.apiKeyNodes ?? [] : [];
  return nodes.length > 0 ? nodes : undefined;
}

/** The forced expression of a node scope. */
export function nodeScopeExpression(nodes: readonly string[]): string {
  return `node == [${nodes.map((n) => JSON.stringify(n)).join(',')}]`;
}

/** Every forced expression of a request: the user's own and its key's node scope. */
export function forcedExpressions(state: { user?: UserDoc; via?: string }): string[] {
  const out: string[] = [];
  const e = state.user?.expression;
  if (e && e.trim()) out.push(e);
  const nodes = scopeNodes(state);
  if (nodes) out.push(nodeScopeExpression(nodes));
  return out;
}

/** 403 when a scoped request names a node outside its scope. */
export function checkNodeInScope(state: { user?: UserDoc; via?: string }, node: string, what: string): void {
  const nodes = scopeNodes(state);
  if (nodes && !nodes.includes(node)) throw new HttpError(403, `API key is scoped to node${nodes.length > 1 ? 's' : ''} ${nodes.join(', ')}, not node ${node} (${what})`);
}
