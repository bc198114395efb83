import { newClusterId } from '../src/kafka-node';

describe('KRaft cluster id', () => {
  it('when ten thousand ids are made, then none starts with "-" (the storage tool would read it as an option) and each is 22 base64url characters', () => {
    const ids = Array.from({ length: 10_000 }, () => newClusterId());
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    expect(ids.every((id) => /^[A-Za-z0-9_-]{22}$/.test(id))).toBe(true);
  });
});
