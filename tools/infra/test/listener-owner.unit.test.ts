import { spawn } from 'node:child_process';
import net from 'node:net';
import { listenerOwnedBy } from '../src/proc';

/** A port this process listens on, closed by `close`. */
async function listening(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('whose socket listens on a port (/proc)', () => {
  it('when this process listens on it, then the listener is its own', async () => {
    const server = await listening();
    try {
      expect(listenerOwnedBy(process.pid, server.port)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('when another process listens on it, then the listener is that one’s, not this one’s', async () => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        "const s=require('net').createServer().listen(0,'127.0.0.1',()=>console.log(s.address().port))",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const port = await new Promise<number>((resolve) =>
        child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
      );
      expect(listenerOwnedBy(process.pid, port)).toBe(false);
      expect(listenerOwnedBy(child.pid!, port)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('when nothing listens on it any more, then nobody owns it', async () => {
    const server = await listening();
    await server.close();
    expect(listenerOwnedBy(process.pid, server.port)).toBe(false);
  });
});
