import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { ConfigError, loadConfig } from '../config/config.ts';
import { connectRedis, isCluster } from './client.ts';

describe('connectRedis and REDIS_CLUSTER_NODES', () => {
  test('REDIS_CLUSTER_NODES is parsed into seeds; a bad list or a db other than 0 is a config error', () => {
    assert.equal(loadConfig({}).redisClusterNodes, undefined);
    const c = loadConfig({
      REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-b:7001 ,[::1]:7002',
      REDIS_URL: 'redis://x/0',
    });
    assert.deepEqual(c.redisClusterNodes, ['10.0.0.1:7000', 'redis-b:7001', '[::1]:7002']);
    assert.throws(() => loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1' }), ConfigError);
    assert.throws(
      () => loadConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'redis://:secret@x/2' }),
      (err: Error) =>
        err instanceof ConfigError && /only database 0/.test(err.message) && !/secret/.test(err.message),
    );
  });

  test('without seeds a single-server client; with seeds a Cluster taking user, password and TLS from the URL', () => {
    const one = connectRedis('redis://127.0.0.1:1', 'command', { lazyConnect: true });
    assert.ok(one instanceof Redis && !isCluster(one));
    one.disconnect();
    const cl = connectRedis(
      { redisUrl: 'rediss://ops:p%40ss@ignored:9/0', redisClusterNodes: ['127.0.0.1:1', '[::1]:2'] },
      'blocking',
      { lazyConnect: true },
    );
    assert.ok(cl instanceof Cluster && isCluster(cl));
    const o = cl.options;
    assert.equal(o.enableAutoPipelining, false);
    assert.equal(o.redisOptions?.username, 'ops');
    assert.equal(o.redisOptions?.password, 'p@ss');
    assert.deepEqual(o.redisOptions?.tls, {});
    assert.equal(o.redisOptions?.maxRetriesPerRequest, null);
    assert.equal(o.redisOptions?.connectionName, 'pushline-blocking');
    assert.deepEqual((cl as unknown as { startupNodes: unknown[] }).startupNodes, [
      { host: '127.0.0.1', port: 1 },
      { host: '::1', port: 2 },
    ]);
    cl.disconnect();
  });
});
