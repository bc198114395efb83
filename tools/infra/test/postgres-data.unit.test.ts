import {
  cannotPlaceMessage,
  foldersOnTheWay,
  isOutside,
  outsidePlace,
  parsePasswdEntry,
} from '../src/postgres-data';

describe('Postgres data outside a checkout the postgres user cannot enter', () => {
  it('when the same folder is named twice, however spelled, then its outside place is the same', () => {
    const place = outsidePlace('/root/clone/.infra/postgres', '/var/lib/postgresql');
    expect(place).toMatch(/^\/var\/lib\/postgresql\/ticketing-[0-9a-f]{16}$/);
    expect(outsidePlace('/root/clone/./.infra/x/../postgres/', '/var/lib/postgresql')).toBe(place);
  });

  it('when two checkouts (or two folders of one) ask, then they never share a place', () => {
    const places = [
      '/root/clone/.infra/postgres',
      '/root/clone-2/.infra/postgres',
      '/root/clone/.infra/production-shape/postgres',
    ].map((dir) => outsidePlace(dir, '/var/lib/postgresql'));
    expect(new Set(places).size).toBe(3);
  });

  it('when a place is inside or outside a folder, then isOutside tells them apart', () => {
    expect(isOutside('/var/lib/postgresql/ticketing-ab', '/root/clone/.infra')).toBe(true);
    expect(isOutside('/root/clone/.infra-old/postgres', '/root/clone/.infra')).toBe(true);
    expect(isOutside('/root/clone/.infra/postgres', '/root/clone/.infra')).toBe(false);
    expect(isOutside('/root/clone/.infra', '/root/clone/.infra/')).toBe(false);
    expect(isOutside('/root/clone/.infra/..postgres', '/root/clone/.infra')).toBe(false);
    expect(isOutside('/root/clone', '/root/clone/.infra')).toBe(true);
  });

  it('when a path is entered, then every folder from the root down is on the way, in order', () => {
    expect(foldersOnTheWay('/root/clone/.infra')).toEqual([
      '/',
      '/root',
      '/root/clone',
      '/root/clone/.infra',
    ]);
    expect(foldersOnTheWay('/')).toEqual(['/']);
  });

  it('when getent prints the postgres account, then its ids and home are read; anything else is no account', () => {
    expect(
      parsePasswdEntry(
        'postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n',
      ),
    ).toEqual({ uid: 101, gid: 104, home: '/var/lib/postgresql' });
    expect(parsePasswdEntry('')).toBeUndefined();
    expect(parsePasswdEntry('postgres:x:101:104::relative/home:/bin/sh')).toBeUndefined();
    expect(parsePasswdEntry('postgres:x:abc:104::/var/lib/postgresql:/bin/sh')).toBeUndefined();
  });

  it('when neither place can be used, then one sentence names the closed folder, the place refused and the fix', () => {
    const message = cannotPlaceMessage(
      '/root',
      '/var/lib/postgresql/ticketing-0123456789abcdef',
      'EROFS',
    );
    expect(message).toBe(
      'PostgreSQL runs as the postgres user, who cannot enter /root, and its data cannot go to ' +
        '/var/lib/postgresql/ticketing-0123456789abcdef instead (EROFS): let that user through ' +
        '(chmod o+x /root, and any folder below it that is closed too) or clone the project into ' +
        'a folder every user can enter.',
    );
    expect(message).not.toMatch(/\n/);
    expect(message.match(/\.(\s|$)/g)).toHaveLength(1);
  });
});
