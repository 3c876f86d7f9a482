import { AGENT_SOURCE, AgentAnswer, AgentRequest, agentCommand } from './agent';
import { DivergedPoolError, HostError, HostOutcome, PartialFailureError, RuntimeInputError } from './errors';
import { ParsedNode, checkPoolName, parseNodes, serverNameOf } from './nodes';
import { SshSettings, checkAddress, checkSshSettings, runRemote } from './ssh';

/**
 * The deployment tool's balancer interface (the seed's `get_nodes`, `add_nodes`,
 * `delete_nodes`), on running balancers. Nodes are `host:port` (`[v6]:port` for IPv6).
 */
export interface IRuntimeBalancer {
  /** The pool's nodes; a missing pool has none (`[]`). */
  getNodes(pool: string): Promise<string[]>;
  /** Adds nodes (already present ones are left alone); creates the pool when it may. */
  addNodes(pool: string, nodes: string[]): Promise<void>;
  /** Removes nodes; a missing pool or node is not an error. */
  deleteNodes(pool: string, nodes: string[]): Promise<void>;
}

/** One host of a balancer. */
export interface RuntimeHost {
  /** Name used in messages (the Nova instance name for a webfarm host). */
  readonly name: string;
  /** Address the client connects to. */
  readonly address: string;
  /**
   * SSH port of this host (a port forward, a host that differs from the others).
   * @default - `ssh.port`
   */
  readonly sshPort?: number;
}

/** A pool the client may change, and its file on the hosts. */
export interface RuntimePool {
  /** The pool's file (`/etc/nginx/webfarm/pools/web.conf`). */
  readonly file: string;
}

/** How to reach and change a balancer's hosts (built by `fromManifests` or by hand). */
export interface RuntimeBalancerSettings {
  /** The balancer's name in messages (`stack/Balancer`, or your own). */
  readonly name: string;
  /** The daemon on the hosts. */
  readonly daemon: 'nginx' | 'haproxy';
  /** Every host; a change goes to all of them. */
  readonly hosts: readonly RuntimeHost[];
  /** SSH login. */
  readonly ssh: SshSettings;
  /**
   * The folder of the pool files (the seed's `include_dir`): `<dir>/<pool>.conf` for nginx,
   * `<dir>/<pool>.cfg` for HAProxy. Used for pools not named in `pools`.
   * @default - only the pools named in `pools`
   */
  readonly includeDir?: string;
  /**
   * The pools that may be changed, with their files. When given, every other pool is refused
   * (a webfarm balancer: the other pools are Terraform's).
   * @default - any pool under `includeDir`
   */
  readonly pools?: Readonly<Record<string, RuntimePool>>;
  /**
   * Pools that Terraform owns: a change is refused with a message saying so.
   * @default - none
   */
  readonly terraformPools?: readonly string[];
  /**
   * Whether `addNodes` may create a missing pool's file (true for a host webfarm did not build).
   * @default - true without `pools`, false with
   */
  readonly createPools?: boolean;
  /**
   * The command that checks the configuration.
   * @default - `nginx -t -q`; `haproxy -c -q -f /etc/haproxy/haproxy.cfg -f <includeDir>`
   */
  readonly check?: string;
  /**
   * The command that reloads the daemon gracefully (nginx after every change; HAProxy only to
   * create a backend).
   * @default - `systemctl reload <daemon>`
   */
  readonly reload?: string;
  /**
   * HAProxy's runtime API socket (`stats socket … level admin`).
   * @default '/run/haproxy/admin.sock'
   */
  readonly adminSocket?: string;
  /**
   * Folder of the host-side lock files (Terraform's install script takes the same locks).
   * @default '/run/lock/webfarm'
   */
  readonly lockDir?: string;
  /**
   * Seconds to wait for a lock another writer holds.
   * @default 60
   */
  readonly lockSeconds?: number;
  /**
   * Seconds a removed HAProxy server may drain before its remaining sessions are shut.
   * @default 30
   */
  readonly drainSeconds?: number;
  /**
   * Further attempts on a host that could not be reached.
   * @default 2
   */
  readonly retries?: number;
  /**
   * Milliseconds before the first retry (doubled for each further one, with up to 50% jitter).
   * @default 1000
   */
  readonly retryDelayMs?: number;
  /**
   * SSH sessions this client opens to one host at a time (sshd drops new connections beyond its
   * `MaxStartups`, 10 by default); further calls wait their turn.
   * @default 6
   */
  readonly maxSessionsPerHost?: number;
}

