// Every protocol parser, one import each. Order is the classifier order on ties.
import type { ProtocolParser } from './api.js';
import { dnsTcp, dnsUdp, llmnr, mdns } from './dns.js';

export const parsers: ProtocolParser<any>[] = [
  dnsUdp, dnsTcp, llmnr, mdns,
];
