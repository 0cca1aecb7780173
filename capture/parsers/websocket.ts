// WebSocket frames (RFC 6455), after an HTTP/1.1 101 with "Upgrade: websocket". No classifier of
// its own: the HTTP parser hands it the bytes that follow the 101 (Arkime's http sub-parser
// "websocket"), in both directions.
import { defineField, type FieldSpec } from '../../db/fields/registry.js';
import type { Dir, SessionApi } from './api.js';

const w = (s: Omit<FieldSpec, 'group'>) => defineField({ group: 'websocket', ...s });

export const websocketFields = {
  opcode: w({ exp: 'websocket.opcode', db: 'websocket.opcode', kind: 'termfield', friendly: 'Opcode', help: 'WebSocket frame opcode (Text, Binary, Ping, Pong, Close, ...)', cnt: true }),
  closeCode: w({ exp: 'websocket.closeCode', db: 'websocket.closeCode', kind: 'integer', friendly: 'Close Code', help: 'WebSocket close status code', cnt: true }),
  closeReason: w({ exp: 'websocket.closeReason', db: 'websocket.closeReason', kind: 'termfield', friendly: 'Close Reason', help: 'WebSocket close reason text', cnt: true }),
  payloadBytes: w({ exp: 'websocket.payloadBytes', db: 'websocket.payloadBytes', kind: 'integer', friendly: 'Payload Bytes', help: 'Total WebSocket payload bytes observed', store: 'single' }),
  frameCnt: w({ exp: 'websocket.frameCnt', db: 'websocket.frameCnt', kind: 'integer', friendly: 'Frame Count', help: 'Total WebSocket frames observed', store: 'single' }),
  textSample: w({ exp: 'websocket.textSample', db: 'websocket.textSample', kind: 'termfield', friendly: 'Text Sample', help: 'Sample of WebSocket text frame payload (truncated to 256 bytes)', cnt: true }),
  maskedFromClient: w({ exp: 'websocket.maskedFromClient', db: 'websocket.maskedFromClient', kind: 'integer', friendly: 'Masked Frames', help: 'Number of WebSocket frames with the MASK bit set (must be set on client->server frames per RFC 6455)', store: 'single' }),
};
const F = websocketFields;

const OPCODE_NAMES = ['Continuation', 'Text', 'Binary', '0x3', '0x4', '0x5', '0x6', '0x7', 'Close', 'Ping', 'Pong', '0xb', '0xc', '0xd', '0xe', '0xf'];
const SAMPLE_MAX = 256;
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const MAX_PAYLOAD = 0x7fffffff;
/** A frame up to this size is held until complete (so split text frames still give a sample). */
const HOLD_MAX = 16384;

/** A frame header read from the front of the bytes. */
interface FrameHeader { hdrLen: number; payLen: number; masked: boolean; opcode: number }

/** Read a frame header at buf[off, off+len). Returns false when more bytes are needed. */
export function readFrameHeader(buf: Uint8Array, off: number, len: number, out: FrameHeader): boolean {
  if (len < 2) return false;
  out.opcode = buf[off] & 0x0f;
  out.masked = (buf[off + 1] & 0x80) !== 0;
  const len7 = buf[off + 1] & 0x7f;
  let hdr = 2;
  let pay = len7;
  if (len7 === 126) {
    if (len < 4) return false;
    pay = (buf[off + 2] << 8) | buf[off + 3];
    hdr = 4;
  } else if (len7 === 127) {
    if (len < 10) return false;
    pay = 0;
    for (let i = 0; i < 8; i++) pay = pay * 256 + buf[off + 2 + i];
    hdr = 10;
  }
  if (out.masked) {
    if (len < hdr + 4) return false;
    hdr += 4;
  }
  out.hdrLen = hdr;
  out.payLen = pay;
  return true;
}

class Direction {
  /** Header bytes (and the start of a sampled payload) waiting for the rest. */
  pending = new Uint8Array(0);
  /** Payload bytes still to skip of a frame we do not sample. */
  skip = 0;
  /** Last non-continuation opcode. */
  curOpcode = 0;
}

export class WebsocketState {
  payloadBytes = 0;
  frameCnt = 0;
  maskedFrames = 0;
  textSamples = 0;
  readonly dirs = [new Direction(), new Direction()];
  readonly hdr: FrameHeader = { hdrLen: 0, payLen: 0, masked: false, opcode: 0 };
  done = false;
}