/**
 * A running nginx or HAProxy balancer (one host, a keepalived pair, or a list of frontends),
 * changed over SSH without redeploying it. Every call is checked before any host is contacted
 * (a bad node or pool name changes nothing), then made on every host at once; a host that
 * cannot be reached is retried, and a call that still reaches only some hosts throws a
 * {@link PartialFailureError} naming them (repeat it: every call is idempotent).
 *
 * ```ts
 * const lb = new RuntimeBalancer({
 *   name: 'frontends', daemon: 'nginx', includeDir: '/etc/nginx/pools.d',
 *   ssh: { user: 'deploy', identityFile: '/etc/deploy/id_ed25519' },
 *   hosts: [{ name: 'fe1', address: 'frontend1.example.org' }, { name: 'fe2', address: 'frontend2.example.org' }],
 * });
 * await lb.addNodes('app', ['10.0.0.5:8080']);
 * ```
 */
export class RuntimeBalancer implements IRuntimeBalancer {
  private readonly settings: RuntimeBalancerSettings;
  private readonly sessions = new Map<string, Semaphore>();

  constructor(settings: RuntimeBalancerSettings) {
    const where = settings.name;
    if (settings.daemon !== 'nginx' && settings.daemon !== 'haproxy') {
      throw new RuntimeInputError({
        path: where,
        what: 'daemon',
        value: settings.daemon,
        allowed: '"nginx" or "haproxy"',
        fix: 'name the balancer software on the hosts',
      });
    }
    if (!settings.hosts.length) {
      throw new RuntimeInputError({
        path: where,
        what: 'hosts',
        value: [],
        allowed: 'at least one host',
        fix: 'give the balancer hosts (address and name)',
      });
    }
    for (const h of settings.hosts) {
      checkAddress(where, `address of host '${h.name}'`, h.address);
      checkSshSettings(where, { ...settings.ssh, port: h.sshPort ?? settings.ssh.port });
    }
    for (const [what, dir] of [
      ['includeDir', settings.includeDir],
      ['lockDir', settings.lockDir],
      ['adminSocket', settings.adminSocket],
      ...Object.entries(settings.pools ?? {}).map(([p, s]) => [`file of pool '${p}'`, s.file]),
    ] as const) {
      if (dir !== undefined && !/^\/[A-Za-z0-9._@+/-]+$/.test(dir)) {
        throw new RuntimeInputError({
          path: where,
          what,
          value: dir,
          allowed: 'an absolute path of letters, digits and ._@+/-',
          fix: 'give the path on the hosts, e.g. "/etc/nginx/pools.d"',
        });
      }
    }
    if (settings.includeDir === undefined && settings.pools === undefined) {
      throw new RuntimeInputError({
        path: where,
        what: 'includeDir',
        value: undefined,
        allowed: 'the folder of the pool files, or the pools with their files',
        fix: 'give includeDir, e.g. "/etc/nginx/sites-enabled" (the seed\'s include_dir)',
      });
    }
    this.settings = settings;
  }

  /** The balancer's name. */
  public get name(): string {
    return this.settings.name;
  }

  /** The hosts' names. */
  public get hostNames(): string[] {
    return this.settings.hosts.map((h) => h.name);
  }

  /**
   * The pool's nodes, read from every host.
   * @throws DivergedPoolError when the hosts disagree (an earlier partial failure)
   * @throws HostError / PartialFailureError when a host cannot be read
   */
  public async getNodes(pool: string): Promise<string[]> {
    checkPoolName(this.name, pool);
    const s = this.settings;
    // A webfarm balancer knows every pool's file; a pool it does not know is missing: empty.
    if (s.pools && !s.pools[pool] && s.includeDir === undefined) return [];
    const request = this.request('get', pool, []);
    const { answers } = await this.onEveryHost(`get '${pool}'`, request);
    const lists = answers.map((a) => a.nodes ?? []);
    const same = lists.every((l) => sameSet(l, lists[0]));
    if (!same) {
      throw new DivergedPoolError(
        this.name,
        pool,
        Object.fromEntries(this.settings.hosts.map((h, i) => [h.name, lists[i]])),
      );
    }
    return lists[0];
  }

  /** Adds nodes to the pool on every host (see {@link IRuntimeBalancer.addNodes}). */
  public async addNodes(pool: string, nodes: string[]): Promise<void> {
    const parsed = parseNodes(this.name, nodes);
    if (!parsed.length) return;
    await this.onEveryHost(`add to '${pool}'`, this.request('add', pool, parsed));
  }

  /** Removes nodes from the pool on every host (see {@link IRuntimeBalancer.deleteNodes}). */
  public async deleteNodes(pool: string, nodes: string[]): Promise<void> {
    const parsed = parseNodes(this.name, nodes);
    if (!parsed.length) return;
    await this.onEveryHost(`delete from '${pool}'`, this.request('delete', pool, parsed));
  }

