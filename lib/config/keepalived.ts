import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { requireTokenText } from '../core/token-rules';
import { checkInteger, checkUnique, parseIp } from '../core/validate';
import { RenderedFile } from './files';
import { QuoteContext, formatAddress, formatFilePath, keepalivedQuote } from './quote';
import { checkAbsolutePath } from './systemd';

/**
 * keepalived configuration (DESIGN decision 9): a pair of balancer hosts shares a virtual IP by
 * VRRP. Peers talk unicast (`unicast_src_ip`, `unicast_peer`), because OpenStack networks often
 * drop multicast; a track script takes the VIP away from a host whose balancer process died.
 */

/** The check that decides whether this host may hold the VIPs. */
export interface KeepalivedTrackScript {
  /**
   * Script name (`vrrp_script <name>`).
   * @default 'chk_balancer'
   */
  readonly name?: string;
  /**
   * The balancer process that must be running (`/usr/bin/pidof <process>`), e.g. `nginx` or
   * `haproxy`. Give this or `command`.
   * @default - none
   */
  readonly process?: string;
  /**
   * The command to run instead, as argv with an absolute path first; exit status 0 means healthy.
   * Arguments may not contain spaces (keepalived splits the command on them).
   * @default - `['/usr/bin/pidof', process]`
   */
  readonly command?: readonly string[];
  /**
   * Seconds between runs.
   * @default 2
   */
  readonly intervalSeconds?: number;
  /**
   * Seconds a run may take before it counts as a failure.
   * @default 2
   */
  readonly timeoutSeconds?: number;
  /**
   * Consecutive failures that make the host give up its VIPs.
   * @default 2
   */
  readonly fall?: number;
  /**
   * Consecutive successes that make it eligible again.
   * @default 2
   */
  readonly rise?: number;
}

/** Scripts run on state changes, as argv with an absolute path first. */
export interface KeepalivedNotify {
  /**
   * Run when this host becomes MASTER (takes the VIPs).
   * @default - none
   */
  readonly master?: readonly string[];
  /**
   * Run when this host becomes BACKUP.
   * @default - none
   */
  readonly backup?: readonly string[];
  /**
   * Run when this host enters FAULT (its track script fails).
   * @default - none
   */
  readonly fault?: readonly string[];
}

/** An interface named by a file the host writes at boot (`interface <name>`), included. */
export interface KeepalivedInterfaceFile {
  /** Absolute path of the file. */
  readonly file: string;
}

/** One VRRP instance: one set of virtual addresses shared by the peers. */
export interface KeepalivedInstance {
  /** Instance name (letters, digits, `_`, `-`). */
  readonly name: string;
  /**
   * The network interface VRRP runs on and the VIPs are added to: a name (`eth0`, `ens3`), or
   * `{ file }`, a file holding one `interface <name>` line that the host writes at boot (the
   * configuration `include`s it), for images whose interface name is only known on the host.
   */
  readonly interface: string | KeepalivedInterfaceFile;
  /** VRRP router id, 1–255, the same on every peer and unique on the network segment. */
  readonly virtualRouterId: number;
  /** This host's priority, 1–254; the highest healthy host holds the VIPs. */
  readonly priority: number;
  /**
   * State at start; the election decides after that.
   * @default 'BACKUP'
   */
  readonly initialState?: 'MASTER' | 'BACKUP';
  /**
   * A recovered higher-priority host takes the VIPs back. `false` (`nopreempt`) avoids a second
   * failover after a recovery; it requires `initialState: 'BACKUP'`.
   * @default true
   */
  readonly preempt?: boolean;
  /**
   * Whole seconds between VRRP advertisements.
   * @default 1
   */
  readonly advertIntervalSeconds?: number;
  /** This host's own address on `interface` (`unicast_src_ip`); may be a Terraform reference. */
  readonly sourceAddress: string;
  /** The other peers' addresses (`unicast_peer`); may be Terraform references. */
  readonly peers: readonly string[];
  /**
   * Shared VRRP password, 1–8 characters of printable ASCII without `"` and `$` (VRRP carries at
   * most 8; keepalived would truncate a longer one). May be a Terraform reference, e.g. a
   * `random_password` with `length = 8, special = false`. Required on IPv4 instances; not allowed
   * on IPv6 ones (keepalived speaks VRRP v3 there, which has no authentication).
   * @default - none (IPv6 instances only)
   */
  readonly password?: string;
  /** The virtual addresses, `10.0.0.100` or `10.0.0.100/24`; may be Terraform references. */
  readonly virtualAddresses: readonly string[];
  /**
   * Scripts run on state changes.
   * @default - none
   */
  readonly notify?: KeepalivedNotify;
}

