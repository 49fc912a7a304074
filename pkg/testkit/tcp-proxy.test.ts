import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTcpProxy, type TcpProxy, targetOf, viaProxy } from './tcp-proxy.ts';
import { waitFor } from './testkit.ts';

describe('tcp proxy (fault injection in front of a TCP server)', () => {
  const echo = createServer((s) => s.pipe(s));
  let proxy: TcpProxy;

  before(async () => {
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    proxy = await startTcpProxy({ host: '127.0.0.1', port: (echo.address() as { port: number }).port });
  });
  after(async () => {
    await proxy.close();
    echo.close();
  });

  const connect = async (): Promise<Socket> => {
    const s = createConnection({ host: '127.0.0.1', port: proxy.port });
    s.on('error', () => undefined);
    await once(s, 'connect');
    return s;
  };
  /** Resolves when the socket closes (a reset is the expected way for a cut connection to end). */
  const closedOf = (s: Socket) => new Promise<void>((resolve) => s.on('close', () => resolve()));
  const roundTrip = async (s: Socket, text: string) => {
    s.write(text);
    const [data] = await once(s, 'data');
    return String(data);
  };

  test('forwards; stop cuts and refuses; resume forwards again on the same port', async () => {
    const a = await connect();
    assert.equal(await roundTrip(a, 'hello'), 'hello');
    const closed = closedOf(a);
    await proxy.stop();
    await closed;
    const refused = createConnection({ host: '127.0.0.1', port: proxy.port });
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNREFUSED');
    await proxy.resume();
    assert.equal(await roundTrip(await connect(), 'again'), 'again');
  });

  test('blackhole accepts and never answers; resume cuts those and forwards new ones', async () => {
    await proxy.blackhole();
    const before = proxy.accepted();
    const held = await connect();
    held.write('anyone?');
    await waitFor('accepted', () => proxy.accepted() === before + 1);
    let answered = false;
    held.on('data', () => {
      answered = true;
    });
    const closed = closedOf(held);
    await proxy.resume();
    await closed;
    assert.equal(answered, false, 'a blackholed connection got bytes');
    assert.equal(await roundTrip(await connect(), 'back'), 'back');
  });

  test('viaProxy and targetOf rewrite and read URLs', () => {
    assert.equal(
      viaProxy('mysql://root:pw@db.example:3306/t_x?ssl=0', 4000),
      'mysql://root:pw@127.0.0.1:4000/t_x?ssl=0',
    );
    assert.deepEqual(targetOf('mysql://root@127.0.0.1/t_x'), { host: '127.0.0.1', port: 3306 });
  });
});
