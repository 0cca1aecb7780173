// Samples for industrial protocols, SIP, MQTT and the hook parsers (ARP, IS-IS, OSPF, SCTP).
import type { Sample } from './sample.js';

export const industrialSamples: Sample[] = [
];
