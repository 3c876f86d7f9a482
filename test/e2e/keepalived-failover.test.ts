import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack } from '../../lib/core/cdk';
import { renderInterfaceDetection } from '../../lib/config/keepalived';
import { KEEPALIVED_INTERFACE_FILE } from '../../lib/openstack/keepalived-pair';
import { Network } from '../../lib/openstack/network';
import { NginxBalancer } from '../../lib/openstack/nginx-balancer';
import { resourcesOf } from '../support/synth';
import { tempDir } from '../support/tools';
import { baseProps, manifestOf, synthWithManifests } from './balancer-fixture';
import { Netns, describeWithNamespaces, stop, veth, waitFor } from './netns';

/** The balancers' NIC: not the `ens3` written at first boot, so the detection has to work. */
const NIC = 'enp1s0';
/**
 * keepalived failover for real, with OUR rendered keepalived.conf (unicast peers, priority
 * 150/100, the track script on the balancer's pid file): two "balancer" namespaces and a client
 * namespace on one bridge, addresses from 198.51.100.0/24 only, all assigned here. Stopping the
 * master's balancer process must move the VIP to the backup within 3 s, and requests to the VIP
 * must keep succeeding.
 */

const SUBNET = '198.51.100.0/24';
const VIP = '198.51.100.10';
const ADDRESSES = ['198.51.100.11', '198.51.100.12'];
const CLIENT = '198.51.100.100';
const PASSWORD = 'wfvrrp01';

/** Each host's keepalived.conf as synthesized (Terraform references still in it). */
function synthesizedKeepalived(): Array<{ host: string; content: string }> {
  const json = synthWithManifests((app: App) => {
    const stack = new TerraformStack(app, 'failover');
    const network = new Network(stack, 'Network', { cidr: SUBNET });
    const lb = new NginxBalancer(stack, 'Balancer', {
      ...baseProps(network),
      highAvailability: { vrrp: true, virtualIp: VIP },
    });
    const web = lb.addPool('web', { port: 8080 });
    web.addNodes(['198.51.100.50:8080']);
    lb.addListener('http', { port: 80, defaultPool: web });
    return stack;
  });
  return Object.entries(resourcesOf(json, 'terraform_data'))
    .filter(([name]) => name.includes('Keepalived'))
    .map(([, data]) => manifestOf(data))
    .map((m) => ({ host: m.host, content: m.files[0].content }));
}

interface ClientLine {
  readonly t: number;
  readonly ok: boolean;
  readonly body: string;
  readonly failed_attempts: number[];
}

