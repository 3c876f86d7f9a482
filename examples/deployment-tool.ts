import { IRuntimeBalancer, RuntimeBalancer, balancerFromStack } from '../lib/runtime';

/**
 * The deployment tool's side of `examples/runtime-pools.ts` (the seed's balancer interface):
 * swarm nodes are added to and removed from the run-time pool as they start and stop. The
 * README shows the part between the markers.
 */
export function deploymentBalancers(identityFile: string): Record<string, IRuntimeBalancer> {
  // README:begin
  // A balancer webfarm built: its hosts, user and pool files come from cdktf.out.
  const webfarmLb = balancerFromStack({
    stack: 'runtime-pools',
    balancer: 'Balancer',
    ssh: { identityFile }, // or the SSH agent
  });
  // A host webfarm did not build: the seed's settings.
  const legacy = new RuntimeBalancer({
    name: 'legacy',
    daemon: 'nginx',
    hosts: [
      { name: 'frontend1', address: 'frontend1.example.org' },
      { name: 'frontend2', address: 'frontend2.example.org' },
    ],
    ssh: { user: 'deploy', identityFile },
    includeDir: '/etc/nginx/sites-enabled',
    reload: 'systemctl reload nginx',
  });
  // README:end
  return { default: webfarmLb, legacy };
}

/** A swarm's node started: route traffic to it (every host is changed, or the call throws). */
export async function nodeStarted(lb: IRuntimeBalancer, pool: string, node: string): Promise<void> {
  // README:begin
  await lb.addNodes(pool, [node]); // e.g. 'app', ['10.0.0.5:8000']; creates nothing on a webfarm host
  // README:end
}

/** A swarm's node stops: drain it first (HAProxy), then remove it. */
export async function nodeStopping(lb: IRuntimeBalancer, pool: string, node: string): Promise<void> {
  // README:begin
  await lb.deleteNodes(pool, [node]); // a missing pool or node is not an error
  const left = await lb.getNodes(pool); // ['10.0.0.6:8000', ...]; [] for a missing pool
  // README:end
  void left;
}
