// Test-only fixture: a registry holding the core fields plus the protocol fields (and Arkime's
// test-plugin fields `test.ip`, `wise.float`) that the conformance query corpora use, defined
// with Arkime's expression, document path and kind (reference 2.4). Protocol parsers define the
// real ones in capture/; this keeps the expression tests independent of them.
import { core } from '../fields/core.js';
import { FieldRegistry, type FieldKind, type FieldSpec } from '../fields/registry.js';

type Extra = Partial<Omit<FieldSpec, 'exp' | 'db' | 'kind'>>;

export function testRegistry(): FieldRegistry {
  const r = new FieldRegistry();
  for (const f of Object.values(core)) {
    const { id: _id, ...spec } = f;
    r.define(spec);
  }
  const def = (exp: string, db: string, kind: FieldKind, extra: Extra = {}) => r.define({
    exp, db, kind, group: extra.group ?? db.split('.')[0], friendly: exp, help: exp, ...extra,
  });
  const str = (exp: string, db: string, kind: FieldKind, extra: Extra = {}) => def(exp, db, kind, { cnt: true, ...extra });
  // An ip field and its GeoIP companions (Arkime's field.c: `country.x` naming with IPPRE,
  // `<exp>.country` without; path = ip path minus its last two characters + GEO/ASN/RIR).
  const ip = (exp: string, db: string, extra: Extra & { ipPre?: boolean; companions?: boolean } = {}) => {
    const { companions = true, ...rest } = extra;
    def(exp, db, 'ip', { cnt: true, category: 'ip', ...rest });
    if (!companions) return;
    const base = db.slice(0, -2);
    const name = (w: string) => (extra.ipPre ? `${w}.${exp.slice(3)}` : `${exp}.${w}`);
    const group = rest.group ?? db.split('.')[0];
    const single = rest.store === 'single' ? { store: 'single' as const } : {};
    def(name('country'), `${base}GEO`, 'uptermfield', { group, category: 'country', ...single });
    def(name('asn'), `${base}ASN`, 'termfield', { group, category: 'asn', ...single });
    def(name('rir'), `${base}RIR`, 'uptermfield', { group, category: 'rir', ...single });
  };

  // arp, dhcp, nbns, radius, stun, test plugin
  ip('arp.ip', 'arp.ip');
  ip('dhcp.requestIp', 'dhcp.requestIp', { store: 'single' });
  str('dhcp.host', 'dhcp.host', 'lotermfield', { aliases: ['host.dhcp'], category: 'host' });
  str('dhcp.type', 'dhcp.type', 'uptermfield');
  str('dhcp.mac', 'dhcp.mac', 'lotermfield');
  str('dhcp.oui', 'dhcp.oui', 'termfield');
  str('dhcp.id', 'dhcp.id', 'lotermfield');
  ip('nbns.ip', 'nbns.ip');
  str('nbns.host', 'nbns.host', 'lotermfield');
  ip('radius.endpoint-ip', 'radius.endpointIp');
  ip('radius.framed-ip', 'radius.framedIp');
  ip('radius.nas-ip', 'radius.nasIp');
  for (const [exp, db] of [['mapped-ip', 'mappedIp'], ['xor-mapped-ip', 'xorMappedIp'], ['xor-peer-ip', 'xorPeerIp'], ['xor-relayed-ip', 'xorRelayedIp']]) {
    ip(`stun.${exp}`, `stun.${db}`);
  }
  ip('test.ip', 'test.ip');
  def('wise.float', 'wise.float', 'float');

  // dns (values live in the `dns` object array)
  const dns = { object: 'dns', group: 'dns' };
  def('ip.dns.all', 'dnsipall', 'ip', { group: 'dns', viewerOnly: true, regex: '^ip\\.dns(?:(?!\\.(cnt|all)$).)*$' });
  ip('ip.dns', 'dns.ip', { ...dns, ipPre: true, aliases: ['dns.ip'] });
  ip('ip.dns.nameserver', 'dns.nameserverIp', { ...dns, ipPre: true });
  ip('ip.dns.mailserver', 'dns.mailserverIp', { ...dns, ipPre: true });
  ip('dns.answer.ip', 'dns.answers.ip', { ...dns, companions: false });
  def('host.dns.all', 'dnshostall', 'lotermfield', { group: 'dns', viewerOnly: true, regex: '^host\\.dns(?:(?!\\.(cnt|all|tokens)$).)*$' });
  str('host.dns', 'dns.host', 'lotermfield', { ...dns, aliases: ['dns.host'], category: 'host' });
  str('host.dns.nameserver', 'dns.nameserverHost', 'lotermfield', { ...dns, category: 'host' });
  str('host.dns.mailserver', 'dns.mailserverHost', 'lotermfield', { ...dns, category: 'host' });
  def('host.dns.tokens', 'dns.hostTokens', 'lotextfield', { ...dns });
  str('dns.query.host', 'dns.queryHost', 'lotermfield', { ...dns, category: 'host' });

  // email
  const email = { group: 'email', requiredRight: 'emailSearch' };
  ip('ip.email', 'email.ip', { ...email, ipPre: true });
  str('host.email', 'email.host', 'lotermfield', { ...email, category: 'host' });

  // http
  str('host.http', 'http.host', 'lotermfield', { aliases: ['http.host'], category: 'host' });
  def('host.http.tokens', 'http.hostTokens', 'lotextfield');
  str('http.uri', 'http.uri', 'termfield', { category: ['url', 'host'] });
  str('http.uri.path', 'http.path', 'termfield');
  str('http.cookie.key', 'http.cookieKey', 'termfield');
  str('http.cookie.value', 'http.cookieValue', 'termfield');
  str('http.user', 'http.user', 'termfield');
  str('http.reqbody', 'http.requestBody', 'termfield');
  str('http.request.referer', 'http.request-referer', 'termfield', { aliases: ['http.referer'] });
  str('http.response.location', 'http.response-location', 'termfield', { aliases: ['http.location'] });
  ip('ip.xff', 'http.xffIp', { group: 'http', ipPre: true });

  // quic, smb, socks, ntlm, oracle, irc, tls
  str('host.quic', 'quic.host', 'lotermfield', { category: 'host' });
  str('host.smb', 'smb.host', 'lotermfield', { category: 'host' });
  for (const [exp, db] of [['share', 'share'], ['fn', 'filename'], ['os', 'os'], ['domain', 'domain'], ['ver', 'version'], ['user', 'user']]) {
    str(`smb.${exp}`, `smb.${db}`, 'termfield');
  }
  ip('ip.socks', 'socks.ip', { ipPre: true, store: 'single', portField: 'socks.port' });
  def('port.socks', 'socks.port', 'integer', { store: 'single', category: 'port' });
  def('host.socks', 'socks.host', 'lotermfield', { store: 'single', category: 'host' });
  def('socks.user', 'socks.user', 'termfield', { store: 'single' });
  str('ntlm.host', 'ntlm.host', 'lotermfield');
  str('oracle.host', 'oracle.host', 'lotermfield');
  str('irc.channel', 'irc.channel', 'termfield');
  str('irc.nick', 'irc.nick', 'termfield');
  str('tls.ja4', 'tls.ja4', 'lotermfield');
  return r;
}
