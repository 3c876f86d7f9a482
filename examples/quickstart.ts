import { Construct } from 'constructs';
import { TerraformStack } from '../lib/core/cdk';
import { Algorithm, KeyPair, Network, NginxBalancer, WorkerGroup } from '../lib';

/**
 * The README's example, line for line between the markers (a test compares them): three
 * servers on the cloud's own network behind an nginx proxy that keeps each machine id on one
 * server (the climate-data platform's `hash $http_machineid`).
 */
export function buildQuickstart(app: Construct): TerraformStack {
  // README:begin
  const stack = new TerraformStack(app, 'climate');
  const network = Network.fromName(stack, 'Net', 'auto_allocated_network');
  const servers = new WorkerGroup(stack, 'Servers', {
    network,
    image: 'Featured-Ubuntu24',
    flavor: 'm3.xl',
    count: 3,
  });
  const proxy = new NginxBalancer(stack, 'Proxy', {
    network,
    image: 'Featured-Ubuntu24',
    flavor: 'm3.small',
    floatingIpPool: 'public', // the public address, kept when the host is replaced
    keyPair: KeyPair.fromName(stack, 'Operators', 'operators'),
    ssh: { user: 'ubuntu' }, // pools are pushed in place over SSH: the host is never replaced
    adminAccess: ['198.51.100.0/24'], // SSH from here only
  });
  const pool = proxy.addPool('flyingpigeon', { port: 8093, algorithm: Algorithm.hashHeader('machineid') });
  pool.addTarget(servers); // registers the servers and opens 8093 on them to the proxy only
  proxy.addListener('flyingpigeon', { port: 8093, defaultPool: pool, allowedCidrs: ['0.0.0.0/0'] });
  // README:end
  return stack;
}
