// GIMS's capture-time anonymisation: every packet's IP and ARP addresses Crypto-PAn'd in place
// (checksums kept right), before the pcap writer, the copy and the decoders see it, so neither
// the store nor the pcap files hold a real address.
import { CryptoPAn } from '../../db/anon/crypto-pan.js';
import { PacketAnonymizer } from '../../db/pcap/anonymize-packet.js';
import { M_CAPLEN, M_DATA_OFF, M_LINKTYPE, META_STRIDE, type PacketBatch } from '../readers/types.js';
import type { BatchTransform } from './batch-transform.js';

export class AnonymizeTransform implements BatchTransform {
  readonly name = 'anonymize';
  private readonly anon: PacketAnonymizer;
  private seen = 0;

  /** `key`: 64 hex digits (throws AnonymizeKeyError naming anonymizeKey). */
  constructor(key: string | undefined) { this.anon = new PacketAnonymizer(CryptoPAn.fromHex(key, 'anonymizeKey')); }

  apply(batch: PacketBatch): void {
    const meta = batch.meta, buf = batch.buf, anon = this.anon;
    for (let i = 0, m = 0; i < batch.count; i++, m += META_STRIDE) {
      anon.frame(buf, meta[m + M_DATA_OFF], meta[m + M_CAPLEN], meta[m + M_LINKTYPE]);
    }
    this.seen += batch.count;
  }

  stats(): Record<string, number> { return { seen: this.seen, rewritten: this.anon.rewritten, unknown: this.anon.skipped }; }
}
