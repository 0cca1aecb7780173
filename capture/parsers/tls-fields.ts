// TLS session fields (Arkime's tls.c), shared by the TLS, DTLS and QUIC parsers.
import { defineField, fields, type Field, type FieldSpec } from '../../db/fields/registry.js';

const t = (exp: string, db: string, kind: FieldSpec['kind'], friendly: string, help: string, cnt = true) =>
  defineField({ exp, db, kind, group: 'tls', friendly, help, ...(cnt ? { cnt: true } : {}) });

export const tlsFields = {
  version: t('tls.version', 'tls.version', 'termfield', 'Version', 'SSL/TLS version field'),
  cipher: t('tls.cipher', 'tls.cipher', 'uptermfield', 'Cipher', 'SSL/TLS cipher field'),
  ja3: t('tls.ja3', 'tls.ja3', 'lotermfield', 'JA3', 'SSL/TLS JA3 field'),
  ja4: t('tls.ja4', 'tls.ja4', 'lotermfield', 'JA4', 'SSL/TLS JA4 field'),
  ja4r: t('tls.ja4_r', 'tls.ja4_r', 'lotermfield', 'JA4_r', 'SSL/TLS JA4_r field'),
  ja3s: t('tls.ja3s', 'tls.ja3s', 'lotermfield', 'JA3S', 'SSL/TLS JA3S field'),
  dstSessionId: t('tls.sessionid.dst', 'tls.dstSessionId', 'lotermfield', 'Dst Session Id', 'SSL/TLS Dst Session Id', false),
  srcSessionId: t('tls.sessionid.src', 'tls.srcSessionId', 'lotermfield', 'Src Session Id', 'SSL/TLS Src Session Id', false),
  sessionIdAll: defineField({
    exp: 'tls.sessionid', db: 'tlsidall', kind: 'lotermfield', group: 'general', friendly: 'Src or Dst Session Id',
    help: 'Shorthand for tls.sessionid.src or tls.sessionid.dst', viewerOnly: true, regex: '^tls\\.sessionid\\.(?:(?!\\.cnt$).)*$',
  }),
  ja3sstring: t('tls.ja3sstring', 'tls.ja3sstring', 'lotermfield', 'JA3SSTR', 'SSL/TLS JA3S String field'),
  ja3string: t('tls.ja3string', 'tls.ja3string', 'lotermfield', 'JA3STR', 'SSL/TLS JA3 String field'),
  // plugin-only in Arkime, reserved in its mapping
  ja4s: t('tls.ja4s', 'tls.ja4s', 'lotermfield', 'JA4S', 'SSL/TLS JA4S field'),
  ja4sr: t('tls.ja4s_r', 'tls.ja4s_r', 'lotermfield', 'JA4S_r', 'SSL/TLS JA4S_r field'),
};

let hostHttp: Field | undefined;
/** Arkime puts the SNI into `host.http` (owned by the HTTP parser; defined here if it is absent). */
export function httpHostField(): Field {
  return hostHttp ??= fields.byExp('host.http') ?? defineField({
    exp: 'host.http', db: 'http.host', kind: 'lotermfield', group: 'http', friendly: 'Hostname',
    help: 'HTTP host header field', cnt: true, aliases: ['http.host'], category: 'host',
  });
}
