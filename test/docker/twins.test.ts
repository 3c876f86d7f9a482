import { App } from '../../lib/core/cdk';
import { HostFile } from '../../lib/core';
import { DockerNginxBalancer } from '../../lib/docker';
import { NginxBalancer } from '../../lib/openstack';
import { LoadBalancedService } from '../../lib/patterns';
import { VisaStack } from '../../examples/visa';
import { VisaDockerStack } from '../../examples/visa-docker';
import { PavicsNginxStack } from '../../examples/pavics-nginx';
import { PavicsDockerStack } from '../../examples/pavics-docker';

/**
 * One composition, two targets: the OpenStack deployment and its laptop twin give nginx the
 * same files, but for the node addresses (an instance's port address there, a container's
 * network address here) and the lines of nginx.conf that belong to where nginx runs (Debian's
 * package on a host, the official image in a container).
 */
const ADDRESS = /\$\{TfToken\[TOKEN\.\d+\]\}/g;
const normalize = (files: HostFile[]) =>
  Object.fromEntries(files.map((f) => [f.path, f.content.replace(ADDRESS, '<address>')]));

/** The lines that differ with where nginx runs: its user, pid file, modules and temp folders. */
const HOST_LINES =
  /^(user |pid |include \/etc\/nginx\/modules-enabled|(client_body|proxy|fastcgi|uwsgi|scgi)_temp_path )/;

function twins(openstack: NginxBalancer, docker: DockerNginxBalancer) {
  const dockerFiles = normalize(docker.configFiles());
  const main = '/etc/nginx/nginx.conf';
  const { [main]: dockerMain, ...dockerRest } = dockerFiles;
  const [hostMain] = openstack.hosts.bootstrapFiles().filter((f) => f.path === main);
  return {
    host: normalize(openstack.configFiles()),
    docker: dockerRest,
    hostMain: hostMain.content,
    dockerMain,
  };
}

function lineDiff(a: string, b: string): string[] {
  const left = a.split('\n').map((l) => l.trim());
  const right = b.split('\n').map((l) => l.trim());
  return [...left.filter((l) => !right.includes(l)), ...right.filter((l) => !left.includes(l))];
}

describe.each([
  [
    'VISA (the same LoadBalancedService call on two platforms)',
    () =>
      (new VisaStack(new App(), 'visa').node.findChild('Visa') as LoadBalancedService<NginxBalancer>)
        .balancer,
    () =>
      (
        new VisaDockerStack(new App(), 'visa-docker').node.findChild(
          'Visa',
        ) as LoadBalancedService<DockerNginxBalancer>
      ).balancer,
    ['/etc/nginx/webfarm/pools/visa.conf', '/etc/nginx/webfarm/listeners/http.conf'],
  ],
  [
    'PAVICS (the same balancer calls on two platforms)',
    () => new PavicsNginxStack(new App(), 'pavics-nginx').node.findChild('Proxy') as NginxBalancer,
    () => new PavicsDockerStack(new App(), 'pavics-docker').node.findChild('Proxy') as DockerNginxBalancer,
    ['flyingpigeon', 'malleefowl', 'hummingbird'].flatMap((s) => [
      `/etc/nginx/webfarm/pools/${s}.conf`,
      `/etc/nginx/webfarm/listeners/${s}.conf`,
    ]),
  ],
])('%s', (_name, openstack, docker, expectedFiles) => {
  const t = twins(openstack(), docker());

  it('renders the same pool and listener files, byte for byte but for the node addresses', () => {
    expect(Object.keys(t.host).sort()).toEqual([...expectedFiles].sort());
    expect(t.docker).toEqual(t.host);
    // not vacuous: the files name the nodes
    expect(Object.values(t.host).join('\n')).toMatch(/server <address>:\d+/);
  });

  it('renders nginx.conf alike except the lines of where nginx runs', () => {
    const differing = lineDiff(t.hostMain, t.dockerMain);
    expect(differing.length).toBeGreaterThan(0);
    expect(differing.filter((l) => !HOST_LINES.test(l))).toEqual([]);
    expect(differing).toEqual(expect.arrayContaining(['user www-data;', 'user nginx;']));
  });
});
