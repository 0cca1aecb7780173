// Every protocol parser, one import each. Order is the classifier order on ties.
import type { ProtocolParser } from './api.js';
import { dnsTcp, dnsUdp, llmnr, mdns } from './dns.js';
import { nbds, nbns } from './nbns.js';
import { ntp } from './ntp.js';
import { radius } from './radius.js';
import { stunTcp, stunUdp } from './stun.js';
import { tftp } from './tftp.js';
import { tlsParser } from './tls.js';
import { dtlsParser } from './dtls.js';
import { quicParser } from './quic.js';
import { sshParser } from './ssh.js';
import { httpParser } from './http.js';
import { socksParser } from './socks.js';
import { smtpParser } from './smtp.js';
import { imapParser } from './imap.js';
import { pop3Parser } from './pop3.js';
import { dhcpParser, dhcpv6Parser } from './dhcp.js';
import { snmpParser } from './snmp.js';
import { isakmpParser } from './isakmp.js';
import { openvpnParser } from './openvpn.js';
import { smbDatagramLabel, smbParser } from './smb.js';
import { krb5Tcp, krb5Udp } from './krb5.js';
import { ldapParser } from './ldap.js';
import { dcerpcParser } from './dcerpc.js';
import { rdpParser, rdpUdpParser } from './rdp.js';
import { labelParsers } from './labels.js';
import { otherParsers } from './other.js';

export const parsers: ProtocolParser<any>[] = [
  dnsUdp, dnsTcp, llmnr, mdns, nbns, nbds, ntp, radius, stunUdp, stunTcp, tftp,
  tlsParser, dtlsParser, quicParser, sshParser,
  httpParser, socksParser,
  smtpParser, imapParser, pop3Parser,
  dhcpParser, dhcpv6Parser, snmpParser, isakmpParser, openvpnParser,
  smbParser, smbDatagramLabel, krb5Udp, krb5Tcp, ldapParser, dcerpcParser, rdpParser, rdpUdpParser,
  ...labelParsers,
  ...otherParsers,
];
