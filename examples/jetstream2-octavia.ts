import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from '../lib/core/cdk';
import { Algorithm } from '../lib/core/balancing';
import { Network } from '../lib/openstack/network';
import { OctaviaBalancer } from '../lib/openstack/octavia';
import { WorkerApp } from '../lib/hosting/app';
import { WorkerGroup } from '../lib/openstack/worker-group';

const PAGE = '<!DOCTYPE html><html><body><p>Hello from a webfarm worker!</p></body></html>\n';

/**
 * Jetstream2's "Load Balancing with OpenStack Octavia" guide as a stack: two workers serving a
 * page on port 80, a load balancer on the workers' subnet (`auto_allocated_network`), an HTTP:80
 * listener, a ROUND_ROBIN pool with the workers as members on port 80, an HTTP health monitor,
 * and a floating IP from the `public` pool on the VIP port.
 */
export class Jetstream2OctaviaStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const network = Network.fromName(this, 'Net', 'auto_allocated_network');

    // "worker-node-1" and "worker-node-2", m3.tiny, serving /web on port 80 as in the guide
    // (python's http.server, as root because port 80 is privileged).
    const workers = new WorkerGroup(this, 'Workers', {
      network,
      name: 'worker-node',
      count: 2,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.tiny',
      appPort: 80,
      files: [{ path: '/web/index.html', content: PAGE }],
      app: WorkerApp.systemd({
        execStart: '/usr/bin/python3 -m http.server --directory /web 80',
        user: 'root',
      }),
    });

    const lb = new OctaviaBalancer(this, 'Lb', { network, floatingIpPool: 'public' });
    const web = lb.addPool('web', {
      port: 80,
      algorithm: Algorithm.roundRobin(),
      healthCheck: { active: { path: '/' } },
    });
    // Members on port 80; the workers' group opens tcp/80 to the VIP subnet (the amphorae).
    web.addTarget(workers);
    // The guide's site is public: the listener faces the internet by name, nothing else does.
    lb.addListener('http', { port: 80, defaultPool: web, allowedCidrs: ['0.0.0.0/0'] });

    new TerraformOutput(this, 'url', { value: `http://${lb.address}/` });
  }
}
