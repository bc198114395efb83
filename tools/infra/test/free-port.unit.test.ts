import { fetchAllows } from '../src/proc';

describe('ports the harnesses hand out', () => {
  it('when a port or a run of ports covers 10080, then fetch could not reach it and it is not handed out', async () => {
    // Node's fetch answers "bad port" for the Fetch standard's blocked ports.
    await expect(fetch('http://127.0.0.1:10080/')).rejects.toMatchObject({
      cause: { message: 'bad port' },
    });
    expect(fetchAllows(10_080)).toBe(false);
    expect(fetchAllows(10_078, 3)).toBe(false);
    expect(fetchAllows(10_078, 2)).toBe(true);
    expect(fetchAllows(10_081)).toBe(true);
  });
});
