// Which module holds a target, by name, without loading any: the harness must import only the
// target's own code so that its coverage total counts what that target can reach.
import type { TargetModule } from './target.js';

const MODULES = ['parsers', 'decode', 'readers', 'expr'] as const;

function moduleOf(name: string): (typeof MODULES)[number] | undefined {
  if (name.startsWith('parser-')) return 'parsers';
  if (name === 'decode') return 'decode';
  if (name === 'pcap' || name === 'pcapng') return 'readers';
  if (name === 'expr') return 'expr';
  return undefined;
}

export async function loadTargetModule(name: string): Promise<TargetModule> {
  const m = moduleOf(name);
  if (!m) throw new Error(`unknown fuzz target ${name}`);
  return (await import(`./${m}.js`)) as TargetModule;
}

/** Every target name, in a stable order (loads every module: not for the instrumented harness). */
export async function allTargetNames(): Promise<string[]> {
  const out: string[] = [];
  for (const m of MODULES) out.push(...((await import(`./${m}.js`)) as TargetModule).names());
  return out;
}
