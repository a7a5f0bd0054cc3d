// A server shutdown racing the pool's hand-over of a connection: PostgreSQL's FATAL ("terminating
// connection due to administrator command", as on a restart) arrives in the same socket read as
// the answer that frees the connection, which the pool hands straight to a waiting transaction.
// That used to be an unhandled 'error' event, i.e. a crashed replica (seen in the HA test). A relay
// in front of the real server makes the race certain: it appends the FATAL to the next
// ReadyForQuery it forwards.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { openPostgres } from '../../src/store/postgres.js';
import { StoreUnavailableError } from '../../src/store/unavailable.js';
import { backends } from '../support/stores.js';

const postgres = backends.find((b) => b.name === 'postgres')!;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** An ErrorResponse message: severity FATAL, SQLSTATE 57P01. */
function fatalShutdown(): Buffer {
  const field = (code: string, value: string) => Buffer.concat([Buffer.from(code), Buffer.from(value), Buffer.from([0])]);
  const body = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', '57P01'),
    field('M', 'terminating connection due to administrator command'),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** A relay to `port`; `arm()` makes it send a FATAL right behind the next ReadyForQuery, in the
 *  same write, and then close that connection. */
async function startRelay(port: number): Promise<{ port: number; arm(): void; close(): Promise<void> }> {
  let armed = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    // Server to client, message by message (type byte, int32 length including itself).
    let pending = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      let out = Buffer.alloc(0);
      while (pending.length >= 5 && pending.length >= 1 + pending.readInt32BE(1)) {
        const size = 1 + pending.readInt32BE(1);
        const message = pending.subarray(0, size);
        pending = pending.subarray(size);
        out = Buffer.concat([out, message]);
        if (armed && message[0] === 0x5a /* Z */) {
          armed = false;
          client.end(Buffer.concat([out, fatalShutdown()]));
          upstream.destroy();
          return;
        }
      }
      if (out.length > 0) client.write(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    arm: () => (armed = true),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a PostgreSQL shutdown racing a connection hand-over', () => {
  test('the waiting transaction fails with StoreUnavailableError, the process lives, the next query is served', async () => {
    const url = new URL(((await postgres.fresh()).config() as { url: string }).url);
    const relay = await startRelay(Number(url.port));
    cleanups.push(() => relay.close());
    url.host = `127.0.0.1:${relay.port}`;
    const db = await openPostgres(url.toString(), { maxConnections: 1, warn: () => undefined });
    cleanups.push(() => db.close());

    // The pool's one connection is busy with a query; a transaction waits for it.
    const busy = db.query('SELECT pg_sleep(0.3)');
    const waiting = db.transaction((tx) => tx.query('SELECT 1'));
    relay.arm();
    await busy; // answered: its ReadyForQuery came with the FATAL behind it

    await expect(waiting).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(db.query<{ one: number }>('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
  });
});
