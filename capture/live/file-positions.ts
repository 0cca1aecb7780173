// Live packetPos across rotating files. A session's packets may land in several pcap files, but a
// packet worker only keeps one number per packet (DecodedPacket.filePos). So the live driver
// stores `fileSlot * FILE_SLOT_SCALE + recordOffset` there, where fileSlot is a small per-run index
// of the files this capture opened, and turns a saved document's positions back into Arkime's
// `[-fileNum, pos, pos, -fileNum2, pos, ...]` (reference 1.6) on the way to the store.
import { gapEncode } from '../session/document.js';

/** Record offsets stay below 2^34 (16 GiB): a file rotates at maxFileSizeG, so live allows at most 15. */
export const FILE_SLOT_SCALE = 2 ** 34;
/** Slots a run can number before Float64 positions lose precision (2^53 / 2^34). */
export const MAX_FILE_SLOTS = 2 ** 19 - 1;
export const MAX_LIVE_FILE_SIZE_G = 15;

export class FilePositions {
  /** slot → file number; slot 0 means "not written". */
  private readonly nums: number[] = [0];
  private lastNum = -1;
  private lastSlot = 0;

  /** A new pcap file was opened: give it the next slot. */
  fileOpened(fileNum: number): void {
    if (this.nums.length > MAX_FILE_SLOTS) throw new Error(`live capture opened more than ${MAX_FILE_SLOTS} pcap files in one run`);
    this.nums.push(fileNum);
  }

  /** The value to keep in the packet's filePos for a record at `pos` of file `fileNum` (0: not written). */
  encode(fileNum: number, pos: number): number {
    if (pos <= 0) return 0;
    if (fileNum !== this.lastNum) {
      this.lastNum = fileNum;
      this.lastSlot = this.nums.lastIndexOf(fileNum);
      if (this.lastSlot <= 0) { this.lastNum = -1; return 0; }
    }
    return this.lastSlot * FILE_SLOT_SCALE + pos;
  }

  /**
   * Rewrite a document the workers built with plain encoded positions (gapPacketPos off, no file
   * marker) into Arkime's layout: packetPos with -fileNum markers (gap encoded when `gap`),
   * fileId, packetLen with 0 at each marker. Packets that were not written are left out and the
   * session is tagged `pcap-disk-overload`, as Arkime does.
   */
  rewrite(doc: Record<string, unknown>, gap: boolean): void {
    const raw = doc.packetPos as number[] | undefined;
    if (!raw) return;
    const lens = doc.packetLen as number[] | undefined;
    const pos: number[] = [];
    const outLens: number[] | undefined = lens ? [] : undefined;
    const fileIds: number[] = [];
    let slot = -1;
    let unwritten = false;
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i];
      const s = Math.floor(v / FILE_SLOT_SCALE);
      if (v <= 0 || s <= 0 || s >= this.nums.length) { unwritten = true; continue; }
      if (s !== slot) {
        slot = s;
        const num = this.nums[s];
        pos.push(-num);
        outLens?.push(0);
        if (!fileIds.includes(num)) fileIds.push(num);
      }
      pos.push(v - s * FILE_SLOT_SCALE);
      outLens?.push(lens![i]);
    }
    doc.packetPos = gap ? gapEncode(pos) : pos;
    doc.fileId = fileIds;
    if (outLens) doc.packetLen = outLens;
    if (unwritten) {
      const tags = (doc.tags as string[] | undefined) ?? [];
      if (!tags.includes('pcap-disk-overload')) tags.push('pcap-disk-overload');
      doc.tags = tags;
      doc.tagsCnt = tags.length;
    }
  }
}
