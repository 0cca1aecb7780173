// SSH (Arkime's ssh.c): version lines, HASSH / HASSH-server from each side's KEXINIT, the
// server host key from the first KEX reply, and the reverse-shell heuristic on packet sizes.
import { createHash } from 'node:crypto';
import { defineField } from '../../db/fields/registry.js';
import { PARSE_DONE, type ProtocolParser, type SessionApi } from './api.js';

export const sshFields = {
  version: defineField({ exp: 'ssh.ver', db: 'ssh.version', kind: 'lotermfield', group: 'ssh', friendly: 'Version', help: 'SSH Software Version', cnt: true }),
  key: defineField({ exp: 'ssh.key', db: 'ssh.key', kind: 'termfield', group: 'ssh', friendly: 'Key', help: 'SSH Key', cnt: true }),
  hassh: defineField({ exp: 'ssh.hassh', db: 'ssh.hassh', kind: 'lotermfield', group: 'ssh', friendly: 'HASSH', help: 'SSH HASSH field', cnt: true }),
  hasshServer: defineField({ exp: 'ssh.hasshServer', db: 'ssh.hasshServer', kind: 'lotermfield', group: 'ssh', friendly: 'HASSH Server', help: 'SSH HASSH Server field', cnt: true }),
};

/** Arkime's per-direction message buffer. */
const MAX_SSH_BUFFER = 8196;

export interface SshState {
  buf: [Uint8Array | undefined, Uint8Array | undefined];
  len: [number, number];
  packets: [number, number];
  /** Per direction: packets (after the 5th) under 50 bytes, and 50..99 bytes. */
  counts: [number, number, number, number];
  done: boolean;
}

/**
 * HASSH input from a KEXINIT payload (after the message code): kex;enc;mac;cmp of the
 * client→server lists for the client, server→client lists for the server.
 */
export function hasshString(b: Uint8Array, off: number, len: number, isServer: boolean): string | undefined {
  let p = off + 16;                                       // cookie
  const end = off + len;
  const lists: string[] = [];
  for (let i = 0; i < 8; i++) {
    if (p + 4 > end) return undefined;
    const l = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    p += 4;
    if (p + l > end) return undefined;
    lists.push(Buffer.from(b.buffer, b.byteOffset + p, l).toString('latin1'));
    p += l;
  }
  // 0 kex, 1 host key algs, 2/3 enc c→s/s→c, 4/5 mac, 6/7 compression
  const pick = isServer ? [0, 3, 5, 7] : [0, 2, 4, 6];
  return pick.map((i) => lists[i]).join(';');
}

function handleMessages(st: SshState, s: SessionApi, which: 0 | 1): void {
  const b = st.buf[which]!;
  while (st.len[which] > 6) {
    const sshLen = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
    if (sshLen < 2 || sshLen > MAX_SSH_BUFFER) { st.done = true; return; }
    if (sshLen > st.len[which] - 4) return;
    const code = b[5];
    if (code === 20) {
      const h = hasshString(b, 6, sshLen - 2, which === 1);  // bounded by the packet
      if (h !== undefined) s.addString(which === 1 ? sshFields.hasshServer : sshFields.hassh, createHash('md5').update(h, 'latin1').digest('hex'));
    } else if (code === 33) {
      st.done = true;
      const avail = st.len[which] - 10;
      if (avail >= 0) {
        const keyLen = ((b[6] << 24) | (b[7] << 16) | (b[8] << 8) | b[9]) >>> 0;
        if (avail >= keyLen) s.addString(sshFields.key, Buffer.from(b.buffer, b.byteOffset + 10, keyLen).toString('base64'));
      }
      return;
    }
    st.len[which] -= 4 + sshLen;
    b.copyWithin(0, sshLen + 4, sshLen + 4 + st.len[which]);
  }
}

export const sshParser: ProtocolParser<SshState> = {
  name: 'ssh',
  tcpPrefixes: [{ bytes: 'SSH' }],

  classify(s) {
    if (s.hasProtocol('ssh')) return undefined;
    s.addProtocol('ssh');
    return { buf: [undefined, undefined], len: [0, 0], packets: [0, 0], counts: [0, 0, 0, 0], done: false };
  },

  parse(st, s, dir, data, off, len) {
    const n = ++st.packets[dir];
    if (n > 5) {
      if (len < 50) st.counts[dir * 2]++;
      else if (len < 100) st.counts[dir * 2 + 1]++;
      if (n > 15) {
        if (st.counts[1] > st.counts[0] && st.counts[3] > st.counts[2]) s.addTag('ssh-reverse-shell');
        return PARSE_DONE;
      }
    }
    if (st.done) return len;

    if (len > 3 && data[off] === 0x53 && data[off + 1] === 0x53 && data[off + 2] === 0x48) {
      let nl = data.indexOf(0x0a, off);
      if (nl >= off + len) nl = -1;
      if (nl >= 0) {
        if (nl > off && data[nl - 1] === 0x0d) nl--;
        s.addString(sshFields.version, Buffer.from(data.buffer, data.byteOffset + off, nl - off).toString('latin1').toLowerCase());
      }
      return len;
    }

    const b = st.buf[dir] ??= new Uint8Array(MAX_SSH_BUFFER);
    const take = Math.min(len, MAX_SSH_BUFFER - st.len[dir]);
    b.set(data.subarray(off, off + take), st.len[dir]);
    st.len[dir] += take;
    handleMessages(st, s, dir);
    // Nothing reads the message buffers once done: free them while the session lives on.
    if (st.done) st.buf[0] = st.buf[1] = undefined;
    return len;
  },
};
