// Regional Internet Registry by first IPv4 octet, from IANA's ipv4-address-space.csv (`rirFile`).
// Column 1 is "NNN/8"; column 4 is the WHOIS server, whose second label names the registry
// (whois.arin.net → ARIN). Rows without a WHOIS server (private, multicast, reserved) give nothing.
import { readFileSync } from 'node:fs';

export class RirFileError extends Error {}

export class RirTable {
  private readonly byOctet: (string | undefined)[] = new Array(256).fill(undefined);

  /** RIR for an IPv4 address whose first octet is `octet`. */
  lookup(octet: number): string | undefined { return this.byOctet[octet]; }

  lookupV4(buf: Uint8Array, off: number): string | undefined { return this.byOctet[buf[off]]; }

  get size(): number { return this.byOctet.filter((r) => r !== undefined).length; }

  static parse(text: string, file = 'rir'): RirTable {
    const table = new RirTable();
    const lines = text.split(/\r?\n/);
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n];
      if (line.trim() === '') continue;
      const cols = splitCsvLine(line);
      const m = /^\s*(\d+)/.exec(cols[0]);
      if (!m) {
        if (n === 0) continue; // header row
        throw new RirFileError(`${file}:${n + 1}: expected 'NNN/8' in the first column, got '${cols[0]}'`);
      }
      const octet = Number(m[1]);
      if (octet > 255) throw new RirFileError(`${file}:${n + 1}: first octet ${octet} is above 255`);
      const labels = (cols[3] ?? '').split('.');
      if (labels.length >= 2 && labels[1] !== '') table.byOctet[octet] = labels[1].toUpperCase();
    }
    return table;
  }

  static load(file: string): RirTable {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch (e) {
      throw new RirFileError(`cannot read rirFile ${file}: ${(e as Error).message}`);
    }
    return RirTable.parse(text, file);
  }
}

/** Split on commas outside double quotes; quotes are dropped. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') { quoted = !quoted; continue; }
    if (c === ',' && !quoted) { out.push(cur); cur = ''; continue; }
    cur += c;
  }
  out.push(cur);
  return out;
}
