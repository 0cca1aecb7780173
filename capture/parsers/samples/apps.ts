// Samples for classifier-only labels, databases, FTP, IRC and other application protocols.
import type { Sample } from './sample.js';

export const appSamples: Sample[] = [
];
