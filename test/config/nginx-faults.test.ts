import * as fs from 'fs';
import { NginxConfig } from '../../lib/config/nginx';
import { freePorts } from '../support/backends';
import { FAULT_TIMEOUTS, FaultNode, describeFaults } from './fault-harness';
import { nginxPathsUnder, prepareRoot, startNginx } from './nginx-harness';

/**
 * The fault suite on nginx with its defaults (passive `max_fails`, `proxy_next_upstream` on
 * errors, timeouts and 502/503/504 for idempotent requests, `proxy_next_upstream_timeout`), the
 * pool's timeouts 1 s (rendered into the listener's location).
 */
describeFaults({
  name: 'nginx',
  tools: ['nginx'],
  // proxy_next_upstream_timeout (connect + read) plus the last attempt's read timeout.
  allDownBoundMs: (FAULT_TIMEOUTS.connectSeconds + 2 * FAULT_TIMEOUTS.responseSeconds) * 1000,
  start: async (nodes) => {
    const root = prepareRoot();
    const [port] = await freePorts(1);
    const model = (current: readonly FaultNode[]): NginxConfig => ({
      paths: nginxPathsUnder(root),
      status: false,
      pools: [
        {
          name: 'app',
          options: { timeouts: FAULT_TIMEOUTS },
          nodes: current.map((n) => ({ name: n.name, host: '127.0.0.1', port: n.port })),
        },
      ],
      listeners: [{ name: 'web', options: { port, bindAddress: '127.0.0.1', defaultPool: 'app' } }],
    });
    const nginx = await startNginx(model(nodes), [port]);
    return {
      url: `http://127.0.0.1:${port}/`,
      reload: (next) => nginx.reload(model(next)),
      stop: async () => {
        await nginx.stop();
        fs.rmSync(root, { recursive: true, force: true });
      },
    };
  },
});
