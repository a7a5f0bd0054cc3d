import { createServer, type Server } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * Reserves `count` distinct free TCP ports on the loopback interface. All listeners stay open
 * until every port is known, so the kernel cannot hand the same port out twice in one call.
 * The usual race remains (another process may take a port before our component binds it), and
 * an `up` that loses it fails and cleans up.
 */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, LOOPBACK, resolve);
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('listener has no TCP address');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Reserves one free port per name. */
export async function allocatePorts<K extends string>(names: readonly K[]): Promise<Record<K, number>> {
  const ports = await freeLoopbackPorts(names.length);
  return Object.fromEntries(names.map((name, i) => [name, ports[i]])) as Record<K, number>;
}
