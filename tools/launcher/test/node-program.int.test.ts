import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { NodeProgram } from '../src/node-program';

const SCRIPT = path.join(__dirname, 'echo-server.mjs');
const program = (env: Record<string, string> = {}, port?: number) =>
  new NodeProgram({ label: 'echo#1', script: SCRIPT, env, port });

describe('a Node program the launcher runs', () => {
  it('when launched, then it is ready on a free port, and killed and restarted it answers on the same port as a new process', async () => {
    const echo = await program({ READY_AFTER_MS: '300' }).launch();
    try {
      const first = await (await fetch(`${echo.url}/health/ready`)).text();
      expect(first).toBe(String(echo.child!.pid));
      expect(echo.tail).toContainEqual(expect.stringContaining('"msg":"listening"'));
      const port = echo.port;
      await echo.kill();
      expect(echo.running).toBe(false);
      await echo.restart();
      expect(echo.port).toBe(port);
      const second = await (await fetch(`${echo.url}/health/ready`)).text();
      expect(second).not.toBe(first);
      expect(Number.isFinite(echo.cpuSeconds())).toBe(true);
    } finally {
      await echo.stop();
    }
  });

  it('when SIGTERM stops it, then terminate resolves with its exit code', async () => {
    const echo = await program().launch();
    expect(await echo.terminate()).toBe(0);
  });

  it('when its fixed port is taken, then the launch fails naming the program and its last lines', async () => {
    const squatter = net.createServer((socket) => socket.destroy());
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const { port } = squatter.address() as net.AddressInfo;
    try {
      await expect(program({}, port).launch(10_000)).rejects.toThrow(
        /echo#1 exited 1:[\s\S]*EADDRINUSE/,
      );
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('when another program holds its port and answers the readiness path, then that answer does not make it ready', async () => {
    const squatter = http.createServer((_req, res) => res.writeHead(200).end('not echo'));
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const { port } = squatter.address() as net.AddressInfo;
    const echo = program({}, port);
    try {
      await expect(echo.launch(10_000)).rejects.toThrow(/echo#1 exited 1:[\s\S]*EADDRINUSE/);
    } finally {
      await echo.stop(); // a launch that took the squatter's answer left it running
      squatter.closeAllConnections();
      await new Promise((r) => squatter.close(r));
    }
  });

  it('when it rejects its configuration, then the launch fails at once with its exit code', async () => {
    const began = Date.now();
    await expect(program({ BAD_CONFIG: '1' }).launch(30_000)).rejects.toThrow(/echo#1 exited 78/);
    expect(Date.now() - began).toBeLessThan(10_000);
  });
});