function frameText(buf: Uint8Array, off: number, n: number, maskAt: number, masked: boolean, keepLf: boolean, maskOff: number): string {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) {
    let c = buf[off + i];
    if (masked) c ^= buf[maskAt + ((i + maskOff) & 3)];
    if (c < 0x20 && c !== 0x09 && !(keepLf && (c === 0x0a || c === 0x0d))) c = 0x2e; // '.'
    out[i] = c;
  }
  // keep the longest valid UTF-8 prefix, as Arkime does with g_utf8_validate
  let end = n;
  while (end > 0) {
    try {
      return utf8Strict.decode(out.subarray(0, end));
    } catch {
      const v = validUtf8Prefix(out, end);
      end = v < end ? v : end - 1;
    }
  }
  return '';
}

/** Length of the longest prefix of b[0, n) made of well-formed UTF-8 sequences. */
function validUtf8Prefix(b: Uint8Array, n: number): number {
  let i = 0;
  while (i < n) {
    const c = b[i];
    let need: number;
    if (c < 0x80) need = 0;
    else if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) need = 2;
    else if (c >= 0xf0 && c <= 0xf4) need = 3;
    else return i;
    if (i + need >= n) return i;
    for (let j = 1; j <= need; j++) if ((b[i + j] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return n;
}

function handleFrame(st: WebsocketState, s: SessionApi, d: Direction, buf: Uint8Array, off: number, avail: number): void {
  const h = st.hdr;
  if (h.opcode !== 0) {
    // control frames (ping, pong, close) may come between the fragments of a message
    if (h.opcode < 8) d.curOpcode = h.opcode;
    s.addString(F.opcode, OPCODE_NAMES[h.opcode]);
  }
  st.frameCnt++;
  st.payloadBytes += h.payLen;
  if (h.masked) st.maskedFrames++;
  const eff = h.opcode === 0 ? d.curOpcode : h.opcode;
  // Arkime samples a text or close frame only when the whole frame is at hand
  if ((eff === 1 || h.opcode === 8) && avail - h.hdrLen >= h.payLen) {
    const pay = off + h.hdrLen;
    const maskAt = off + h.hdrLen - 4;
    if (eff === 1 && h.opcode !== 8 && st.textSamples < s.config.int('websocketTextSampleCnt', 4) && h.payLen > 0) {
      const n = Math.min(h.payLen, SAMPLE_MAX);
      const text = frameText(buf, pay, n, maskAt, h.masked, true, 0);
      if (text.length > 0) { s.addString(F.textSample, text); st.textSamples++; }
    } else if (h.opcode === 8 && h.payLen >= 2) {
      let b0 = buf[pay], b1 = buf[pay + 1];
      if (h.masked) { b0 ^= buf[maskAt]; b1 ^= buf[maskAt + 1]; }
      s.addInt(F.closeCode, (b0 << 8) | b1);
      if (h.payLen > 2) {
        const reason = frameText(buf, pay + 2, Math.min(h.payLen - 2, 123), maskAt, h.masked, false, 2);
        if (reason.length > 0) s.addString(F.closeReason, reason);
      }
    }
  }
}

/**
 * Read frames from one direction. Always consumes everything: a frame that is not complete yet
 * is kept for the next bytes when it is small; a bigger one is counted at its header and the
 * rest of its payload skipped (no text sample then).
 */
export function websocketFeed(st: WebsocketState, s: SessionApi, dir: Dir, data: Uint8Array, off: number, len: number): void {
  if (st.done) return;
  const d = st.dirs[dir];
  let buf = data;
  let p = off;
  let end = off + len;
  if (d.skip > 0) {
    const n = Math.min(d.skip, len);
    d.skip -= n;
    p += n;
  }
  if (d.pending.length > 0 && p < end) {
    const m = new Uint8Array(d.pending.length + (end - p));
    m.set(d.pending);
    m.set(data.subarray(p, end), d.pending.length);
    buf = m; p = 0; end = m.length;
    d.pending = new Uint8Array(0);
  }
  const h = st.hdr;
  while (end - p >= 2) {
    if (!readFrameHeader(buf, p, end - p, h)) break;
    if (h.payLen > MAX_PAYLOAD) {
      s.addTag('websocket:bad-length');
      st.done = true;
      return;
    }
    const total = h.hdrLen + h.payLen;
    // wait for a frame that is not all here yet, unless it is too big to hold
    if (end - p < total && total <= HOLD_MAX) break;
    handleFrame(st, s, d, buf, p, end - p);
    if (total <= end - p) { p += total; continue; }
    d.skip = total - (end - p);
    return;
  }
  if (end > p) d.pending = buf.slice(p, end);
}

/** Write the counters (Arkime writes them at every save and when the parser is freed). */
export function websocketSave(st: WebsocketState, s: SessionApi): void {
  if (st.frameCnt) s.addInt(F.frameCnt, st.frameCnt);
  if (st.payloadBytes) s.addInt(F.payloadBytes, Math.min(st.payloadBytes, MAX_PAYLOAD));
  if (st.maskedFrames) s.addInt(F.maskedFromClient, st.maskedFrames);
}

