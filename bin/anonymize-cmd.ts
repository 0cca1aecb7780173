// `packrat anonymize --key HEX ADDRESS...` (or `-c CONFIG` for its anonymizeKey): each address's
// Crypto-PAn form, one per line, for scripts and to check a key. Bad key or address: exit 2.
import { parseArgs, one, UsageError } from './args.js';
import { defaultNode, loadConfig } from './cli.js';
import { AnonymizeKeyError, CryptoPAn } from '../db/anon/crypto-pan.js';

export function anonymizeCommand(argv: string[]): void {
  const a = parseArgs(argv, { values: ['--key', '-c', '-n'], flags: [], alias: { '--config': '-c', '--node': '-n' } });
  let key = one(a, '--key'), source = '--key';
  if (key === undefined && one(a, '-c')) { key = loadConfig(one(a, '-c'), one(a, '-n') ?? defaultNode()).str('anonymizeKey', ''); source = 'anonymizeKey'; }
  if (key === undefined) throw new UsageError('anonymize needs --key HEX (64 hex digits) or -c CONFIG with anonymizeKey=');
  if (a.rest.length === 0) throw new UsageError('anonymize needs at least one ADDRESS');
  let cp: CryptoPAn;
  try { cp = CryptoPAn.fromHex(key, source); } catch (e) {
    if (e instanceof AnonymizeKeyError) throw new UsageError(e.message);
    throw e;
  }
  const out: string[] = [];
  for (const addr of a.rest) {
    const r = cp.anonymizeText(addr);
    if (r === undefined) throw new UsageError(`'${addr}' is not an IPv4 or IPv6 address`);
    out.push(r);
  }
  process.stdout.write(out.join('\n') + '\n');
}
