// Samples for mail, Windows and directory, DHCP, SNMP, VPN.
import type { Sample } from './sample.js';

export const mailWinSamples: Sample[] = [
];
