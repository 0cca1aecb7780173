// Session documents turned into the embedded store's staging format: per partition, lines of
// JSON keyed by column name plus the layout of every column they use. A packet worker thread
// makes these itself so that only one string per partition crosses to the writing thread
// (no structured clone of document objects, no per-value appender calls there).
import type { FieldRegistry } from '../fields/registry.js';
import { DocColumns, ID_COLUMN, type ColumnInfo } from './doc-columns.js';
import { PARTITION_PREFIX, checkRotateIndex, newSessionId, partitionSuffix, type RotateIndex } from './partition-name.js';

export interface FlatBatch {
  /** Partition name, e.g. `sessions3-240131`. */
  partition: string;
  /** One JSON object per line, each ending in '\n'. */
  text: string;
  rows: number;
  /** Length of the longest line (UTF-16 units): sizes the JSON reader's buffer. */
  maxLine: number;
  minLast: number;
  maxLast: number;
  /** Layout of every column some line of `text` uses. */
  columns: ColumnInfo[];
}

const HOUR_MS = 3600000;

/** Lines of one partition since the last take, keyed by the partition's suffix. */
interface Open {
  lines: string[]; maxLine: number; minLast: number; maxLast: number;
  /** Columns some line uses, in the order first used; `marked[c]` is 1 for each of them. */
  used: number[]; marked: Uint8Array;
}

export class DocFlattener {
  readonly cols: DocColumns;
  readonly rotateIndex: RotateIndex;
  private readonly open = new Map<string, Open>();
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
    if (!p) { p = { lines: [], maxLine: 0, minLast: last, maxLast: last, used: [], marked: new Uint8Array(this.cols.infos.length + 64) }; this.open.set(suffix, p); }
    const line = this.cols.jsonLine(row);
    p.lines.push(line);
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
    for (const [suffix, p] of this.open) {
      const rows = p.lines.length;
      // A last empty line gives the final '\n' in the one flat string join makes (`+ '\n'` would
      // make a cons string that posting it flattens into another copy of the text).
      p.lines.push('');
      out.push({
        partition: PARTITION_PREFIX + suffix, text: p.lines.join('\n'), rows, maxLine: p.maxLine, minLast: p.minLast, maxLast: p.maxLast,
        columns: p.used.map((c) => this.cols.infos[c]),
      });
    }
    this.open.clear();
    this.pendingRows = 0;
    return out;
  }
}
