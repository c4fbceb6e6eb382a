import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * An exclusive lock on the embedded database's directory: PGlite has no cross-process lock and a
 * second process on the same files would corrupt them.
 *
 * The holder is identified by boot id + pid + the process's start time (from /proc), not by pid
 * alone: after a kill -9 the lock file stays behind, and in a container the restarted server often
 * gets the very same pid. A lock whose holder is not that exact process instance is stale and taken.
 */
interface LockOwner {
  pid: number;
  bootId: string | null;
  startTime: string | null;
  hostname: string;
  acquiredAt: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
  ) {
    super(`The data directory ${dataDir} is in use by another Allot process (pid ${holderPid}). Stop that process or choose another ALLOT_DATA_DIR.`);
    this.name = 'DataDirLockedError';
  }
}

const readText = (file: string): string | null => {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
};

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot (null off Linux). */
function processStartTime(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return afterName[19] ?? null;
}

function currentOwner(): LockOwner {
  return {
    pid: process.pid,
    bootId: readText('/proc/sys/kernel/random/boot_id'),
    startTime: processStartTime(process.pid),
    hostname: os.hostname(),
    acquiredAt: new Date().toISOString(),
  };
}

function isAlive(owner: LockOwner): boolean {
  const me = currentOwner();
  if (owner.hostname !== me.hostname) {
    // Another machine sharing the directory: we cannot check it, so we must not take its lock.
    return true;
  }
  if (owner.bootId !== null && me.bootId !== null) {
    return owner.bootId === me.bootId && owner.startTime !== null && processStartTime(owner.pid) === owner.startTime;
  }
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  release(): void;
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'allot.lock');
  const owner = currentOwner();
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      fs.writeFileSync(file, JSON.stringify(owner), { flag: 'wx', mode: 0o600 });
      let released = false;
      return {
        release: () => {
          if (!released && readText(file)?.includes(`"pid":${owner.pid},`)) {
            fs.rmSync(file, { force: true });
          }
          released = true;
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
    const text = readText(file);
    let holder: LockOwner | undefined;
    try {
      holder = text === null || text === '' ? undefined : (JSON.parse(text) as LockOwner);
    } catch {
      holder = undefined;
    }
    if (holder !== undefined && isAlive(holder)) {
      throw new DataDirLockedError(dataDir, holder.pid);
    }
    // Stale (or half-written by a process killed mid-write): remove it and race for it again.
    fs.rmSync(file, { force: true });
  }
  throw new Error(`Could not lock ${dataDir}: another process keeps taking the lock.`);
}
