// Every protocol parser, one import each. Order is the classifier order on ties.
import type { ProtocolParser } from './api.js';

export const parsers: ProtocolParser<any>[] = [
];
