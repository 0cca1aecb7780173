// MAC vendor table in Wireshark's `manuf` format (Arkime `ouiFile`).
// Line: "<prefix>[/bits]\t<short name>[\t<long name>][\t# comment]". The prefix is hex octets
// separated by ':', '-' or '.'; without /bits it covers 24 bits. The long name wins over the short
// one; when the long column is empty (two tabs in a row) Arkime takes the next column.
import { readFileSync } from 'node:fs';

export class OuiFileError extends Error {}

const TWO_POW = (bits: number): number => 2 ** bits;

export class OuiTable {
  /** Prefix lengths present, longest first; maps[i] holds prefixes of length lengths[i]. */
  private readonly lengths: number[] = [];
  private readonly maps: Map<number, string>[] = [];
  private readonly divisors: number[] = [];
  size = 0;

  /** Add one prefix (value = top `bits` bits of the 48-bit MAC). Later entries replace earlier. */
  add(prefixValue48: number, bits: number, vendor: string): void {
    let i = this.lengths.indexOf(bits);
    if (i < 0) {
      this.lengths.push(bits);
      this.lengths.sort((a, b) => b - a);
      i = this.lengths.indexOf(bits);
      this.maps.splice(i, 0, new Map());
      this.divisors.splice(i, 0, TWO_POW(48 - bits));
    }
    const key = Math.floor(prefixValue48 / this.divisors[i]);
    const m = this.maps[i];
    if (!m.has(key)) this.size++;
    m.set(key, vendor);
  }

  /** Vendor of the MAC at buf[off..off+6), longest prefix first; allocates nothing. */
  lookup(buf: Uint8Array, off: number): string | undefined {
    const mac = buf[off] * 0x10000000000 + buf[off + 1] * 0x100000000 +
      (((buf[off + 2] << 24) | (buf[off + 3] << 16) | (buf[off + 4] << 8) | buf[off + 5]) >>> 0);
    for (let i = 0; i < this.maps.length; i++) {
      const v = this.maps[i].get(Math.floor(mac / this.divisors[i]));
      if (v !== undefined) return v;
    }
    return undefined;
  }

  static parse(text: string, file = 'oui'): OuiTable {
    const table = new OuiTable();
    let lineNo = 0;
    let pos = 0;
    while (pos < text.length) {
      let end = text.indexOf('\n', pos);
      if (end < 0) end = text.length;
      lineNo++;
      let line = text.slice(pos, end);
      pos = end + 1;
      const hash = line.indexOf('#');
      if (hash >= 0) line = line.slice(0, hash);
      line = line.trimEnd();
      if (line.length < 4) continue;
      const parts = line.split('\t');
      if (parts.length < 2) throw new OuiFileError(`${file}:${lineNo}: expected a tab after the prefix in '${line}'`);
      const vendor = parts.length === 2 ? parts[1] : parts[2] !== '' ? parts[2] : (parts[3] ?? parts[1]);
      const { value, bits } = parsePrefix(parts[0], file, lineNo);
      table.add(value, bits, vendor);
    }
    return table;
  }

  static load(file: string): OuiTable {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch (e) {
      throw new OuiFileError(`cannot read ouiFile ${file}: ${(e as Error).message}`);
    }
    return OuiTable.parse(text, file);
  }
}

function parsePrefix(token: string, file: string, lineNo: number): { value: number; bits: number } {
  let bits = 24;
  let hex = '';
  for (let i = 0; i < token.length; i++) {
    const c = token[i];
    if (c === ':' || c === '-' || c === '.') continue;
    if (c === '/') {
      bits = Number(token.slice(i + 1));
      if (!Number.isInteger(bits) || bits < 1 || bits > 48) {
        throw new OuiFileError(`${file}:${lineNo}: bad prefix length in '${token}'`);
      }
      break;
    }
    hex += c;
  }
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new OuiFileError(`${file}:${lineNo}: bad MAC prefix '${token}'`);
  }
  let value = 0;
  for (let i = 0; i < 12; i += 2) {
    value = value * 256 + (i < hex.length ? parseInt(hex.slice(i, i + 2), 16) : 0);
  }
  return { value, bits };
}
