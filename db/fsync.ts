// Durable renames: a file is fsynced before it is renamed into place, and its folder after, so
// a crash leaves either the old name or the whole new file. Shared by the embedded store's
// manifests and the Elasticsearch bulk spool.
import fs from 'node:fs';

export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}

export function fsyncDir(dir: string): void {
  try { fsyncFile(dir); } catch { /* some filesystems refuse directory fsync; the rename still happened */ }
}
