import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack, TerraformVariable } from '../lib/core/cdk';
import { Algorithm } from '../lib/core/balancing';
import { AdminAccess } from '../lib/openstack/admin-access';
import { KeyPair } from '../lib/openstack/keypair';
import { Network } from '../lib/openstack/network';
import { OpenStackPlatform } from '../lib/openstack/platform';
import { LoadBalancedService } from '../lib/patterns/load-balanced-service';

/** Where HAProxy's `crt` reads the site's certificate and key (one PEM). */
const PEM = '/etc/haproxy/certs/site.pem';
/** HAProxy's `option httpchk GET /health` with `check inter 3s rise 2 fall 3`. */
const HEALTH = { path: '/health', intervalSeconds: 3, healthyThreshold: 2, unhealthyThreshold: 3 };

/**
 * NSBoot's boot-server cluster behind HAProxy with everything its guide lists
 * (`nsboot-load-balancing.md`): three servers, `balance leastconn` with the health check above,
 * websocket upgrades sent by an ACL to a `balance source` backend, an `/api/` rule, TLS
 * terminated at the balancer with plain HTTP redirected to HTTPS, a rate limit per client, the
 * stats page with admin actions for the operators behind a generated password, Prometheus metrics
 * at `/metrics`, and a keepalived pair sharing the public address. The certificate comes from a
 * sensitive variable and is delivered with every push (never in user data), before HAProxy's
 * check reads it. (`examples/nsboot-haproxy.ts` is the plain-HTTP variant, kept as it was.)
 */
export class NsbootHaproxyTlsStack extends TerraformStack {
  /** The service (workers, the HAProxy pair, pools `nsboot` and `websocket`, listener `https`). */
  public readonly nsboot: LoadBalancedService;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const network = new Network(this, 'Network', { cidr: '10.48.0.0/24', externalNetworkName: 'public' });
    const admin = new AdminAccess(this, 'Admin', {
      adminCidrs: ['198.51.100.0/24'],
      keyPair: KeyPair.fromName(this, 'Operators', 'operators'),
      bastion: { network, image: 'Featured-Ubuntu24', flavor: 'm3.tiny', floatingIpPool: 'public' },
    });
    const pem = new TerraformVariable(this, 'site_pem', { type: 'string', sensitive: true });
    this.nsboot = new LoadBalancedService(this, 'Nsboot', {
      platform: OpenStackPlatform.haproxy({
        network,
        image: 'Featured-Ubuntu24',
        flavor: 'm3.medium',
        adminAccess: admin,
        balancer: {
          flavor: 'm3.small',
          floatingIpPool: 'public',
          highAvailability: { vrrp: true, virtualIp: '10.48.0.250' },
          ssh: { user: 'ubuntu' },
          statusAllowedCidrs: ['198.51.100.0/24'],
          statsAdmin: true,
          files: [{ path: PEM, content: pem.stringValue, owner: 'root:haproxy', mode: '0640', secret: true }],
        },
      }),
      port: 80,
      count: 3,
      pool: { algorithm: Algorithm.leastConnections(), healthCheck: { active: HEALTH } },
      routes: [
        { websocket: true, pool: { id: 'websocket', algorithm: Algorithm.sourceIp() } },
        { pathPrefix: '/api/' },
      ],
      listeners: [
        {
          port: 443,
          tls: { certificate: { kind: 'files', certificatePath: PEM, keyPath: PEM }, redirectFromPort: 80 },
          rateLimitPerSecond: 20,
          allowedCidrs: ['0.0.0.0/0'],
        },
      ],
    });
    new TerraformOutput(this, 'address', { value: this.nsboot.address });
  }
}