/** The typed model of one host's `keepalived.conf`. */
export interface KeepalivedConfig {
  /** This host's name in logs (`router_id`). */
  readonly routerId: string;
  /** The VRRP instances. */
  readonly instances: readonly KeepalivedInstance[];
  /** The health check every instance tracks. */
  readonly trackScript: KeepalivedTrackScript;
  /**
   * Where the file goes.
   * @default '/etc/keepalived/keepalived.conf'
   */
  readonly path?: string;
}

/** The command that checks the rendered configuration on the host. */
export function keepalivedCheckCommand(path = '/etc/keepalived/keepalived.conf'): string {
  return `keepalived --config-test -f ${path}`;
}

/**
 * Renders `keepalived.conf` (mode `0600`: it holds the VRRP password). Validates the model
 * first; any mistake is one {@link ValidationError}, whose path starts with `where`
 * (`keepalived`; a construct passes its own path followed by `keepalived`).
 */
export function renderKeepalived(config: KeepalivedConfig, where = 'keepalived'): RenderedFile[] {
  const path = formatFilePath(config.path ?? '/etc/keepalived/keepalived.conf', {
    path: where,
    what: 'path',
  });
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(config.routerId)) {
    fail(
      where,
      'routerId',
      config.routerId,
      'letters, digits, ".", "_" and "-"',
      'use the host name, e.g. "lb-1"',
    );
  }
  const script = resolveTrackScript(config.trackScript, where);
  if (!config.instances.length) {
    fail(where, 'instances', [], 'at least one VRRP instance', 'add an instance for the virtual IP');
  }
  const names: string[] = [];
  const routerIds = new Map<string, string>();
  const instances = config.instances.map((instance) => {
    const resolved = resolveInstance(instance, script.name, where);
    checkUnique(where, 'instance name', instance.name, names);
    names.push(instance.name);
    const key = `${interfaceLabel(instance.interface)}/${instance.virtualRouterId}`;
    const taken = routerIds.get(key);
    if (taken !== undefined) {
      fail(
        `${where} instance '${instance.name}'`,
        'virtualRouterId',
        instance.virtualRouterId,
        `a router id not used on ${interfaceLabel(instance.interface)} by another instance (instance '${taken}' uses it)`,
        'give each VRRP instance on an interface its own virtualRouterId',
      );
    }
    routerIds.set(key, instance.name);
    return resolved;
  });
  const items: Item[] = [
    block('global_defs', [
      line('router_id', config.routerId),
      comment('Scripts run as root, and only if no other user can change them.'),
      line('enable_script_security'),
      line('script_user', 'root'),
    ]),
    blank,
    comment(`Healthy while ${script.describe}; after ${script.fall} failures this host gives up its VIPs.`),
    block(`vrrp_script ${script.name}`, [
      line('script', script.command),
      line('interval', String(script.interval)),
      line('timeout', String(script.timeout)),
      line('fall', String(script.fall)),
      line('rise', String(script.rise)),
    ]),
    ...instances.flatMap((i) => [blank, ...i]),
  ];
  return [
    { path, content: `# keepalived.conf, rendered by webfarm.\n\n${printKeepalived(items)}`, mode: '0600' },
  ];
}

// ---------------------------------------------------------------------------------------------
// The printer.

type Item =
  | { readonly kind: 'line'; readonly words: readonly string[] }
  | { readonly kind: 'block'; readonly header: string; readonly body: Item[] }
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'blank' };

const line = (...words: string[]): Item => ({ kind: 'line', words });
const block = (header: string, body: Item[]): Item => ({ kind: 'block', header, body });
const comment = (text: string): Item => ({ kind: 'comment', text });
const blank: Item = { kind: 'blank' };

