import * as fs from 'fs';
import { HaproxyConfig } from '../../lib/config/haproxy';
import { freePorts } from '../support/backends';
import { FAULT_TIMEOUTS, FaultNode, describeFaults } from './fault-harness';
import { haproxyPathsUnder, prepareRoot, startHaproxy } from './haproxy-harness';

/**
 * The fault suite on HAProxy with its default checks (HTTP probe, passive `observe layer7`,
 * retries of idempotent requests on 502/503/504 and timeouts), the pool's timeouts 1 s.
 */
describeFaults({
  name: 'haproxy',
  tools: ['haproxy', 'openssl'],
  // The first try and `retries` (3) more, each bounded by the pool's server timeout.
  allDownBoundMs: 4 * FAULT_TIMEOUTS.responseSeconds * 1000,
  start: async (nodes) => {
    const root = prepareRoot();
    const [port, statsPort] = await freePorts(2);
    const model = (current: readonly FaultNode[]): HaproxyConfig => ({
      paths: haproxyPathsUnder(root),
      log: false,
      stats: { port: statsPort },
      pools: [
        {
          name: 'app',
          options: { timeouts: FAULT_TIMEOUTS },
          nodes: current.map((n) => ({ name: n.name, host: '127.0.0.1', port: n.port })),
        },
      ],
      listeners: [{ name: 'web', options: { port, bindAddress: '127.0.0.1', defaultPool: 'app' } }],
    });
    const haproxy = await startHaproxy(model(nodes), [port, statsPort]);
    return {
      url: `http://127.0.0.1:${port}/`,
      reload: (next) => haproxy.reload(model(next)),
      stop: async () => {
        await haproxy.stop();
        fs.rmSync(root, { recursive: true, force: true });
      },
    };
  },
});
