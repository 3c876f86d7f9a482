import * as os from 'os';
import { App, DataResource, Fn, TerraformStack, Token } from '../../lib/core/cdk';
import { HOST_MANIFEST_KEY, hostManifestValue } from '../../lib/core/host-files';
import { FloatingIp, Host, Network, SecurityGroup } from '../../lib/openstack';
import { NetworkingPortV2 } from '../../.gen/providers/openstack/networking-port-v2';
import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { tempDir } from '../support/tools';

/** The fixture stack's name. */
export const STACK = 'cli-fixture';

/**
 * A network interface this machine has, for keepalived.conf (`keepalived -t` rejects an interface
 * that does not exist): eth0 when present, as on most clouds.
 */
export function localInterface(): string {
  const names = Object.keys(os.networkInterfaces());
  return names.includes('eth0') ? 'eth0' : (names.find((n) => n !== 'lo') ?? 'lo');
}

/**
 * Synthesizes, with the real constructs, a stack whose hosts receive files through both channels:
 * - `lb` (nginx + keepalived): cloud-init writes nginx.conf (which includes a pools folder, names
 *   a worker address, a literal `${upstream_addr}` and `%{…}`) and a check script; a
 *   `terraform_data` pushes the pool file and keepalived.conf over SSH;
 * - `edge` (HAProxy): cloud-init installs the package; a `terraform_data` pushes haproxy.cfg
 *   (TLS `crt`, `errorfile`, a floating IP reference, an `%{+Q}r` log format);
 * - two workers without files (no manifest, so nothing to write).
 * Returns the `cdktf.out` folder.
 */
export function synthFixture(iface = localInterface()): string {
  const outdir = tempDir('webfarm-cli-fixture-');
  const app = new App({ outdir });
  const stack = new TerraformStack(app, STACK);
  new RandomProvider(stack, 'random');
  const network = new Network(stack, 'Net', { cidr: '10.42.0.0/24', externalNetworkName: 'public' });
  const group = new SecurityGroup(stack, 'Group');
  const common = { network, image: 'debian-12', flavor: 'm1.small', securityGroups: [group] };
  const web1 = new Host(stack, 'Web1', { ...common, role: 'worker' });
  const web2 = new Host(stack, 'Web2', { ...common, role: 'worker' });
  const peer = new Host(stack, 'Lb2', { ...common, role: 'worker' });
  const vip = new NetworkingPortV2(stack, 'Vip', {
    name: 'vip',
    networkId: network.networkId,
    fixedIp: [{ subnetId: network.subnet.subnetId }],
  });
  const vrrpPassword = new Password(stack, 'VrrpPassword', { length: 8, special: false });

  const lb = new Host(stack, 'Lb', {
    ...common,
    role: 'nginx-balancer',
    cloudConfig: {
      packages: ['nginx', 'keepalived'],
      writeFiles: [
        { path: '/etc/nginx/nginx.conf', content: nginxConf(web1.privateAddress) },
        { path: '/etc/keepalived/check_nginx.sh', content: '#!/bin/sh\npidof nginx\n', permissions: '0755' },
      ],
    },
  });
  const lbPush = new DataResource(stack, 'LbConfig', { input: { host: 'lb' } });
  lbPush.addOverride(
    `//.${HOST_MANIFEST_KEY}`,
    hostManifestValue({
      host: 'lb',
      role: 'nginx-balancer',
      delivery: 'ssh',
      files: [
        {
          path: '/etc/nginx/webfarm/pools/web.conf',
          content: poolConf([web1.privateAddress, web2.privateAddress]),
          check: 'nginx -t -c /etc/nginx/nginx.conf',
        },
        {
          path: '/etc/keepalived/keepalived.conf',
          content: keepalivedConf({
            iface,
            self: lb.privateAddress,
            peer: peer.privateAddress,
            password: vrrpPassword.result,
            vip: Token.asString(Fn.element(vip.allFixedIps, 0)),
          }),
          mode: '0640',
          check: 'keepalived -t -f /etc/keepalived/keepalived.conf',
        },
      ],
    }),
  );

  const edge = new Host(stack, 'Edge', {
    ...common,
    role: 'haproxy-balancer',
    cloudConfig: { packages: ['haproxy'] },
  });
  const edgeAddress = new FloatingIp(stack, 'EdgePublic', { pool: 'public', portId: edge.port.id });
  const edgePush = new DataResource(stack, 'EdgeConfig', { input: { host: 'edge' } });
  edgePush.addOverride(
    `//.${HOST_MANIFEST_KEY}`,
    hostManifestValue({
      host: 'edge',
      role: 'haproxy-balancer',
      delivery: 'ssh',
      files: [
        {
          path: '/etc/haproxy/haproxy.cfg',
          content: haproxyCfg([web1.privateAddress, web2.privateAddress], edgeAddress.address),
          owner: 'root:haproxy',
          mode: '0640',
          check: 'haproxy -c -f /etc/haproxy/haproxy.cfg',
        },
      ],
    }),
  );
  app.synth();
  return outdir;
}

