/**
 * The two stacks the synth benchmark compares: the same deployment (a worker group of N workers
 * behind an nginx balancer host with P pools, each pool targeting every worker, one listener per
 * pool) built with webfarm's constructs ("ours") and declared directly with the generated
 * bindings ("raw").
 */
import { Construct } from 'constructs';
import { DataResource, Fn, TerraformStack, Token } from '../lib/core/cdk';
import { OpenstackProvider } from '../.gen/providers/openstack/provider';
import { ComputeInstanceV2 } from '../.gen/providers/openstack/compute-instance-v2';
import { ComputeServergroupV2 } from '../.gen/providers/openstack/compute-servergroup-v2';
import { NetworkingFloatingipAssociateV2 } from '../.gen/providers/openstack/networking-floatingip-associate-v2';
import { NetworkingFloatingipV2 } from '../.gen/providers/openstack/networking-floatingip-v2';
import { NetworkingPortV2 } from '../.gen/providers/openstack/networking-port-v2';
import {
  NetworkingSecgroupRuleV2,
  NetworkingSecgroupRuleV2Config,
} from '../.gen/providers/openstack/networking-secgroup-rule-v2';
import { NetworkingSecgroupV2 } from '../.gen/providers/openstack/networking-secgroup-v2';
import { Network } from '../lib/openstack/network';
import { NginxBalancer } from '../lib/openstack/nginx-balancer';
import { WorkerGroup } from '../lib/openstack/worker-group';

/** Size of a benchmark deployment. */
export interface BenchSize {
  /** Workers in the group. */
  readonly workers: number;
  /** Pools (and listeners) on the balancer. */
  readonly pools: number;
}

/** The first pool's port; pool `i` serves on `POOL_PORT_BASE + i` on every worker. */
const POOL_PORT_BASE = 9000;

/** The deployment built with webfarm's constructs. */
export function buildOurs(scope: Construct, id: string, size: BenchSize): TerraformStack {
  const stack = new TerraformStack(scope, id);
  const network = Network.fromId('net-id', 'subnet-id', '10.0.0.0/16');
  const workers = new WorkerGroup(stack, 'Web', {
    network,
    image: 'debian-12',
    flavor: 'm1.small',
    count: size.workers,
    placement: 'soft-anti-affinity',
  });
  const lb = new NginxBalancer(stack, 'Balancer', {
    network,
    image: 'debian-12',
    flavor: 'm1.small',
    floatingIpPool: 'public',
    ssh: { user: 'debian' },
    adminCidrs: ['198.51.100.0/24'],
  });
  for (let i = 0; i < size.pools; i++) {
    const pool = lb.addPool(`svc${i + 1}`, { port: POOL_PORT_BASE + i });
    pool.addTarget(workers);
    lb.addListener(`svc${i + 1}`, {
      port: POOL_PORT_BASE + i,
      defaultPool: pool,
      allowedCidrs: ['0.0.0.0/0'],
    });
  }
  return stack;
}

/** A worker's cloud-config in the raw stack: the environment file, as webfarm writes it. */
function rawWorkerUserData(name: string): string {
  return [
    '#cloud-config',
    'write_files:',
    '  - path: "/etc/webfarm/web.env"',
    '    owner: "root:root"',
    '    permissions: "0600"',
    `    content: "# environment of web node ${name}\\n"`,
    '',
  ].join('\n');
}

/** The balancer's cloud-config in the raw stack: nginx, a base nginx.conf including the pool files. */
const RAW_BALANCER_USER_DATA = [
  '#cloud-config',
  'packages: [nginx, libnginx-mod-stream, unattended-upgrades]',
  'write_files:',
  '  - path: /etc/nginx/nginx.conf',
  '    defer: true',
  '    content: |',
  '      user www-data;',
  '      worker_processes auto;',
  '      pid /run/nginx.pid;',
  '      events { worker_connections 4096; }',
  '      http {',
  '        access_log /var/log/nginx/access.log;',
  '        include /etc/nginx/webfarm/pools/*.conf;',
  '        include /etc/nginx/webfarm/listeners/*.conf;',
  '      }',
  'runcmd:',
  '  - [systemctl, enable, nginx.service]',
  '',
].join('\n');

/** The install script the raw stack's push runs (copy the staged files, check, reload). */
const RAW_APPLY_SCRIPT = [
  '#!/bin/sh',
  'set -eu',
  'cloud-init status --wait >/dev/null || true',
  'cd /var/tmp/webfarm-nginx',
  'while read -r n path; do install -D -m 0644 "$n" "$path"; done < files',
  'nginx -t -q && systemctl reload-or-restart nginx',
  '',
].join('\n');

/**
 * The same resources declared directly with the generated bindings, as a person would write them
 * by hand: the pool and listener files built with template strings, pushed by a `terraform_data`
 * whose trigger is the files' text itself (Terraform compares it; no function to evaluate).
 */
