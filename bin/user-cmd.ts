// `packrat user add NAME [--admin] [--roles r1,r2] [--expression E] [--anonymize] [--password P] [--name N]`,
// `user anonymize NAME on|off` (forced anonymisation of everything the user exports or reads),
// `user list`, `user remove NAME`, `user apikey NAME [--nodes a,b] [--allow CIDR,...]` (prints a new
// API key once; its scope is the nodes it may see and the client addresses it may come from).
import { createInterface } from 'node:readline/promises';
import { parseArgs, one, UsageError } from './args.js';
import { defaultNode, loadConfig } from './cli.js';
import { openControlStore } from '../db/backend/open.js';
import { apiKeyHash, checkRoles, checkUserId, hashPassword, newApiKey, passwordHashCost } from '../viewer/auth.js';
import { checkKeyAllow, checkKeyNodes } from '../viewer/key-scope.js';

async function askPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    // piped: first line of stdin
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) { rl.close(); return line; }
    throw new UsageError('no password given (use --password P or pipe it on stdin)');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const p = await rl.question('Password: ');
  rl.close();
  return p;
}

export async function userCommand(argv: string[]): Promise<void> {
  const a = parseArgs(argv, {
    values: ['-c', '-n', '--roles', '--expression', '--password', '--name', '--nodes', '--allow'],
    flags: ['--admin', '--anonymize'],
    alias: { '--config': '-c', '--node': '-n' },
  });
  const [sub, name] = a.rest;
  const config = loadConfig(one(a, '-c'), one(a, '-n') ?? defaultNode(), 'user');
  const control = await openControlStore(config); // the cluster's users index when elasticsearch= is set
  try {
    switch (sub) {
      case 'add': {
        if (!name) throw new UsageError('user add needs a NAME');
        checkUserId(name);
        const roles = one(a, '--roles')?.split(',').map((s) => s.trim()).filter(Boolean) ?? ['arkimeUser'];
        if (a.flags.has('--admin') && !roles.includes('superAdmin')) roles.push('superAdmin');
        checkRoles(roles);
        const password = one(a, '--password') ?? await askPassword();
        await control.createUser({ userId: name, userName: one(a, '--name') ?? name, passHash: await hashPassword(password, passwordHashCost(config)), roles,
          expression: one(a, '--expression') || undefined, enabled: true, ...(a.flags.has('--anonymize') ? { anonymize: true } : {}) });
        process.stdout.write(`added user ${name} (${roles.join(', ')})\n`);
        break;
      }
      case 'list':
        for (const u of await control.listUsers()) {
          process.stdout.write(`${u.userId}\t${(u.roles ?? []).join(',')}\t${u.enabled === false ? 'disabled' : 'enabled'}` +
            `${u.apiKey ? '\tapikey' : ''}${u.apiKey && u.apiKeyNodes?.length ? ` nodes=${u.apiKeyNodes.join(',')}` : ''}` +
            `${u.apiKey && u.apiKeyAllow?.length ? ` allow=${u.apiKeyAllow.join(',')}` : ''}${u.expression ? `\texpression: ${u.expression}` : ''}` +
            `${u.anonymize === true ? '\tanonymized' : ''}\n`);
        }
        break;
      case 'remove':
        if (!name) throw new UsageError('user remove needs a NAME');
        if (!await control.deleteUser(name)) throw new UsageError(`no user ${name}`);
        process.stdout.write(`removed user ${name}\n`);
        break;
      case 'anonymize': {
        const how = a.rest[2];
        if (!name || (how !== 'on' && how !== 'off')) throw new UsageError('user anonymize needs NAME and on or off');
        if (!await control.getUser(name)) throw new UsageError(`no user ${name}`);
        await control.updateUser(name, { anonymize: how === 'on' });
        process.stdout.write(`${name}: anonymisation ${how === 'on' ? 'forced' : 'not forced'}\n`);
        break;
      }
      case 'apikey': {
        if (!name) throw new UsageError('user apikey needs a NAME');
        if (!await control.getUser(name)) throw new UsageError(`no user ${name}`);
        // the new key's scope replaces the old key's: no --nodes is every node, no --allow any address
        const apiKeyNodes = checkKeyNodes(one(a, '--nodes')?.split(',') ?? []);
        const apiKeyAllow = checkKeyAllow(one(a, '--allow')?.split(',') ?? []);
        const key = newApiKey();
        await control.updateUser(name, { apiKey: apiKeyHash(key), apiKeyNodes, apiKeyAllow });
        process.stdout.write(`${key}\n`);
        process.stderr.write(`packrat: API key for ${name} (shown once; send it as "Authorization: Bearer <key>")\n`);
        break;
      }
      default:
        throw new UsageError(`user needs add, list, remove, anonymize or apikey, not '${sub ?? ''}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError((e as Error).message);
  } finally {
    await control.close();
  }
}