function nginxConf(primary: string): string {
  return `user www-data;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log warn;

events {
    worker_connections 1024;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    # literal %{kept} and \${kept} in a comment
    log_format webfarm '$remote_addr [$time_local] "$request" $status \${upstream_addr}';
    access_log /var/log/nginx/access.log webfarm;
    include /etc/nginx/webfarm/pools/*.conf;

    server {
        listen 80;
        listen 443 ssl;
        ssl_certificate /etc/ssl/webfarm/lb.crt;
        ssl_certificate_key /etc/ssl/webfarm/lb.key;
        root /srv/www;
        location / {
            proxy_pass http://web;
        }
        location /primary/ {
            proxy_pass http://${primary}:8080;
        }
        location = /nginx_status {
            stub_status;
            allow 127.0.0.1;
            deny all;
        }
    }
}
`;
}

function poolConf(servers: string[]): string {
  return [
    'upstream web {',
    '    least_conn;',
    ...servers.map((s) => `    server ${s}:8080 max_fails=3 fail_timeout=30s;`),
    '    keepalive 16;',
    '}',
    '',
  ].join('\n');
}

function keepalivedConf(p: {
  iface: string;
  self: string;
  peer: string;
  password: string;
  vip: string;
}): string {
  return `global_defs {
    router_id lb
    enable_script_security
    script_user root
}

vrrp_script chk_nginx {
    script "/etc/keepalived/check_nginx.sh"
    interval 2
    fall 2
    rise 2
}

vrrp_instance VI_1 {
    state MASTER
    interface ${p.iface}
    virtual_router_id 51
    priority 150
    advert_int 1
    unicast_src_ip ${p.self}
    unicast_peer {
        ${p.peer}
    }
    authentication {
        auth_type PASS
        auth_pass ${p.password}
    }
    virtual_ipaddress {
        ${p.vip}/24
    }
    track_script {
        chk_nginx
    }
}
`;
}

function haproxyCfg(servers: string[], publicAddress: string): string {
  return `global
    log /dev/log local0
    chroot /var/lib/haproxy
    stats socket /run/haproxy/admin.sock mode 660 level admin
    user haproxy
    group haproxy
    daemon

defaults
    log global
    mode http
    log-format "%ci:%cp [%tr] %ft %b/%s %ST %{+Q}r"
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    errorfile 503 /etc/haproxy/errors/503.http

frontend www
    bind :80
    bind :443 ssl crt /etc/haproxy/certs/edge.pem
    http-request set-header X-Public-Address ${publicAddress}
    acl is_websocket hdr(Upgrade) -i WebSocket
    use_backend ws if is_websocket
    default_backend web

backend web
    balance roundrobin
    option httpchk GET /health
${servers.map((s, i) => `    server web${i + 1} ${s}:8080 check inter 3s rise 2 fall 3`).join('\n')}

backend ws
    balance source
    server web1 ${servers[0]}:8080 check
`;
}
