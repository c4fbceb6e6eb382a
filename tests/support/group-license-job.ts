import { expect } from 'vitest';
import { within, type ServerProcess } from './server-process.js';

/**
 * A chunked group licensing job seen from outside a real `allot serve`: its state through the
 * Graph API, the job runner's log lines, and kill -9 in the middle of it. Used by the process and
 * reliability tiers (tests/process/group-job-kill.test.ts, tests/reliability/processes).
 */

export async function getJson<T>(server: ServerProcess, authorization: string, url: string): Promise<T> {
  const response = await fetch(`${server.url}${url}`, { headers: { authorization }, signal: AbortSignal.timeout(30_000) });
  expect(response.status, `GET ${url}`).toBe(200);
  return (await response.json()) as T;
}

/** The group's licenseProcessingState (QueuedForProcessing, ProcessingInProgress, ProcessingComplete). */
export const groupProcessingState = async (server: ServerProcess, authorization: string, groupId: string): Promise<string | undefined> =>
  (await getJson<{ licenseProcessingState: { state: string } | null }>(server, authorization, `/v1.0/groups/${groupId}?$select=licenseProcessingState`)).licenseProcessingState?.state;

/** The job runner's "job done" lines (pino JSON on stdout; LOG_LEVEL info) of one job for one tenant. */
export const jobDoneLines = (server: ServerProcess, tenantId: string, job = 'processGroupLicenseJobs'): { affected: number }[] =>
  server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; job?: string; tenantId?: string; affected?: number })
    .filter((entry) => entry.msg === 'job done' && entry.job === job && entry.tenantId === tenantId)
    .map((entry) => ({ affected: entry.affected ?? 0 }));

/**
 * Waits (polling every 20 ms) until the group's job has committed a chunk and not its last one
 * (ProcessingInProgress), then kills the server with SIGKILL and waits for it to be gone. The
 * server answers between chunks only because the job runner yields to the event loop.
 */
export async function killWhileGroupInProgress(server: ServerProcess, authorization: string, groupId: string, timeoutMs = 60_000): Promise<void> {
  try {
    let state = await groupProcessingState(server, authorization, groupId);
    // The runner ticks every second: it may have committed its first chunk already.
    expect(['QueuedForProcessing', 'ProcessingInProgress']).toContain(state);
    const deadline = Date.now() + timeoutMs;
    while (state !== 'ProcessingInProgress') {
      expect(state, 'the job finished before it was seen in progress').toBe('QueuedForProcessing');
      expect(Date.now(), `still queued after ${timeoutMs} ms\n${server.output()}`).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
      state = await groupProcessingState(server, authorization, groupId);
    }
  } finally {
    server.child.kill('SIGKILL');
  }
  expect(await within(server.exited, 10_000, 'SIGKILL exit')).toEqual({ code: null, signal: 'SIGKILL' });
}

/** Waits (polling every 100 ms) until a restarted server has finished the group's job. */
export async function waitForGroupProcessingComplete(server: ServerProcess, authorization: string, groupId: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let state = await groupProcessingState(server, authorization, groupId);
  while (state !== 'ProcessingComplete') {
    expect(state).toBe('ProcessingInProgress');
    expect(Date.now(), `still ${state} after ${timeoutMs} ms\n${server.output()}`).toBeLessThan(deadline);
    await new Promise((resolve) => setTimeout(resolve, 100));
    state = await groupProcessingState(server, authorization, groupId);
  }
}
