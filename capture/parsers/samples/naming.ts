// Samples for DNS, name services, TLS, QUIC, SSH, SOCKS and small UDP services.
import type { Sample } from './sample.js';

export const namingSamples: Sample[] = [
];