function printKeepalived(items: Item[], depth = 0): string {
  const pad = '    '.repeat(depth);
  let out = '';
  for (const item of items) {
    if (item.kind === 'blank') out += '\n';
    else if (item.kind === 'comment') out += `${pad}# ${item.text}\n`;
    else if (item.kind === 'line') out += `${pad}${item.words.join(' ')}\n`;
    else out += `${pad}${item.header} {\n${printKeepalived(item.body, depth + 1)}${pad}}\n`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation and the sections.

function fail(path: string, what: string, value: unknown, allowed: string, fix: string): never {
  throw new ValidationError({ path, what, value, allowed, fix });
}

/** One script command line: words joined by spaces, inside one keepalived string. */
function scriptCommand(argv: readonly string[], ctx: QuoteContext): string {
  if (!argv.length || isUnresolved(argv[0]) || !/^\/[A-Za-z0-9._/+-]+$/.test(argv[0])) {
    fail(
      ctx.path,
      ctx.what,
      argv,
      'an absolute program path followed by its arguments',
      'start with the full path of the program, e.g. ["/usr/bin/pidof", "nginx"]',
    );
  }
  for (const arg of argv) {
    const quoted = keepalivedQuote(arg, ctx);
    if (quoted !== arg || arg.includes('"')) {
      fail(
        ctx.path,
        ctx.what,
        argv,
        'arguments of letters, digits and ._/:@+=,- (keepalived splits the command on spaces)',
        'pass the arguments without spaces or quotes, or wrap the command in a script file',
      );
    }
  }
  return `"${argv.join(' ')}"`;
}

function resolveTrackScript(
  track: KeepalivedTrackScript,
  where: string,
): {
  name: string;
  command: string;
  describe: string;
  interval: number;
  timeout: number;
  fall: number;
  rise: number;
} {
  const path = `${where} trackScript`;
  const name = track.name ?? 'chk_balancer';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    fail(path, 'name', name, 'letters, digits, "_" and "-"', 'e.g. "chk_balancer"');
  }
  if ((track.process === undefined) === (track.command === undefined)) {
    fail(
      path,
      'process/command',
      { process: track.process, command: track.command },
      'exactly one of `process` and `command`',
      'give the balancer process name, e.g. process: "nginx", or a command',
    );
  }
  if (track.process !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(track.process)) {
    fail(
      path,
      'process',
      track.process,
      'a process name of letters, digits, ".", "_" and "-"',
      'e.g. "haproxy"',
    );
  }
  const argv = track.command ?? ['/usr/bin/pidof', track.process as string];
  const interval = track.intervalSeconds ?? 2;
  const timeout = track.timeoutSeconds ?? 2;
  checkInteger(path, 'intervalSeconds', interval, 1, 3600, 'give whole seconds, e.g. 2');
  checkInteger(path, 'timeoutSeconds', timeout, 1, 3600, 'give whole seconds, e.g. 2');
  const fall = track.fall ?? 2;
  const rise = track.rise ?? 2;
  checkInteger(path, 'fall', fall, 1, 100, 'give consecutive failures, e.g. 2');
  checkInteger(path, 'rise', rise, 1, 100, 'give consecutive successes, e.g. 2');
  return {
    name,
    command: scriptCommand(argv, { path, what: track.command ? 'command' : 'process' }),
    describe: track.process ? `a "${track.process}" process runs` : `${argv.join(' ')} succeeds`,
    interval,
    timeout,
    fall,
    rise,
  };
}

function virtualAddress(value: string, ctx: QuoteContext): string {
  if (isUnresolved(value)) {
    requireTokenText(value, {
      pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$',
      allowed: 'an IPv4 or IPv6 address, optionally with a prefix length',
      path: ctx.path,
      what: ctx.what,
    });
    return value;
  }
  const m = /^([^/]+)(?:\/([0-9]{1,3}))?$/.exec(typeof value === 'string' ? value : '');
  const ip = m ? parseIp(m[1]) : undefined;
  const prefix = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!ip || (prefix !== undefined && (prefix < 1 || prefix > (ip.version === 4 ? 32 : 128)))) {
    fail(
      ctx.path,
      ctx.what,
      value,
      'an IP address, optionally with its prefix length: "10.0.0.100" or "10.0.0.100/24"',
      'give the virtual IP itself (a host address), not a network',
    );
  }
  return value;
}

