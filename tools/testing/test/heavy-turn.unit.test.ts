import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { heavyTurn } from '../src/heavy-turn';

describe('one heavy test file at a time', () => {
  const lockIn = () =>
    path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'heavy-turn-')), 'heavy-turn');

  it('when one file holds the turn, then the next waits until it is released, and takes it then', async () => {
    const lock = lockIn();
    const release = await heavyTurn('the fault suite', { lock });
    let second: (() => void) | undefined;
    const waiting = heavyTurn('the rehearsal', { lock }).then((r) => (second = r));
    await new Promise((r) => setTimeout(r, 600)); // two looks at the lock
    expect(second).toBeUndefined();
    release();
    (await waiting)();
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('when the holder died without releasing the turn, then it is taken over', async () => {
    const lock = lockIn();
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!; // exited already
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'holder'), `${dead} a crashed worker\n`);
    const release = await heavyTurn('the bench smoke run', { lock, timeoutMs: 5_000 });
    expect(fs.readFileSync(path.join(lock, 'holder'), 'utf8')).toContain(String(process.pid));
    release();
  });

  it('when the holder keeps it past the wait, then the waiting file fails naming the holder', async () => {
    const lock = lockIn();
    const release = await heavyTurn('the fault suite', { lock });
    try {
      await expect(heavyTurn('the rehearsal', { lock, timeoutMs: 300 })).rejects.toThrow(
        'the rehearsal: another heavy test file (the fault suite) held the machine for over 0.3 s',
      );
    } finally {
      release();
    }
  });
});
