import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack, TerraformVariable } from '../lib/core/cdk';
import { Algorithm, Stickiness } from '../lib/core/balancing';
import { Network } from '../lib/openstack/network';
import { OctaviaBalancer } from '../lib/openstack/octavia';
import { WorkerApp } from '../lib/hosting/app';
import { WorkerGroup } from '../lib/openstack/worker-group';

/**
 * An HTTPS site on Octavia's amphora driver, with what a production site asks of it: a highly
 * available pair of amphorae (the operator's ACTIVE_STANDBY flavor), TLS terminated with a
 * certificate from Barbican (TLS 1.2/1.3, HSTS), plain HTTP redirected to HTTPS, `/api/` routed
 * to its own pool, the web pool sticky by the app's session cookie, HTTP health checks, and the
 * balancer's Prometheus metrics for the admin network only. The cloud's Octavia API is 2.27
 * (OpenStack 2023.1 or later, for HSTS).
 */
export class OctaviaHttpsStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const certificate = new TerraformVariable(this, 'certificate_container_ref', {
      type: 'string',
      description: 'Barbican secret container (certificate + key) of www.example.org',
      default: 'https://barbican.example.org:9311/v1/containers/5e3b7a0c-0000-4000-8000-000000000000',
    });
    const haFlavor = new TerraformVariable(this, 'octavia_flavor_id', {
      type: 'string',
      description: 'Octavia flavor with the ACTIVE_STANDBY topology (openstack loadbalancer flavor list)',
      default: '2d7c4f6e-0000-4000-8000-000000000000',
    });
    const network = Network.fromName(this, 'Net', 'auto_allocated_network');

    const web = new WorkerGroup(this, 'Web', {
      network,
      count: 3,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.small',
      appPort: 8080,
      app: WorkerApp.systemd({ execStart: '/opt/site/bin/web --port 8080' }),
    });
    const api = new WorkerGroup(this, 'Api', {
      network,
      count: 2,
      image: 'Featured-Ubuntu24',
      flavor: 'm3.small',
      appPort: 9000,
      app: WorkerApp.systemd({ execStart: '/opt/site/bin/api --port 9000' }),
    });

    const lb = new OctaviaBalancer(this, 'Lb', {
      network,
      apiVersion: '2.27',
      flavorId: haFlavor.stringValue,
      floatingIpPool: 'public',
    });
    const webPool = lb.addPool('web', {
      port: 8080,
      algorithm: Algorithm.leastConnections(),
      stickiness: Stickiness.appCookie('SESSIONID'),
      healthCheck: { active: { path: '/healthz', expectedCodes: '200' } },
    });
    webPool.addTarget(web);
    const apiPool = lb.addPool('api', {
      port: 9000,
      healthCheck: { active: { path: '/api/health', intervalSeconds: 10, timeoutSeconds: 5 } },
    });
    apiPool.addTarget(api);

    lb.addListener('https', {
      port: 443,
      defaultPool: webPool,
      tls: {
        certificate: { kind: 'barbican', containerRef: certificate.stringValue },
        versions: ['TLSv1.2', 'TLSv1.3'],
        hstsMaxAgeSeconds: 31536000,
        redirectFromPort: 80,
      },
      redirectPrefix: 'https://www.example.org',
      rules: [{ pool: apiPool, pathPrefix: '/api/' }],
      allowedCidrs: ['0.0.0.0/0'],
      timeouts: { memberDataSeconds: 300 },
    });
    lb.addMetricsListener('metrics', { port: 9100, allowedCidrs: ['198.51.100.0/24'] });

    new TerraformOutput(this, 'url', { value: `https://${lb.address}/` });
  }
}
