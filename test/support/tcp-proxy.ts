// A TCP relay in front of a real server, for network faults in tests: `cut()` drops every
// connection and refuses new ones (as a stopped or partitioned API server does), `restore()`
// accepts again on the same port. Bytes pass through untouched (TLS end to end).
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(Number(targetPort), hostname);
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('close', () => sockets.delete(sock));
          sock.on('error', () => sock.destroy());
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });

  const cut = async () => {
    const s = server;
    server = undefined;
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    if (s) await new Promise((resolve) => s.close(resolve));
  };

  await listen();
  return { url: `https://127.0.0.1:${port}`, cut, restore: listen, close: cut };
}
