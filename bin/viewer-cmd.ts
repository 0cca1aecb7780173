// `packrat viewer -c CONFIG [-n NODE] [--port P] [--host H]`: the web viewer and its API.
import { parseArgs, one, UsageError } from './args.js';
import { defaultNode, loadConfig } from './cli.js';
import { fields } from '../db/fields/registry.js';
import '../db/fields/core.js';
import '../capture/parsers/index.js'; // every parser's field definitions
import { createViewer } from '../viewer/server.js';
import { loadNativeCapture, nativeCaptureAvailable } from '../capture/live/native.js';
import { checkTransformSpec } from '../capture/transform/batch-transform.js';

export async function viewerCommand(argv: string[]): Promise<void> {
  const a = parseArgs(argv, { values: ['-c', '-n', '--port', '--host', '-o'], flags: [], alias: { '--config': '-c', '--node': '-n' } });
  const config = loadConfig(one(a, '-c'), one(a, '-n') ?? defaultNode(), 'viewer');
  for (const o of a.opts.get('-o') ?? []) {
    const eq = o.indexOf('=');
    if (eq < 0) throw new UsageError(`-o needs key=value, got '${o}'`);
    config.override(o.slice(0, eq), o.slice(eq + 1));
  }
  const portText = one(a, '--port');
  const port = portText !== undefined ? Number(portText) : config.int('viewPort', 8005, 0, 65535);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, not '${portText}'`);
  const host = one(a, '--host') ?? config.raw('viewHost') ?? (portText === '0' ? '127.0.0.1' : undefined);
  // A capture request's BPF is compiled here (libpcap in the capture addon) when the addon is built; else the node checks it.
  const checkBpf = nativeCaptureAvailable() ? (expr: string, snap: number) => { loadNativeCapture().compileBpf(expr, 1, snap); } : undefined;
  // a request's transforms are checked as the node will run them (a request without its own anonymizeKey takes the node's: the same config.ini)
  const anonymizeKey = config.str('anonymizeKey', '');
  const checkTransforms = (spec: Record<string, unknown>) => { checkTransformSpec(spec, anonymizeKey); };
  const viewer = await createViewer({ config, registry: fields, checkBpf, checkTransforms });
  if ((await viewer.context.control.listUsers()).length === 0) {
    process.stderr.write('packrat: no users yet; add one with `packrat user add NAME --admin -c CONFIG`\n');
  }
  const bound = await viewer.listen(port, host);
  process.stdout.write(`listening on http://${host && host !== '0.0.0.0' && host !== '::' ? host : '127.0.0.1'}:${bound}\n`);
  const stop = () => { void viewer.close().then(() => process.exit(0)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