export function buildRaw(scope: Construct, id: string, size: BenchSize): TerraformStack {
  const stack = new TerraformStack(scope, id);
  new OpenstackProvider(stack, 'openstack');
  const workerGroup = new NetworkingSecgroupV2(stack, 'web-sg', { name: 'web', deleteDefaultRules: true });
  const lbGroup = new NetworkingSecgroupV2(stack, 'lb-sg', { name: 'lb', deleteDefaultRules: true });
  const rule = (
    name: string,
    props: Omit<NetworkingSecgroupRuleV2Config, 'direction'> & { direction?: string },
  ) => new NetworkingSecgroupRuleV2(stack, name, { direction: 'ingress', ...props });
  for (const [name, group] of [
    ['web', workerGroup],
    ['lb', lbGroup],
  ] as const) {
    rule(`${name}-egress-v4`, { securityGroupId: group.id, direction: 'egress', ethertype: 'IPv4' });
    rule(`${name}-egress-v6`, { securityGroupId: group.id, direction: 'egress', ethertype: 'IPv6' });
  }
  rule('lb-ssh', {
    securityGroupId: lbGroup.id,
    ethertype: 'IPv4',
    protocol: 'tcp',
    portRangeMin: 22,
    portRangeMax: 22,
    remoteIpPrefix: '198.51.100.0/24',
  });
  const serverGroup = new ComputeServergroupV2(stack, 'web-group', {
    name: 'web',
    policies: ['soft-anti-affinity'],
  });
  const addresses: string[] = [];
  for (let i = 1; i <= size.workers; i++) {
    const port = new NetworkingPortV2(stack, `web-${i}-port`, {
      name: `web-${i}`,
      networkId: 'net-id',
      adminStateUp: true,
      securityGroupIds: [workerGroup.id],
      fixedIp: [{ subnetId: 'subnet-id' }],
    });
    new ComputeInstanceV2(stack, `web-${i}`, {
      name: `web-${i}`,
      imageName: 'debian-12',
      flavorName: 'm1.small',
      network: [{ port: port.id }],
      schedulerHints: [{ group: serverGroup.id }],
      userData: rawWorkerUserData(`web-${i}`),
    });
    addresses.push(Token.asString(Fn.element(port.allFixedIps, 0)));
  }
  const lbPort = new NetworkingPortV2(stack, 'lb-port', {
    name: 'lb',
    networkId: 'net-id',
    adminStateUp: true,
    securityGroupIds: [lbGroup.id],
    fixedIp: [{ subnetId: 'subnet-id' }],
  });
  const lb = new ComputeInstanceV2(stack, 'lb', {
    name: 'lb',
    imageName: 'debian-12',
    flavorName: 'm1.small',
    network: [{ port: lbPort.id }],
    userData: RAW_BALANCER_USER_DATA,
  });
  const floatingIp = new NetworkingFloatingipV2(stack, 'lb-fip', { pool: 'public' });
  const association = new NetworkingFloatingipAssociateV2(stack, 'lb-fip-association', {
    floatingIp: floatingIp.address,
    portId: lbPort.id,
  });
  const files: Array<{ path: string; content: string }> = [];
  for (let i = 0; i < size.pools; i++) {
    const name = `svc${i + 1}`;
    const port = POOL_PORT_BASE + i;
    rule(`web-from-lb-${port}`, {
      securityGroupId: workerGroup.id,
      ethertype: 'IPv4',
      protocol: 'tcp',
      portRangeMin: port,
      portRangeMax: port,
      remoteGroupId: lbGroup.id,
    });
    rule(`lb-listener-${port}`, {
      securityGroupId: lbGroup.id,
      ethertype: 'IPv4',
      protocol: 'tcp',
      portRangeMin: port,
      portRangeMax: port,
      remoteIpPrefix: '0.0.0.0/0',
    });
    const servers = addresses.map(
      (a, w) => `    server ${a}:${port} max_fails=3 fail_timeout=30s;  # web-${w + 1}\n`,
    );
    files.push({
      path: `/etc/nginx/webfarm/pools/${name}.conf`,
      content: `upstream ${name} {\n    zone ${name} 64k;\n${servers.join('')}    keepalive 32;\n}\n`,
    });
    files.push({
      path: `/etc/nginx/webfarm/listeners/${name}.conf`,
      content: `server {\n    listen ${port};\n    location / {\n        proxy_pass http://${name};\n        proxy_http_version 1.1;\n        proxy_set_header Connection "";\n    }\n}\n`,
    });
  }
  const stage = '/var/tmp/webfarm-nginx';
  const index = files.map((f, i) => `${i + 1} ${f.path}`).join('\n');
  new DataResource(stack, 'push', {
    triggersReplace: { files: files.map((f) => f.content), index, script: RAW_APPLY_SCRIPT },
    dependsOn: [lb, association],
    connection: { type: 'ssh', host: floatingIp.address, user: 'debian', agent: 'true' },
    provisioners: [
      { type: 'remote-exec', inline: [`rm -rf ${stage} && mkdir -m 700 ${stage}`] },
      ...files.map((f, i) => ({
        type: 'file' as const,
        content: f.content,
        destination: `${stage}/${i + 1}`,
      })),
      { type: 'file', content: `${index}\n`, destination: `${stage}/files` },
      { type: 'file', content: RAW_APPLY_SCRIPT, destination: `${stage}/apply.sh` },
      { type: 'remote-exec', inline: [`sudo sh ${stage}/apply.sh`] },
    ],
  });
  return stack;
}
