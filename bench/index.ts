/**
 * `npm run bench`: how rendering and synthesis scale with the size of a deployment. Machines
 * here are noisy, so read the ratio columns (each row against the smallest size, measured in the
 * same run), not the absolute times. Linear scaling shows as a ratio close to the size ratio.
 */
import { App, TerraformStack, Testing } from '../lib/core/cdk';
import { Algorithm } from '../lib/core';
import { renderNginx } from '../lib/config/nginx';
import { escapeTerraformTemplate } from '../lib/core/escape';
import { Network } from '../lib/openstack/network';
import { WorkerGroup } from '../lib/openstack/worker-group';
import { NoopBalancer } from '../lib/testing';

interface Row {
  readonly case: string;
  readonly size: number;
  readonly msPerOp: number;
  readonly heapMb: number;
}

function measure(fn: () => void, minMs = 300): { msPerOp: number; heapMb: number } {
  fn(); // warm up
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs || ops < 3) {
    fn();
    ops++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const heapMb = Math.max(0, process.memoryUsage().heapUsed - heapBefore) / 1048576;
  return { msPerOp: elapsed / ops, heapMb };
}

function nginxWith(nodes: number): void {
  renderNginx({
    pools: [
      {
        name: 'web',
        algorithm: Algorithm.hashHeader('machineid'),
        nodes: Array.from({ length: nodes }, (_, i) => ({
          name: `web-${i + 1}`,
          host: `10.0.${i >> 8}.${i & 255}`,
          port: 8080,
        })),
      },
    ],
    listeners: [{ name: 'http', port: 80, defaultPool: 'web' }],
  });
}

function synthWorkers(count: number): void {
  const app: App = Testing.app();
  const stack = new TerraformStack(app, 'bench');
  const network = Network.fromId('net-id', 'subnet-id', '10.0.0.0/16');
  const workers = new WorkerGroup(stack, 'Web', {
    network,
    image: 'debian-12',
    flavor: 'm1.small',
    count,
    appPort: 8080,
  });
  const lb = new NoopBalancer(stack, 'Balancer');
  lb.addPool('web', { port: 8080 }).addTarget(workers);
  Testing.synth(stack);
}

function escapeOf(kb: number): void {
  escapeTerraformTemplate(
    'location / { proxy_pass http://$upstream; } ${literal} %{directive}\n'.repeat(
      Math.ceil((kb * 1024) / 64),
    ),
  );
}

const rows: Row[] = [];
for (const size of [10, 100, 1000])
  rows.push({ case: 'renderNginx, nodes in one pool', size, ...measure(() => nginxWith(size)) });
for (const size of [2, 20, 100])
  rows.push({ case: 'synth WorkerGroup + pool, nodes', size, ...measure(() => synthWorkers(size), 1000) });
for (const size of [16, 256, 4096])
  rows.push({ case: 'escapeTerraformTemplate, KiB', size, ...measure(() => escapeOf(size)) });

const header = ['case', 'size', 'ms/op', 'size ratio', 'time ratio', 'heap Δ MiB'];
const lines = [header, header.map(() => '---')];
for (const row of rows) {
  const base = rows.find((r) => r.case === row.case)!;
  lines.push([
    row.case,
    String(row.size),
    row.msPerOp.toFixed(3),
    `${(row.size / base.size).toFixed(0)}×`,
    `${(row.msPerOp / base.msPerOp).toFixed(1)}×`,
    row.heapMb.toFixed(1),
  ]);
}
process.stdout.write(`${lines.map((l) => `| ${l.join(' | ')} |`).join('\n')}\n`);
