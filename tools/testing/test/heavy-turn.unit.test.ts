import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { heavyTurn, lightTurn } from '../src/heavy-turn';

describe('a heavy test file has the machine to itself', () => {
  const freshDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'machine-turn-'));
  const settled = <T>(promise: Promise<T>) => {
    const state: { value?: T } = {};
    void promise.then((value) => (state.value = value));
    return state;
  };
  const twoLooks = () => new Promise((r) => setTimeout(r, 600));

  it('when a heavy file holds the machine, then another heavy file and a lighter one wait until it is released, and go then', async () => {
    const dir = freshDir();
    const release = await heavyTurn('the fault suite', { dir });
    const heavy = settled(heavyTurn('the rehearsal', { dir }));
    const light = settled(lightTurn('a light file', { dir }));
    await twoLooks();
    expect([heavy.value, light.value]).toEqual([undefined, undefined]);
    release();
    await twoLooks();
    // One of them has the machine now: the lighter file if it looked first, else the rehearsal.
    expect([heavy.value, light.value].filter(Boolean)).toHaveLength(1);
    heavy.value?.();
    light.value?.();
    await twoLooks();
    expect([heavy.value, light.value].every(Boolean)).toBe(true);
    heavy.value!();
    light.value!();
  });

  it('when lighter files are running, then they run side by side, and a heavy file waits until they end while no new one starts', async () => {
    const dir = freshDir();
    const first = await lightTurn('first light file', { dir });
    const second = await lightTurn('second light file', { dir });
    const heavy = settled(heavyTurn('the fault suite', { dir }));
    await twoLooks();
    const third = settled(lightTurn('third light file', { dir }));
    first();
    await twoLooks();
    expect([heavy.value, third.value]).toEqual([undefined, undefined]);
    second();
    await twoLooks();
    expect(heavy.value).toBeDefined();
    expect(third.value).toBeUndefined(); // it waits for the heavy file now
    heavy.value!();
    await twoLooks();
    expect(third.value).toBeDefined();
    third.value!();
  });

  it('when the holder died without releasing the machine, then its turn is taken over', async () => {
    const dir = freshDir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited already
    fs.mkdirSync(path.join(dir, 'heavy'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'heavy', 'holder'), `${dead} a crashed worker\n`);
    fs.mkdirSync(path.join(dir, 'light'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'light', `${dead}-x`), `${dead} another crashed worker\n`);
    const release = await heavyTurn('the bench smoke run', { dir, timeoutMs: 5_000 });
    release();
    (await lightTurn('a light file', { dir, timeoutMs: 5_000 }))();
  });

  it('when the holder keeps the machine past the wait, then the waiting file fails naming the holder', async () => {
    const dir = freshDir();
    const release = await heavyTurn('the fault suite', { dir });
    try {
      await expect(lightTurn('a light file', { dir, timeoutMs: 300 })).rejects.toThrow(
        'a light file: another test file (the fault suite) held the machine for over 0.3 s',
      );
    } finally {
      release();
    }
  });
});
