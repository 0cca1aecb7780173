// Answers to requests Node's HTTP parser refuses before koa sees them. Node's own answer to a
// header block over `maxHeaderSize` (URL included) is a bare 431 followed by an immediate close;
// with request bytes still unread the close turns into a TCP reset and the client often sees
// "connection reset" instead of the status. Here the answer says which limit was hit (414 for a
// URL that alone exceeds it), and the rest of the request is read and dropped for a moment so the
// answer arrives.
import http, { type Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a refused client may go on sending before its connection is cut. */
const DRAIN_MS = 2000;

function answer(status: number, reason: string, text: string): string {
  const body = JSON.stringify({ success: false, text });
  return `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** True when the bytes start a request line that has no end within `limit` bytes. */
function urlAloneTooLong(raw: Buffer | undefined, limit: number): boolean {
  if (!raw || !/^[A-Z]+ /.test(raw.subarray(0, 16).toString('latin1'))) return false;
  const eol = raw.indexOf('\r\n');
  return eol < 0 || eol >= limit;
}

export function answerClientErrors(server: Server): void {
  const limit = (server as Server & { maxHeaderSize?: number }).maxHeaderSize ?? http.maxHeaderSize;
  server.on('clientError', (e: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex) => {
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (e.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) { socket.destroy(); return; }
    let text: string;
    if (e.code === 'HPE_HEADER_OVERFLOW') {
      text = urlAloneTooLong(e.rawPacket, limit)
        ? answer(414, 'URI Too Long', `request URL exceeds the ${limit} bytes allowed for the request line and headers`)
        : answer(431, 'Request Header Fields Too Large', `request line and headers exceed ${limit} bytes`);
    } else if (e.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      text = answer(408, 'Request Timeout', 'request took too long to arrive');
    } else {
      text = answer(400, 'Bad Request', `malformed HTTP request (${e.code ?? e.message})`);
    }
    socket.removeAllListeners('data');
    socket.on('data', () => { /* dropped: the request is refused */ });
    socket.end(text);
    setTimeout(() => socket.destroy(), DRAIN_MS).unref();
  });
}
