// SCTP's own field (Arkime's sctp.c): the payload protocol identifier of the first message
// delivered in each direction. Set by capture/session/sctp.ts, declared here with the parsers
// so the viewer and the stores know it.
import { defineField } from '../../db/fields/registry.js';

export const sctpFields = {
  protoId: defineField({ group: 'sctp', kind: 'integer', exp: 'sctp.protoId', db: 'sctp.protoId', friendly: 'Proto Id', help: 'SCTP protocol id' }),
};