function resolveInstance(instance: KeepalivedInstance, scriptName: string, where: string): Item[] {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(instance.name)) {
    fail(where, 'instance name', instance.name, 'letters, digits, "_" and "-"', 'e.g. "web_vip"');
  }
  const path = `${where} instance '${instance.name}'`;
  if (typeof instance.interface === 'string') {
    if (!/^[A-Za-z0-9._-]{1,15}$/.test(instance.interface)) {
      fail(
        path,
        'interface',
        instance.interface,
        'a Linux interface name (at most 15 characters)',
        'e.g. "eth0"',
      );
    }
  } else {
    checkAbsolutePath(path, 'interface file', instance.interface.file);
  }
  checkInteger(
    path,
    'virtualRouterId',
    instance.virtualRouterId,
    1,
    255,
    'pick 1–255, the same on both peers',
  );
  checkInteger(
    path,
    'priority',
    instance.priority,
    1,
    254,
    'give 1–254, e.g. 150 on the preferred host and 100 on the other',
  );
  const state = instance.initialState ?? 'BACKUP';
  if (state !== 'MASTER' && state !== 'BACKUP') {
    fail(path, 'initialState', state, '"MASTER" or "BACKUP"', 'use "BACKUP" and let priorities decide');
  }
  const preempt = instance.preempt ?? true;
  if (!preempt && state !== 'BACKUP') {
    fail(
      path,
      'preempt',
      false,
      'preempt: false with initialState "BACKUP"',
      'keepalived ignores nopreempt on a MASTER; start as BACKUP',
    );
  }
  const advert = instance.advertIntervalSeconds ?? 1;
  checkInteger(path, 'advertIntervalSeconds', advert, 1, 255, 'give whole seconds, e.g. 1');
  const source = formatAddress(instance.sourceAddress, { path, what: 'sourceAddress' });
  if (!instance.peers.length) {
    fail(path, 'peers', [], 'at least one peer address', 'list the other balancer host(s)');
  }
  const peers = instance.peers.map((p) => formatAddress(p, { path, what: 'peers entry' }));
  if (!instance.virtualAddresses.length) {
    fail(path, 'virtualAddresses', [], 'at least one virtual address', 'give the VIP, e.g. "10.0.0.100/24"');
  }
  const vips = instance.virtualAddresses.map((v) =>
    virtualAddress(v, { path, what: 'virtualAddresses entry' }),
  );
  // VRRP v2 (IPv4) carries a password; VRRP v3, which keepalived uses for IPv6, has none.
  const families = new Set(
    [...instance.virtualAddresses, instance.sourceAddress, ...instance.peers]
      .filter((a) => !isUnresolved(a))
      .map((a) => (a.includes(':') ? 6 : 4)),
  );
  if (families.size > 1) {
    fail(
      path,
      'address family',
      [instance.sourceAddress, ...instance.peers, ...instance.virtualAddresses],
      'IPv4 or IPv6 addresses, not both, in one instance',
      'make one VRRP instance per address family',
    );
  }
  const ipv6 = families.has(6);
  let password: string | undefined;
  if (ipv6 && instance.password !== undefined) {
    fail(
      path,
      'password',
      '(hidden)',
      'no password on an IPv6 instance (VRRP v3 has no authentication)',
      'leave password out; keep VRRP traffic inside the security group of the pair',
    );
  }
  if (!ipv6) {
    if (instance.password === undefined) {
      fail(
        path,
        'password',
        undefined,
        'a shared password of 1 to 8 characters on an IPv4 instance',
        'give the same password on both peers, e.g. a random_password with length = 8 and special = false',
      );
    }
    if (!isUnresolved(instance.password) && (instance.password.length < 1 || instance.password.length > 8)) {
      fail(
        path,
        'password',
        '(hidden)',
        '1 to 8 characters (VRRP carries at most 8)',
        'give a short shared secret, e.g. random_password with length = 8 and special = false',
      );
    }
    try {
      password = keepalivedQuote(instance.password, { path, what: 'password' });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      throw new ValidationError({
        path,
        what: 'password',
        value: '(hidden)',
        allowed: e.allowed,
        fix: e.fix,
      });
    }
  }
  const body: Item[] = [
    line('state', state),
    typeof instance.interface === 'string'
      ? line('interface', instance.interface)
      : line('include', instance.interface.file),
    line('virtual_router_id', String(instance.virtualRouterId)),
    line('priority', String(instance.priority)),
    line('advert_int', String(advert)),
  ];
  if (!preempt) body.push(line('nopreempt'));
  body.push(
    comment('Unicast: cloud networks often drop VRRP multicast.'),
    line('unicast_src_ip', source),
    block(
      'unicast_peer',
      peers.map((p) => line(p)),
    ),
    ...(password !== undefined
      ? [block('authentication', [line('auth_type', 'PASS'), line('auth_pass', password)])]
      : []),
    block(
      'virtual_ipaddress',
      vips.map((v) => line(v)),
    ),
    block('track_script', [line(scriptName)]),
  );
  for (const [key, argv] of [
    ['notify_master', instance.notify?.master],
    ['notify_backup', instance.notify?.backup],
    ['notify_fault', instance.notify?.fault],
  ] as const) {
    if (argv) body.push(line(key, scriptCommand(argv, { path, what: `notify ${key.slice(7)}` })));
  }
  return [
    comment(`Virtual addresses of '${instance.name}', shared with ${peers.length} peer(s).`),
    block(`vrrp_instance ${instance.name}`, body),
  ];
}

/** `ens3`, or `the interface named in /etc/keepalived/interface.conf`. */
function interfaceLabel(value: string | KeepalivedInterfaceFile): string {
  return typeof value === 'string' ? value : `the interface named in ${value.file}`;
}

/**
 * The shell command a host runs at boot to write a {@link KeepalivedInterfaceFile}: the
 * interface of its default route (the one NIC of a cloud instance: `ens3`, `enp1s0`, `eth0`…,
 * depending on the image and the machine type). Leaves the file alone when there is no route.
 */
export function renderInterfaceDetection(file: string): string {
  checkAbsolutePath('keepalived interface detection', 'interface file', file);
  return (
    `dev=$(ip -o route show default | awk '{ print $5; exit }'); ` +
    `if [ -n "$dev" ]; then printf 'interface %s\\n' "$dev" > ${file}; fi`
  );
}
