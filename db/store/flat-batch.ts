// Session documents turned into the embedded store's staging format: per partition, lines of
// JSON keyed by column name plus the layout of every column they use. A packet worker thread
// makes these itself, each line encoded as UTF-8 straight into one buffer per partition, so the
// writing thread gets bytes it only writes to a file: the buffer is transferred, not copied (no
// structured clone of documents or strings, no per-value appender calls there).
import type { FieldRegistry } from '../fields/registry.js';
import { DocColumns, ID_COLUMN, type ColumnInfo } from './doc-columns.js';
import { PARTITION_PREFIX, checkRotateIndex, newSessionId, partitionSuffix, type RotateIndex } from '../backend/partition-name.js';

export interface FlatBatch {
  /** Partition name, e.g. `sessions3-240131`. */
  partition: string;
  /** One JSON object per line, each ending in '\n', UTF-8; owns its ArrayBuffer (transferable). */
  bytes: Uint8Array;
  rows: number;
  /** Length of the longest line (UTF-16 units): sizes the JSON reader's buffer. */
  maxLine: number;
  minLast: number;
  maxLast: number;
  /** Layout of every column some line of `text` uses. */
  columns: ColumnInfo[];
}

const HOUR_MS = 3600000;
/** Smallest size of a partition's line buffer. */
const MIN_BUFFER = 256 << 10;

/** Post `m` on `port`; the line buffers of its `flat` batches are transferred, not copied. */
export function postTransferring(port: { postMessage(m: unknown, transfer?: ArrayBuffer[]): void }, m: object): void {
  const flat = (m as { flat?: readonly FlatBatch[] }).flat;
  port.postMessage(m, flat ? flat.map((b) => b.bytes.buffer as ArrayBuffer) : undefined);
}

/** Lines of one partition since the last take, keyed by the partition's suffix. */
interface Open {
  buf: Buffer; len: number; rows: number; maxLine: number; minLast: number; maxLast: number;
  /** Columns some line uses, in the order first used; `marked[c]` is 1 for each of them. */
  used: number[]; marked: Uint8Array;
}

export class DocFlattener {
  readonly cols: DocColumns;
  readonly rotateIndex: RotateIndex;
  private readonly open = new Map<string, Open>();
  /** Size of the largest buffer of the last take: the next ones start there instead of growing again. */
  private bufferSize = MIN_BUFFER;
  private readonly idCol: number;
  private lastHour = NaN;
  private lastSuffix = '';
  pendingRows = 0;

  constructor(registry: FieldRegistry, rotateIndex: string, cols?: DocColumns) {
    this.cols = cols ?? new DocColumns(registry);
    this.rotateIndex = checkRotateIndex(rotateIndex);
    this.idCol = this.cols.column(ID_COLUMN, 'id', 'VARCHAR', false);
  }

  add(doc: Record<string, unknown>): void {
    const row = this.cols.flatten(doc);
    const last = row.lastPacket ?? Date.now();
    const suffix = this.suffixOf(last);
    row.set(this.idCol, row.id ?? newSessionId(suffix));
    let p = this.open.get(suffix);
    if (!p) {
      // allocUnsafeSlow: a buffer of its own, never a slice of Node's shared pool, so it can be transferred
      p = { buf: Buffer.allocUnsafeSlow(this.bufferSize), len: 0, rows: 0, maxLine: 0, minLast: last, maxLast: last,
        used: [], marked: new Uint8Array(this.cols.infos.length + 64) };
      this.open.set(suffix, p);
    }
    const line = this.cols.jsonLine(row);
    const need = p.len + line.length * 3 + 1; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (need > p.buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(need, p.buf.length * 2));
      p.buf.copy(bigger, 0, 0, p.len);
      p.buf = bigger;
    }
    p.len += p.buf.write(line, p.len);
    p.buf[p.len++] = 10;
    p.rows++;
    if (line.length > p.maxLine) p.maxLine = line.length;
    const cols = row.cols;
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i];
      if (c >= p.marked.length) { const m = new Uint8Array(this.cols.infos.length + 64); m.set(p.marked); p.marked = m; }
      if (p.marked[c] === 0) { p.marked[c] = 1; p.used.push(c); }
    }
    if (last < p.minLast) p.minLast = last;
    if (last > p.maxLast) p.maxLast = last;
    this.pendingRows++;
  }

  /**
   * Partition suffix of a lastPacket. Every rotation's partitions start on a whole UTC hour, so
   * a time in the same hour as the one before has the same suffix (no Date per document).
   */
  private suffixOf(ms: number): string {
    const hour = Math.floor(ms / HOUR_MS);
    if (hour !== this.lastHour) { this.lastHour = hour; this.lastSuffix = partitionSuffix(ms, this.rotateIndex); }
    return this.lastSuffix;
  }

  /** Everything added since the last take, one batch per partition. */
  take(): FlatBatch[] {
    const out: FlatBatch[] = [];
    let size = MIN_BUFFER;
    for (const [suffix, p] of this.open) {
      if (p.buf.length > size) size = p.buf.length;
      out.push({
        partition: PARTITION_PREFIX + suffix, bytes: p.buf.subarray(0, p.len), rows: p.rows, maxLine: p.maxLine, minLast: p.minLast, maxLast: p.maxLast,
        columns: p.used.map((c) => this.cols.infos[c]),
      });
    }
    this.open.clear();
    this.pendingRows = 0;
    this.bufferSize = size;
    return out;
  }
}
