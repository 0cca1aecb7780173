// dropUser / dropGroup (reference 5.7): a live capture opens its sockets as root, then gives root
// up. Worker threads share the process credentials, so one call covers them all.
import { accessSync, constants } from 'node:fs';

export class PrivilegeError extends Error {}

/** Switch to `group` then `user` (names or numbers); empty strings keep the current ones. */
export function dropPrivileges(user: string, group: string): void {
  if (!user && !group) return;
  const asId = (v: string): string | number => (/^\d+$/.test(v) ? Number(v) : v);
  try {
    if (process.getuid?.() === 0 && process.setgroups) process.setgroups(group ? [asId(group)] : []);
    if (group) process.setgid!(asId(group));
    if (user) process.setuid!(asId(user));
  } catch (e) {
    throw new PrivilegeError(`dropUser=${user} dropGroup=${group}: ${(e as Error).message}`);
  }
}

/** After dropping root: every directory capture writes into must still be writable. */
export function checkWritable(dirs: { key: string; dir: string }[]): void {
  for (const { key, dir } of dirs) {
    try {
      accessSync(dir, constants.W_OK | constants.X_OK);
    } catch {
      throw new PrivilegeError(`${key}=${dir} is not writable by uid ${process.getuid?.()} gid ${process.getgid?.()} (dropUser/dropGroup)`);
    }
  }
}
