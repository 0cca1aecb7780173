// DTLS (Arkime's dtls.c): every handshake datagram is walked; ClientHello gives JA4 ('d'),
// Certificate messages give cert objects. Fragmented handshake messages are skipped.
import { PARSE_DONE, type ProtocolParser } from './api.js';
import { processCertificateList, type CertSeen } from './tls-cert.js';
import { processClientHello } from './tls-fingerprint.js';

export type DtlsState = CertSeen;

export const dtlsParser: ProtocolParser<DtlsState> = {
  name: 'dtls',
  udpPrefixes: [{ bytes: [0x16, 0x01, 0x00] }, { bytes: [0x16, 0xfe, 0xff] }, { bytes: [0x16, 0xfe, 0xfe] }, { bytes: [0x16, 0xfe, 0xfd] }],

  classify(s, _dir, buf, off, len) {
    if (len < 100 || buf[off + 13] !== 1) return undefined;
    s.addProtocol('dtls');
    return {};
  },

  parse(st, s, _dir, b, off, len) {
    if (b[off] !== 22) return PARSE_DONE;
    let p = off;
    const end = off + len;
    while (end - p > 11) {
      p += 11;                                           // type, version, epoch, sequence
      if (end - p < 2) break;
      const tlen = (b[p] << 8) | b[p + 1];
      p += 2;
      if (tlen > end - p) return len;
      let m = p;
      const mend = p + tlen;
      p = mend;
      while (mend - m > 12) {
        const type = b[m];
        const hlen = (b[m + 1] << 16) | (b[m + 2] << 8) | b[m + 3];
        const fragOffset = (b[m + 6] << 16) | (b[m + 7] << 8) | b[m + 8];
        m += 12;
        if (fragOffset !== 0) { m += hlen; continue; }
        if (hlen > mend - m) break;
        if (type === 1) processClientHello(s, b, m, hlen, true);
        else if (type === 11) processCertificateList(s, st, b, m, hlen);
        m += hlen;
      }
    }
    return len;
  },
};