describeWithNamespaces(
  ['keepalived', 'python3', 'pgrep'],
  'keepalived pair fails over for real (network namespaces)',
  () => {
    const dir = tempDir('webfarm-failover-');
    const tag = `wf${process.pid % 100000}`;
    const spaces: Netns[] = [];
    const responders: ChildProcess[] = [];
    const pidFiles = ['lb1', 'lb2'].map((h) => path.join(dir, h, 'run', 'nginx.pid'));
    let client: Netns;
    let balancers: Netns[] = [];
    const measured: string[] = [];

    beforeAll(async () => {
      const configs = synthesizedKeepalived();
      expect(configs.map((c) => c.host)).toEqual(['lb-1', 'lb-2']);
      // The references each file holds: its own port's address first (unicast_src_ip), the peer's next.
      const own = (text: string) => /unicast_src_ip (.+)$/m.exec(text)?.[1] ?? '';
      const refs = configs.map((c) => own(c.content));
      client = new Netns(`${tag}c`);
      balancers = [new Netns(`${tag}a`), new Netns(`${tag}b`)];
      spaces.push(client, ...balancers);
      client.ip('link', 'add', 'br0', 'type', 'bridge');
      client.ip('addr', 'add', `${CLIENT}/24`, 'dev', 'br0');
      client.ip('link', 'set', 'br0', 'up');
      balancers.forEach((ns, i) => {
        veth(ns, NIC, client, `p${i}`);
        client.ip('link', 'set', `p${i}`, 'master', 'br0', 'up');
        ns.ip('addr', 'add', `${ADDRESSES[i]}/24`, 'dev', NIC);
        ns.ip('link', 'set', NIC, 'up');
        ns.ip('route', 'add', 'default', 'via', CLIENT);
      });
      configs.forEach((c, i) => {
        const hostDir = path.join(dir, `lb${i + 1}`);
        fs.mkdirSync(path.join(hostDir, 'run'), { recursive: true });
        const content = c.content
          .split(refs[0])
          .join(ADDRESSES[0])
          .split(refs[1])
          .join(ADDRESSES[1])
          .replace(/"\$\{random_password\.[^}]+\}"/, `"${PASSWORD}"`)
          .split('/run/nginx.pid')
          .join(pidFiles[i])
          .split(KEEPALIVED_INTERFACE_FILE)
          .join(path.join(hostDir, 'interface.conf'));
        expect(content).not.toContain('${');
        fs.writeFileSync(path.join(hostDir, 'keepalived.conf'), content, { mode: 0o600 });
        // What the host does at first boot: cloud-init writes the usual first NIC, then the
        // boot command finds the real one from the default route (here not ens3).
        const interfaceFile = path.join(hostDir, 'interface.conf');
        fs.writeFileSync(interfaceFile, 'interface ens3\n');
        balancers[i].exec('sh', ['-c', renderInterfaceDetection(interfaceFile)]);
        expect(fs.readFileSync(interfaceFile, 'utf8')).toBe(`interface ${NIC}\n`);
      });
      for (const [i, ns] of balancers.entries()) {
        const responder = ns.spawn('python3', [
          path.join(__dirname, 'http-responder.py'),
          '--listen',
          '0.0.0.0:80',
          '--name',
          `lb${i + 1}`,
          '--pidfile',
          pidFiles[i],
        ]);
        responders.push(responder);
        const hostDir = path.join(dir, `lb${i + 1}`);
        const log = fs.openSync(path.join(hostDir, 'keepalived.log'), 'w');
        ns.spawn(
          'keepalived',
          [
            '--dont-fork',
            '--log-console',
            '--vrrp',
            '--use-file',
            path.join(hostDir, 'keepalived.conf'),
            '--pid',
            path.join(hostDir, 'keepalived.pid'),
            '--vrrp_pid',
            path.join(hostDir, 'vrrp.pid'),
            '--checkers_pid',
            path.join(hostDir, 'checkers.pid'),
          ],
          { stdio: ['ignore', log, log] },
        );
      }
      const elected = await waitFor(() => balancers[0].addresses(NIC).includes(VIP), 10000);
      expect([elected, elected ? '' : logs()]).toEqual([true, '']);
    }, 30000);

    /** The keepalived logs, for a failure message. */
    function logs(): string {
      return ['lb1', 'lb2']
        .map((h) => `--- ${h}\n${fs.readFileSync(path.join(dir, h, 'keepalived.log'), 'utf8')}`)
        .join('\n');
    }

    afterAll(async () => {
      for (const line of measured) process.stderr.write(`${line}\n`);
      await Promise.all(spaces.map((ns) => ns.destroy()));
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('GIVEN both hosts up THEN the priority-150 host holds the VIP and answers on it', () => {
      expect(balancers[0].addresses(NIC)).toContain(VIP);
      expect(balancers[1].addresses(NIC)).not.toContain(VIP);
      expect(
        client.exec('python3', [
          path.join(__dirname, 'http-client.py'),
          '--url',
          `http://${VIP}/`,
          '--duration',
          '0.1',
        ]),
      ).toContain('"body": "lb1"');
    });

    it("WHEN the master's balancer process stops THEN the VIP moves within 3 s and requests keep succeeding", async () => {
      const lines: string[] = [];
      const loop = client.spawn(
        'python3',
        [
          path.join(__dirname, 'http-client.py'),
          '--url',
          `http://${VIP}/`,
          '--duration',
          '6',
          '--interval',
          '0.05',
          '--timeout',
          '0.5',
          '--retry-for',
          '3',
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      loop.stdout?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
      const finished = new Promise((resolve) => loop.once('exit', resolve));
      // the client has answers from the master before it stops (a fixed sleep lost this race
      // on a loaded machine, where python's start alone took longer)
      expect(await waitFor(() => lines.length >= 10, 10000, 20)).toBe(true);

      // WHEN: the master's balancer dies (keepalived itself keeps running on that host).
      const stoppedAt = Date.now();
      await stop(responders[0]);
      const moved = await waitFor(() => balancers[1].addresses(NIC).includes(VIP), 5000, 20);
      const movedAt = Date.now();
      const released = await waitFor(() => !balancers[0].addresses(NIC).includes(VIP), 2000, 20);
      await finished;

      const requests = lines.map((l) => JSON.parse(l) as ClientLine);
      const failedAttempts = requests.flatMap((r) => r.failed_attempts);
      const failedRequests = requests.filter((r) => !r.ok);
      const window = failedAttempts.length
        ? Math.round((Math.max(...failedAttempts) - Math.min(...failedAttempts)) * 1000)
        : 0;
      measured.push(
        `keepalived failover: VIP moved ${movedAt - stoppedAt} ms after the balancer process stopped; ` +
          `${requests.length} requests, ${failedRequests.length} failed; ${failedAttempts.length} attempts ` +
          `refused or timed out within ${window} ms and retried by the client`,
      );

      // THEN
      expect(moved).toBe(true);
      expect(released).toBe(true);
      expect(movedAt - stoppedAt).toBeLessThan(3000);
      expect(failedRequests).toEqual([]);
      expect(requests.length).toBeGreaterThan(40);
      // Failed attempts happen only in the switchover, never after the VIP moved.
      for (const t of failedAttempts) expect(t * 1000).toBeLessThan(movedAt + 500);
      expect(requests[0].body).toBe('lb1');
      expect(requests[requests.length - 1].body).toBe('lb2');
    }, 30000);
  },
);
