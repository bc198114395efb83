import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { catchesSignal } from '../src/proc';

/** A Node process that says `ready` once it runs `setup`, then stays until killed. */
async function nodeProcess(setup: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [
    '-e',
    `${setup}; console.log('ready'); setInterval(() => {}, 1000)`,
  ]);
  await once(child.stdout!, 'data');
  return child;
}

describe('whether a process handles a signal (/proc)', () => {
  it('when a process has installed a handler for a signal, then it is seen to handle it; one that has not, not', async () => {
    const handles = await nodeProcess("process.on('SIGUSR2', () => {})");
    const ignores = await nodeProcess('');
    try {
      expect(catchesSignal(handles.pid!, 'SIGUSR2')).toBe(true);
      expect(catchesSignal(ignores.pid!, 'SIGUSR2')).toBe(false);
    } finally {
      handles.kill('SIGKILL');
      ignores.kill('SIGKILL');
    }
  });

  it('when the process does not exist, then nothing can be told', () => {
    expect(catchesSignal(2 ** 22 + 1, 'SIGUSR2')).toBeUndefined();
  });
});
