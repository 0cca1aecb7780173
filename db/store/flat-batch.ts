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

interface Open { lines: string[]; maxLine: number; minLast: number; maxLast: number; used: Set<number> }

export class DocFlattener {
  readonly cols: DocColumns;
  readonly rotateIndex: RotateIndex;
  private readonly open = new Map<string, Open>();
  private readonly idCol: number;
  pendingRows = 0;

  constructor(registry: FieldRegistry, rotateIndex: string, cols?: DocColumns) {
    this.cols = cols ?? new DocColumns(registry);
    this.rotateIndex = checkRotateIndex(rotateIndex);
    this.idCol = this.cols.column(ID_COLUMN, 'id', 'VARCHAR', false);
  }

  add(doc: Record<string, unknown>): void {
    const flat = this.cols.flatten(doc);
    const last = flat.lastPacket ?? Date.now();
    const suffix = partitionSuffix(last, this.rotateIndex);
    flat.row.cols.push(this.idCol);
    flat.row.obj[ID_COLUMN] = flat.id ?? newSessionId(suffix);
    const name = PARTITION_PREFIX + suffix;
    let p = this.open.get(name);
    if (!p) { p = { lines: [], maxLine: 0, minLast: last, maxLast: last, used: new Set() }; this.open.set(name, p); }
    const line = JSON.stringify(flat.row.obj);
    p.lines.push(line);
    if (line.length > p.maxLine) p.maxLine = line.length;
    for (const c of flat.row.cols) p.used.add(c);
    if (last < p.minLast) p.minLast = last;
    if (last > p.maxLast) p.maxLast = last;
    this.pendingRows++;
  }

  /** Everything added since the last take, one batch per partition. */
  take(): FlatBatch[] {
    const out: FlatBatch[] = [];
    for (const [partition, p] of this.open) {
      out.push({
        partition, text: p.lines.join('\n') + '\n', rows: p.lines.length, maxLine: p.maxLine, minLast: p.minLast, maxLast: p.maxLast,
        columns: [...p.used].map((c) => this.cols.infos[c]),
      });
    }
    this.open.clear();
    this.pendingRows = 0;
    return out;
  }
}
