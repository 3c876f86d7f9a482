import { Construct } from 'constructs';
import { NginxTimeouts } from '../config/nginx';
import { nginxDaemon } from '../hosting/nginx-daemon';
import { SelfHostedBalancerProps } from './balancer-host-props';
import { SelfHostedBalancerBase } from './self-hosted-balancer';

/** Props of {@link NginxBalancer}. */
export interface NginxBalancerProps extends SelfHostedBalancerProps {
  /**
   * How long nginx waits for the nodes (`proxy_connect_timeout`, `proxy_read_timeout`,
   * `proxy_send_timeout`). The read timeout also closes a websocket that stays silent that
   * long: remote-desktop sessions want hours, e.g. `{ readSeconds: 3600 }`.
   * @default - connect 5 s, read 60 s, send 60 s
   */
  readonly timeouts?: NginxTimeouts;
  /**
   * Connections per worker process (`worker_connections`).
   * @default 4096
   */
  readonly workerConnections?: number;
}

/**
 * An open-source nginx balancer host on OpenStack (or a keepalived pair of them), configured in
 * place: cloud-init installs nginx and writes a base `nginx.conf` that includes one file per pool
 * and per listener; those files are pushed over SSH by content hash, checked with `nginx -t` and
 * loaded with a graceful reload (a failed check puts the previous files back). Adding a pool, a
 * node or a listener never replaces the instance, its port or its floating IP.
 *
 * ```ts
 * const lb = new NginxBalancer(this, 'Balancer', {
 *   network, image: 'Featured-Ubuntu24', flavor: 'm3.small', floatingIpPool: 'public',
 *   ssh: { user: 'ubuntu', privateKey: Fn.file('~/.ssh/id_ed25519') }, adminAccess: ['198.51.100.0/24'],
 * });
 * const pool = lb.addPool('visa', { port: 8080 });
 * pool.addTarget(workers); // nodes + the security-group path balancer -> workers on 8080
 * lb.addListener('http', { port: 80, defaultPool: pool, allowedCidrs: ['0.0.0.0/0'] });
 * ```
 *
 * Open-source nginx has no cookie-insert stickiness and no active health checks: asking for them
 * is a ValidationError that names HaproxyBalancer or OctaviaBalancer.
 */
export class NginxBalancer extends SelfHostedBalancerBase {
  constructor(scope: Construct, id: string, props: NginxBalancerProps) {
    super(scope, id, props, () =>
      nginxDaemon({
        statusAllowedCidrs: props.statusAllowedCidrs,
        timeouts: props.timeouts,
        workerConnections: props.workerConnections,
      }),
    );
  }
}