  private request(op: AgentRequest['op'], pool: string, nodes: ParsedNode[]): AgentRequest {
    const s = this.settings;
    checkPoolName(this.name, pool);
    if (s.terraformPools?.includes(pool) && op !== 'get') {
      throw new RuntimeInputError({
        path: this.name,
        what: 'pool',
        value: pool,
        allowed: `a pool declared run-time managed (${Object.keys(s.pools ?? {}).join(', ') || 'none is'})`,
        fix: `pool '${pool}' is Terraform's: change it in the stack, or declare it with addPool('${pool}', { runtimeManaged: true })`,
      });
    }
    const declared = s.pools?.[pool];
    if (s.pools && !declared && s.includeDir === undefined && op !== 'get') {
      throw new RuntimeInputError({
        path: this.name,
        what: 'pool',
        value: pool,
        allowed: `a pool declared run-time managed (${Object.keys(s.pools).join(', ') || 'none is'})`,
        fix: `declare it in the stack with addPool('${pool}', { runtimeManaged: true, … }) and push once`,
      });
    }
    const ext = s.daemon === 'nginx' ? 'conf' : 'cfg';
    const file = declared?.file ?? `${s.includeDir}/${pool}.${ext}`;
    return {
      op,
      daemon: s.daemon,
      pool,
      nodes: nodes.map((n) => ({ node: n.node, name: serverNameOf(n) })),
      poolFile: file,
      lockDir: s.lockDir ?? '/run/lock/webfarm',
      lockSeconds: s.lockSeconds ?? 60,
      create: s.createPools ?? s.pools === undefined,
      check:
        s.check ??
        (s.daemon === 'nginx'
          ? 'nginx -t -q'
          : `haproxy -c -q -f /etc/haproxy/haproxy.cfg -f ${s.includeDir ?? file}`),
      reload: s.reload ?? `systemctl reload ${s.daemon}`,
      socket: s.adminSocket ?? '/run/haproxy/admin.sock',
      drainSeconds: s.drainSeconds ?? 30,
    };
  }

  private async onEveryHost(operation: string, request: AgentRequest): Promise<{ answers: AgentAnswer[] }> {
    const hosts = this.settings.hosts;
    const results = await Promise.allSettled(hosts.map((h) => this.onHost(h, request)));
    const outcomes: HostOutcome[] = results.map((r, i) =>
      r.status === 'fulfilled'
        ? { host: hosts[i].name, status: 'done' }
        : { host: hosts[i].name, status: 'failed', error: asHostError(hosts[i].name, r.reason) },
    );
    const failed = outcomes.filter((o) => o.status === 'failed');
    if (failed.length) {
      if (hosts.length === 1) throw failed[0].error;
      throw new PartialFailureError(this.name, `${operation}`, outcomes);
    }
    return { answers: results.map((r) => (r as PromiseFulfilledResult<AgentAnswer>).value) };
  }

  private async onHost(host: RuntimeHost, request: AgentRequest): Promise<AgentAnswer> {
    const attempts = 1 + (this.settings.retries ?? 2);
    const input = JSON.stringify({ agent: AGENT_SOURCE, request });
    const timeoutMs =
      (request.lockSeconds * 2 + request.drainSeconds * Math.max(1, request.nodes.length) + 60) * 1000;
    let last: HostError | undefined;
    let semaphore = this.sessions.get(host.name);
    if (!semaphore) {
      semaphore = new Semaphore(this.settings.maxSessionsPerHost ?? 6);
      this.sessions.set(host.name, semaphore);
    }
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1) {
        const base = (this.settings.retryDelayMs ?? 1000) * 2 ** (attempt - 2);
        await new Promise((r) => setTimeout(r, base * (1 + Math.random() / 2)));
      }
      let result;
      try {
        const session = semaphore;
        result = await session.run(() =>
          runRemote(
            host.name,
            host.address,
            host.sshPort === undefined ? this.settings.ssh : { ...this.settings.ssh, port: host.sshPort },
            agentCommand(),
            input,
            timeoutMs,
          ),
        );
      } catch (error) {
        last = asHostError(host.name, error);
        continue;
      }
      const answer = parseAnswer(result.stdout);
      if (!answer) {
        throw new HostError(
          host.name,
          `the host-side agent gave no answer (exit ${result.status}): ${result.stderr.trim() || result.stdout.trim() || 'no output'}` +
            (/sudo/.test(result.stderr)
              ? '. Fix: the login user needs password-less sudo (or log in as root)'
              : '') +
            (/python3: (command )?not found|No such file/.test(result.stderr)
              ? '. Fix: install python3 on the host'
              : ''),
        );
      }
      if (!answer.ok) throw new HostError(host.name, answer.error ?? 'refused', answer.changed);
      return answer;
    }
    throw new HostError(
      host.name,
      `${last?.message.replace(`${host.name}: `, '') ?? 'unreachable'} (after ${attempts} attempts)`,
    );
  }
}

function parseAnswer(stdout: string): AgentAnswer | undefined {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    const value = JSON.parse(line) as AgentAnswer;
    return typeof value === 'object' && value !== null && typeof value.ok === 'boolean' ? value : undefined;
  } catch {
    return undefined;
  }
}

function asHostError(host: string, error: unknown): HostError {
  if (error instanceof HostError) return error;
  return new HostError(host, error instanceof Error ? error.message : String(error));
}

/** At most `limit` tasks at once. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  public async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
