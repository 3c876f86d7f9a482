import { Backend } from '../support/backends';

/** The pools of {@link routingListener}, one backend each, in the order of the backends. */
export const ROUTING_POOLS = ['main', 'api', 'canary', 'admin', 'ws'] as const;

/**
 * One pool per backend in {@link ROUTING_POOLS} order, for the routing-rule proof that nginx and
 * HAProxy must both pass (the same rules, the same expectations).
 */
export function routingPools(backends: readonly Backend[]) {
  return ROUTING_POOLS.map((name, i) => ({
    name,
    options: {},
    nodes: [{ name: `${name}-1`, host: '127.0.0.1', port: backends[i].port }],
  }));
}

/**
 * Listener `web` on 127.0.0.1:`port`: websocket upgrades to `ws`, `/api/` with `X-Canary: yes`
 * to `canary`, other `/api/` to `api`, `*.admin.example.org` to `admin`, the rest to `main`.
 */
export function routingListener(port: number) {
  return {
    name: 'web',
    options: {
      port,
      bindAddress: '127.0.0.1',
      defaultPool: 'main',
      rules: [
        { pool: 'ws', websocket: true },
        { pool: 'canary', pathPrefix: '/api/', header: { name: 'X-Canary', value: 'yes' } },
        { pool: 'api', pathPrefix: '/api/' },
        { pool: 'admin', hostName: '*.admin.example.org' },
      ],
    },
  };
}
