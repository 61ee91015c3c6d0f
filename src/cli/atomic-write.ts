/**
 * Writes a file so that it is either whole or absent: the bytes go to a temporary file in the same
 * folder (same file system, so the rename is atomic), are flushed to disk, and the temporary file is
 * renamed over the target. On any failure (full disk, quota, file-size limit) the temporary file is
 * removed, so no truncated PNG is left where a finished one is expected.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes `bytes` to `path` atomically; throws "<path>: could not write (...)" and leaves nothing behind. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  // Hidden and unique: two runs writing the same folder never share a temporary file.
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(temp, 'wx');
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the write's error is the one to report
      }
    }
    rmSync(temp, { force: true });
    throw new Error(`${path}: could not write (${(error as Error).message}); no partial file was left`);
  }
}
