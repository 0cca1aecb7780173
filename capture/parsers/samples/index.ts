// Every parser sample, by group. A new parser adds its sample to its group's list.
import type { Sample } from './sample.js';
import { webSamples } from './web.js';
import { namingSamples } from './naming.js';
import { mailWinSamples } from './mailwin.js';
import { appSamples } from './apps.js';
import { industrialSamples } from './industrial.js';

export const samples: Sample[] = [
  ...webSamples,
  ...namingSamples,
  ...mailWinSamples,
  ...appSamples,
  ...industrialSamples,
];

/**
 * Parsers that run outside the classifier chain (ether-type, IP-protocol and per-packet hooks) and
 * so are not in `parsers`; each still needs a sample.
 */
export const hookParserNames = ['arp', 'isis', 'ospf', 'sctp'];
