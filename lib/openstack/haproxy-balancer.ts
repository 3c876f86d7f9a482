import { Construct } from 'constructs';
import { Password } from '@cdktf/provider-random/lib/password';
import { TerraformOutput } from '../core/cdk';
import { haproxyDaemon } from '../hosting/haproxy-daemon';
import { generatedSecret } from '../hosting/secrets';
import { SelfHostedBalancerProps } from './balancer-host-props';
import { SelfHostedBalancerBase } from './self-hosted-balancer';

/** Props of {@link HaproxyBalancer}. */
export interface HaproxyBalancerProps extends SelfHostedBalancerProps {
  /**
   * Admin actions on the stats page (`stats admin`: drain, disable, enable servers) for user
   * `admin` logged in with the generated password (`statsPasswordOutput`); the page also
   * serves Prometheus metrics at `/metrics`.
   * @default false
   */
  readonly statsAdmin?: boolean;
}

/**
 * An HAProxy balancer host on OpenStack (or a keepalived pair of them), configured in place:
 * cloud-init installs HAProxy; `haproxy.cfg` (a `frontend` per listener, a `backend` per pool) is
 * pushed over SSH by content hash, checked with `haproxy -c` and loaded with a seamless reload
 * (a failed check puts the previous file back). Adding a pool, a node or a listener never
 * replaces the instance, its port or its floating IP.
 *
 * HAProxy has what open-source nginx lacks: active health checks (`option httpchk`, `check inter
 * 3s rise 2 fall 3`) and cookie-insert stickiness. The stats page listens on 127.0.0.1:8404; with
 * `statusAllowedCidrs` it listens on every address behind a generated password (the sensitive
 * output `statsPasswordOutput`) and only those networks may reach it.
 */
export class HaproxyBalancer extends SelfHostedBalancerBase {
  /** The stats login's password (user `admin`), with `statusAllowedCidrs` or `statsAdmin`. */
  public readonly statsPassword?: Password;
  /** The sensitive output holding `statsPassword`. */
  public readonly statsPasswordOutput?: TerraformOutput;

  constructor(scope: Construct, id: string, props: HaproxyBalancerProps) {
    let login: { password: Password; output: TerraformOutput } | undefined;
    super(scope, id, props, (balancer) => {
      login = statsLogin(balancer, props);
      return haproxyDaemon({
        statsPassword: login?.password.result,
        statsOnEveryAddress: (props.statusAllowedCidrs?.length ?? 0) > 0,
        statsAdmin: props.statsAdmin,
      });
    });
    this.statsPassword = login?.password;
    this.statsPasswordOutput = login?.output;
  }
}

/** The stats page's generated login, when the page is reachable beyond the host or has admin actions. */
function statsLogin(
  balancer: Construct,
  props: HaproxyBalancerProps,
): { password: Password; output: TerraformOutput } | undefined {
  if (!props.statusAllowedCidrs?.length && !props.statsAdmin) return undefined;
  const password = generatedSecret(balancer, 'StatsPassword');
  const output = new TerraformOutput(balancer, 'StatsPasswordOutput', {
    value: password.result,
    sensitive: true,
    description: `Password of user admin on the HAProxy stats page of ${balancer.node.path}`,
  });
  return { password, output };
}
