import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import { KeepalivedConfig } from '../../lib/config/keepalived';
import { tempDir } from '../support/tools';

const { recordNotice } = require('../support/notices') as { recordNotice: (text: string) => void };

/** Test scaffolding for keepalived: golden models and a way to read back what it parsed. */

const token = (n: number) => `\${TfToken[TOKEN.${n}]}`;

/**
 * The golden models, as functions of the root the file lives under ('' for the golden text) and
 * of the network interface (`eth0` in the golden text; `keepalived -t` wants one that exists).
 */
export const KEEPALIVED_GOLDEN_CASES: Record<string, (root: string, iface: string) => KeepalivedConfig> = {
  /** The preferred nginx host of a pair; addresses and password come from Terraform. */
  'nginx-pair-primary': (root, iface) => ({
    path: `${root}/etc/keepalived/keepalived.conf`,
    routerId: 'lb-1',
    trackScript: { process: 'nginx' },
    instances: [
      {
        name: 'web_vip',
        interface: iface,
        virtualRouterId: 51,
        priority: 150,
        sourceAddress: token(1),
        peers: [token(2)],
        password: token(3),
        virtualAddresses: [`${token(4)}/24`],
      },
    ],
  }),

  /** The standby HAProxy host: no preemption, two VIPs, notify scripts. */
  'haproxy-pair-backup': (root, iface) => ({
    path: `${root}/etc/keepalived/keepalived.conf`,
    routerId: 'lb-2',
    trackScript: { process: 'haproxy', intervalSeconds: 1, timeoutSeconds: 1, fall: 3, rise: 2 },
    instances: [
      {
        name: 'public_vip',
        interface: iface,
        virtualRouterId: 52,
        priority: 100,
        preempt: false,
        advertIntervalSeconds: 1,
        sourceAddress: '10.0.0.6',
        peers: ['10.0.0.5'],
        password: 's3cr#t !',
        virtualAddresses: ['10.0.0.101/24', '10.0.0.102'],
        notify: {
          master: ['/usr/local/sbin/webfarm-notify', 'master', 'public_vip'],
          backup: ['/usr/local/sbin/webfarm-notify', 'backup', 'public_vip'],
          fault: ['/usr/local/sbin/webfarm-notify', 'fault', 'public_vip'],
        },
      },
      {
        name: 'v6_vip',
        interface: iface,
        virtualRouterId: 53,
        priority: 100,
        preempt: false,
        sourceAddress: '2001:db8::6',
        peers: ['2001:db8::5'],
        virtualAddresses: ['2001:db8::100/64'],
      },
    ],
  }),
};

/** A network interface of this machine that is not loopback (`eth0` when there is one). */
export function hostInterface(): string {
  const names = fs.readdirSync('/sys/class/net').filter((n) => n !== 'lo');
  const found = names.includes('eth0') ? 'eth0' : names.sort()[0];
  if (!found) throw new Error('keepalived -t needs a network interface other than lo; this machine has none');
  return found;
}

/**
 * Whether keepalived can be run for real in a private network namespace (`unshare -n`, root);
 * loud when not (and a failure under CI).
 */
export function privateNetworkAvailable(): boolean {
  const probe = spawnSync('unshare', ['-n', 'true'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  const notice = `keepalived parse check: unshare -n failed (${(probe.stderr || String(probe.error)).trim()}); needs root`;
  if (process.env.CI === 'true') throw new Error(notice);
  process.stderr.write(`\n*** SKIPPING the keepalived parse checks: ${notice} ***\n`);
  recordNotice(notice);
  return false;
}

/**
 * Runs keepalived (`-n -l -d`: foreground, log to the console, dump the parsed configuration)
 * in a private network namespace whose only interface is `i0`, so its VRRP packets and VIPs
 * never touch this machine's network. Returns the dump once keepalived has printed it, then
 * stops keepalived.
 */
export async function keepalivedDump(config: string, timeoutMs = 10000): Promise<string> {
  const dir = tempDir('webfarm-keepalived-');
  const file = `${dir}/keepalived.conf`;
  fs.writeFileSync(file, config, { mode: 0o600 });
  const script = [
    'ip link add i0 type dummy 2>/dev/null || ip link add i0 type ifb 2>/dev/null || ip link add i0 type veth peer name i1',
    'ip link set i0 up',
    `exec keepalived -n -l -D -d -P -f ${file} -p ${dir}/keepalived.pid -r ${dir}/vrrp.pid`,
  ].join(' && ');
  const proc = spawn('unshare', ['-n', 'sh', '-c', script], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`keepalived printed no dump in ${timeoutMs} ms:\n${out}`)),
        timeoutMs,
      );
      const onData = (d: Buffer) => {
        out += d.toString();
        if (/VRRP Scripts/.test(out) && /VRRP Script = /.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.on('exit', () => {
        clearTimeout(timer);
        reject(new Error(`keepalived exited before its dump:\n${out}`));
      });
    });
  } finally {
    try {
      process.kill(-(proc.pid as number), 'SIGTERM');
    } catch {
      // already gone
    }
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 3000))),
    ]);
    clearTimeout(timer);
    if (!stopped) {
      try {
        process.kill(-(proc.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
