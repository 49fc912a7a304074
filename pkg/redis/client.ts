import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/**
 * A connection to the platform's Redis: one server (`Redis`) or a Redis Cluster (`Cluster`).
 * Every function that talks to Redis takes this type; the few commands that differ on a Cluster
 * (several slots in one call, SCAN, CLIENT) go through pkg/redis/cluster.ts.
 *
 * @example const redis: RedisClient = connectRedis(config, 'command');
 */
export type RedisClient = Redis | Cluster;

/**
 * Where Redis is: a `redis://` / `rediss://` URL (one server), or the config's pair, where
 * `redisClusterNodes` (REDIS_CLUSTER_NODES, `host:port` seeds) selects a Cluster; the URL then
 * lends the cluster its user, password and TLS (`rediss://`), never its host, port or db.
 *
 * @example connectRedis({ redisUrl: 'rediss://:pw@x', redisClusterNodes: ['10.0.0.1:7000'] }, 'command');
 */
export type RedisTarget =
  | string
  | Readonly<{ redisUrl: string; redisClusterNodes?: readonly string[] | undefined }>;

/**
 * Builds a Redis client. `role` picks settings: `command` connections auto-pipeline (many
 * concurrent deliveries' commands share round trips; on a Cluster, per node); `blocking`
 * connections serve one XREADGROUP BLOCK at a time and never auto-pipeline, so a block never
 * delays other commands. With cluster nodes in `target`, the client is an ioredis `Cluster`.
 *
 * @example const redis = connectRedis('redis://127.0.0.1:6379', 'command');
 */
export function connectRedis(
  target: RedisTarget,
  role: 'command' | 'blocking' | 'subscriber',
  extra: RedisOptions = {},
): RedisClient {
  const url = typeof target === 'string' ? target : target.redisUrl;
  const options: RedisOptions = {
    enableAutoPipelining: role === 'command',
    // Commands wait for a reconnect instead of failing fast: a Redis restart pauses work.
    maxRetriesPerRequest: role === 'command' ? 20 : null,
    connectionName: `pushline-${role}`,
    lazyConnect: false,
    ...extra,
  };
  const nodes = typeof target === 'string' ? undefined : target.redisClusterNodes;
  if (!nodes || nodes.length === 0) return new Redis(url, options);
  const { enableAutoPipelining, lazyConnect, ...perNode } = options;
  const clusterOptions: ClusterOptions = {
    enableAutoPipelining,
    lazyConnect,
    // A failover or resharding answers CLUSTERDOWN/TRYAGAIN for a moment: wait, do not fail.
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    redisOptions: { ...credentialsOf(url), ...perNode },
  };
  return new Cluster(
    nodes.map((n) => hostPort(n)),
    clusterOptions,
  );
}

/** True when `redis` is a Cluster client (the commands that differ check this). */
export const isCluster = (redis: RedisClient): redis is Cluster => redis instanceof Cluster;

/** User, password and TLS of a REDIS_URL, for every node of a cluster. */
function credentialsOf(url: string): RedisOptions {
  const u = new URL(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

const hostPort = (node: string): { host: string; port: number } => {
  const i = node.lastIndexOf(':');
  return { host: node.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(node.slice(i + 1)) };
};
