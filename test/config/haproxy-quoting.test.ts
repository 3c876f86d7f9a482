import fc from 'fast-check';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import { HaproxyConfig, HaproxyPool, renderHaproxy } from '../../lib/config/haproxy';
import { ValidationError } from '../../lib/core/errors';
import { freePorts, request, startBackends, stopBackends, waitUntil } from '../support/backends';
import { describeWithTools } from '../support/tools';
import { haproxyPathsUnder, prepareRoot, startHaproxy } from './haproxy-harness';
import { nastyString } from './quote-arbitraries';

/**
 * Any user string either reaches real HAProxy with its meaning intact, or is rejected with a
 * ValidationError: the value a routing rule matches a header against (an ACL pattern), the value
 * of a header set on requests (a log-format string), the stats password (a userlist entry) and
 * the path of an HTTP health check (sent to every node).
 */

function accepted(render: () => unknown): boolean {
  try {
    render();
    return true;
  } catch (e) {
    if (e instanceof ValidationError) return false;
    throw e;
  }
}

/** A node that records the exact request line of each health check and answers 200. */
async function checkRecorder(): Promise<{ port: number; targets: Set<string>; close(): Promise<void> }> {
  const targets = new Set<string>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let head = '';
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n');
      if (end < 0) return;
      const [, target] = head.slice(0, end).split(' ');
      targets.add(target);
      socket.end('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n');
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    targets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describeWithTools(
  ['haproxy', 'openssl'],
  'HAProxy reads user strings back intact (fast-check, real HAProxy)',
  () => {
    it('GIVEN any strings as rule values, set headers, a stats password and check paths WHEN HAProxy runs the config THEN each keeps its meaning, or was rejected', async () => {
      const [hit, miss] = await startBackends(2);
      const checks = await checkRecorder();
      const root = prepareRoot();
      let runs = 0;
      let checked = 0;
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.array(nastyString(14), { minLength: 1, maxLength: 10 }),
            fc.oneof(nastyString(14), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 14 })),
            async (values, password) => {
              runs++;
              checks.targets.clear();
              const [port, statsPort] = await freePorts(2);
              const model: HaproxyConfig = {
                paths: haproxyPathsUnder(root),
                log: false,
                stats: { port: statsPort },
                pools: [
                  { name: 'hit', options: {}, nodes: [{ name: 'hit-1', host: '127.0.0.1', port: hit.port }] },
                  {
                    name: 'miss',
                    options: {},
                    nodes: [{ name: 'miss-1', host: '127.0.0.1', port: miss.port }],
                  },
                ],
                listeners: [
                  { name: 'web', options: { port, bindAddress: '127.0.0.1', defaultPool: 'miss' } },
                ],
              };
              const listener = model.listeners[0];
              const ruleValues = values.filter((value) =>
                accepted(() =>
                  renderHaproxy({
                    ...model,
                    listeners: [
                      {
                        ...listener,
                        options: {
                          ...listener.options,
                          rules: [{ pool: 'hit', header: { name: 'X-Match', value } }],
                        },
                      },
                    ],
                  }),
                ),
              );
              const headerValues = values.filter((value) =>
                accepted(() =>
                  renderHaproxy({
                    ...model,
                    listeners: [
                      { ...listener, options: { ...listener.options, requestHeaders: { 'X-Set': value } } },
                    ],
                  }),
                ),
              );
              const checkPool = (path: string, i: number): HaproxyPool => ({
                name: `check-${i}`,
                options: { healthCheck: { active: { path, intervalSeconds: 0.2, timeoutSeconds: 0.2 } } },
                nodes: [{ name: 'recorder', host: '127.0.0.1', port: checks.port }],
              });
              const paths = values
                .map((value) => `/${value}`)
                .filter((path) => accepted(() => renderHaproxy({ ...model, pools: [checkPool(path, 0)] })));
              const passwordOk = accepted(() =>
                renderHaproxy({ ...model, stats: { port: statsPort, password } }),
              );
              checked += ruleValues.length + headerValues.length + paths.length + (passwordOk ? 1 : 0);

              const haproxy = await startHaproxy(
                {
                  ...model,
                  stats: { port: statsPort, user: 'ops', ...(passwordOk ? { password } : {}) },
                  pools: [...model.pools, ...paths.map(checkPool)],
                  listeners: [
                    {
                      ...listener,
                      options: {
                        ...listener.options,
                        rules: ruleValues.map((value, i) => ({
                          pool: 'hit',
                          header: { name: `X-Match-${i}`, value },
                        })),
                        requestHeaders: Object.fromEntries(
                          headerValues.map((value, i) => [`X-Set-${i}`, value]),
                        ),
                      },
                    },
                  ],
                },
                [port, statsPort],
              );
              const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
              try {
                const url = `http://127.0.0.1:${port}/echo`;
                for (const [i, value] of ruleValues.entries()) {
                  const matched = await request(url, { agent, headers: { [`X-Match-${i}`]: value } });
                  expect(JSON.parse(matched.body).port).toBe(hit.port);
                  for (const other of [`${value}!`, `!${value}`, value.toUpperCase(), value.toLowerCase()]) {
                    if (other === value) continue;
                    const missed = await request(url, { agent, headers: { [`X-Match-${i}`]: other } });
                    expect(JSON.parse(missed.body).port).toBe(miss.port);
                  }
                }
                const echoed = JSON.parse((await request(url, { agent })).body);
                for (const [i, value] of headerValues.entries())
                  expect(echoed.headers[`x-set-${i}`]).toBe(value);

                if (passwordOk) {
                  const basic = (pw: string) => ({
                    Authorization: `Basic ${Buffer.from(`ops:${pw}`, 'utf8').toString('base64')}`,
                  });
                  const metrics = `http://127.0.0.1:${statsPort}/metrics`;
                  expect((await request(metrics, { agent: false })).status).toBe(401);
                  expect(
                    (await request(metrics, { agent: false, headers: basic(`${password}x`) })).status,
                  ).toBe(401);
                  expect((await request(metrics, { agent: false, headers: basic(password) })).status).toBe(
                    200,
                  );
                }

                await waitUntil(
                  `health checks on ${JSON.stringify(paths)} (seen ${JSON.stringify([...checks.targets])})`,
                  () => paths.every((p) => checks.targets.has(p)),
                  5000,
                );
              } finally {
                agent.destroy();
                await haproxy.stop();
              }
            },
          ),
          { numRuns: 12 },
        );
      } finally {
        await stopBackends([hit, miss]);
        await checks.close();
        fs.rmSync(root, { recursive: true, force: true });
      }
      expect(runs).toBeGreaterThanOrEqual(12);
      expect(checked).toBeGreaterThan(40);
    });
  },
);
