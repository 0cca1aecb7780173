// Attribute parser exceptions. The session layer catches a throwing parser, detaches it and
// counts it (tcp.ts parserErrors); that keeps capture alive but hides the bug. The fuzzer wraps
// each parser's entry points to note which parser threw, what, and on which fuzz packet,
// then rethrows so the session layer handles it exactly as in production.
import type { ProtocolParser } from '../capture/parsers/api.js';

export interface Where { round: number; index: number; pcap: string }

export interface ParserException {
  parser: string;
  phase: 'classify' | 'parse' | 'save';
  count: number;
  /** First occurrence: error text with its top stack frames, and the fuzz packet. */
  error: string;
  round: number;
  index: number;
  pcap: string;
}

export class ParserWatch {
  /** Keyed by parser, phase and first stack frame: one entry per distinct bug. */
  readonly seen = new Map<string, ParserException>();
  total = 0;
  /** parse() calls per parser name: which parsers the run reached at all. */
  readonly parseCalls = new Map<string, number>();
  private readonly wrapped = new WeakSet<object>();

  constructor(readonly where: Where) {}

  install(list: readonly ProtocolParser<any>[]): void {
    for (const p of list) {
      if (this.wrapped.has(p)) continue;
      this.wrapped.add(p);
      const obj = p as { -readonly [K in keyof ProtocolParser<any>]: ProtocolParser<any>[K] };
      const classify = p.classify, parse = p.parse, save = p.save;
      obj.classify = (...a) => { try { return classify.apply(p, a); } catch (e) { this.note(p.name, 'classify', e); throw e; } };
      if (parse) {
        const calls = this.parseCalls;
        calls.set(p.name, calls.get(p.name) ?? 0);
        obj.parse = (...a) => {
          calls.set(p.name, calls.get(p.name)! + 1);
          try { return parse.apply(p, a); } catch (e) { this.note(p.name, 'parse', e); throw e; }
        };
      }
      if (save) obj.save = (...a) => { try { return save.apply(p, a); } catch (e) { this.note(p.name, 'save', e); throw e; } };
    }
  }

  private note(parser: string, phase: ParserException['phase'], e: unknown): void {
    this.total++;
    const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
    const lines = text.split('\n');
    const key = `${parser}/${phase}/${lines[0]}/${(lines[1] ?? '').trim()}`;
    const old = this.seen.get(key);
    if (old) { old.count++; return; }
    const w = this.where;
    this.seen.set(key, { parser, phase, count: 1, error: lines.slice(0, 5).join('\n'), round: w.round, index: w.index, pcap: w.pcap });
  }
}
