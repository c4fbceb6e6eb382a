import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError } from '../../src/db/data-dir-lock.js';

/** The lock's staleness rules, on real /proc data: who holds it is boot id + pid + start time. */

const bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

/** Field 22 of /proc/<pid>/stat, parsed after the command name like the lock does. */
function startTimeOf(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').trim();
  const value = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  if (value === undefined) {
    throw new Error(`cannot parse /proc/${pid}/stat`);
  }
  return value;
}

let dataDir: string;
let lockFile: string;
const children: ChildProcess[] = [];

const writeLock = (owner: Record<string, unknown>) => fs.writeFileSync(lockFile, JSON.stringify(owner));
const owner = (pid: number, startTime: string | null, overrides: Record<string, unknown> = {}) => ({
  pid,
  bootId,
  startTime,
  hostname: os.hostname(),
  acquiredAt: new Date().toISOString(),
  ...overrides,
});
const lockContent = () => JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { pid: number; startTime: string | null };

const expectLocked = (holderPid: number) => {
  let caught: unknown;
  try {
    acquireDataDirLock(dataDir).release();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DataDirLockedError);
  const error = caught as DataDirLockedError;
  expect(error.dataDir).toBe(dataDir);
  expect(error.holderPid).toBe(holderPid);
  expect(error.message).toContain(dataDir);
  expect(error.message).toContain(`pid ${holderPid}`);
};

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'allot-lock-'));
  lockFile = path.join(dataDir, 'allot.lock');
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('acquireDataDirLock', () => {
  it('creates the lock file with this process as owner; release removes it (twice is harmless)', () => {
    const lock = acquireDataDirLock(dataDir);
    expect(lockContent()).toMatchObject({ pid: process.pid, startTime: startTimeOf(process.pid), hostname: os.hostname() });
    lock.release();
    expect(fs.existsSync(lockFile)).toBe(false);
    lock.release();
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('creates a missing data directory', () => {
    const nested = path.join(dataDir, 'a', 'b');
    const lock = acquireDataDirLock(nested);
    expect(fs.existsSync(path.join(nested, 'allot.lock'))).toBe(true);
    lock.release();
    expect(fs.existsSync(path.join(nested, 'allot.lock'))).toBe(false);
  });

  it('takes over a lock recording its own pid with another start time (container restart with the same pid)', () => {
    writeLock(owner(process.pid, '1'));
    const lock = acquireDataDirLock(dataDir);
    expect(lockContent()).toMatchObject({ pid: process.pid, startTime: startTimeOf(process.pid) });
    lock.release();
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('refuses a lock whose holder is this exact process instance (pid + start time + boot id)', () => {
    writeLock(owner(process.pid, startTimeOf(process.pid)));
    expectLocked(process.pid);
    expect(lockContent().pid).toBe(process.pid);
  });

  it('refuses a second acquire while the first is held', () => {
    const lock = acquireDataDirLock(dataDir);
    expectLocked(process.pid);
    lock.release();
    acquireDataDirLock(dataDir).release();
  });

  it('takes over a lock from another boot', () => {
    writeLock(owner(process.pid, startTimeOf(process.pid), { bootId: '00000000-0000-0000-0000-000000000000' }));
    acquireDataDirLock(dataDir).release();
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['garbage', '{"pid": 12'],
    ['not json', 'hello'],
  ])('treats a %s lock file as stale', (_name, text) => {
    fs.writeFileSync(lockFile, text);
    const lock = acquireDataDirLock(dataDir);
    expect(lockContent().pid).toBe(process.pid);
    lock.release();
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('refuses a lock held by another live process, and takes it once that process is dead', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(sleeper);
    await once(sleeper, 'spawn');
    const pid = sleeper.pid!;
    writeLock(owner(pid, startTimeOf(pid)));
    expectLocked(pid);
    expect(lockContent().pid).toBe(pid);

    const exited = once(sleeper, 'exit');
    sleeper.kill('SIGKILL');
    await exited;
    const lock = acquireDataDirLock(dataDir);
    expect(lockContent().pid).toBe(process.pid);
    lock.release();
  });

  it('refuses a lock recorded on another host (it cannot be checked from here)', () => {
    writeLock(owner(999_999, '1', { hostname: `${os.hostname()}-other` }));
    expectLocked(999_999);
  });

  it('release leaves a lock file that another process has taken over', () => {
    const lock = acquireDataDirLock(dataDir);
    writeLock(owner(999_999, '1'));
    lock.release();
    expect(lockContent().pid).toBe(999_999);
  });
});
