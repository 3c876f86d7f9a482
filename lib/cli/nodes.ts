import * as fs from 'fs';
import * as path from 'path';
import {
  DivergedPoolError,
  HostError,
  IRuntimeBalancer,
  PartialFailureError,
  RuntimeBalancer,
  RuntimeBalancerSettings,
  RuntimeInputError,
  balancerFromStack,
} from '../runtime';
import { CliError } from './errors';
import type { CliIo } from './main';

/** Help of `webfarm nodes`. */
export const NODES_USAGE = `Usage: webfarm nodes get|add|delete POOL [HOST:PORT...] (--balancer STACK/PATH | --config FILE) [options]

Reads or changes a pool of a running nginx or HAProxy balancer over SSH, without Terraform:
the deployment tool's get_nodes / add_nodes / delete_nodes. Nodes are host:port, [v6]:port.
  get      prints the pool's nodes, one per line (a missing pool prints nothing)
  add      adds the nodes (already present ones are left alone; nginx: nginx -t, then a graceful
           reload; HAProxy: runtime API, no reload)
  delete   removes the nodes (HAProxy drains them first); a missing pool or node is no error
Every host of the balancer is changed; a host that fails is retried, then reported.

Which balancer:
  --balancer STACK/PATH   a balancer in DIR (default ./cdktf.out): its stack and construct path,
                          e.g. web/Balancer. Only pools declared runtimeManaged can be changed.
  --dir DIR               the synthesized output folder (default ./cdktf.out)
  --address HOST=ADDR     the address of host HOST (e.g. lb-1) when the stack's Terraform state is
                          not on this machine; repeat for each host (and bastion=ADDR)
  --config FILE           a host webfarm did not build: a JSON file with the balancer settings
                          ({"name", "daemon": "nginx"|"haproxy", "hosts": [{"name", "address"}],
                          "ssh": {"user", ...}, "includeDir", "check", "reload", ...})
Login:
  --user USER             login user (root, or a user with password-less sudo)
  --identity FILE         private key file (default: the SSH agent's keys)
  --known-hosts FILE      known_hosts file (new hosts are remembered, changed keys refused)
Output:
  --json                  print JSON ({"pool", "nodes"} for get)
  -h, --help              show this help

Exit status: 0 done, 1 a host failed (the message says which, and whether hosts now differ),
2 bad usage or input (nothing changed).
`;

/** Runs `webfarm nodes`. */
export async function nodesCommand(args: readonly string[], io: CliIo): Promise<number> {
  const opts = parse(args);
  if (opts === 'help') {
    io.stdout(NODES_USAGE);
    return 0;
  }
  try {
    const lb = balancerOf(opts, io.cwd);
    if (opts.verb === 'get') {
      const nodes = await lb.getNodes(opts.pool);
      io.stdout(
        opts.json ? `${JSON.stringify({ pool: opts.pool, nodes })}\n` : nodes.map((n) => `${n}\n`).join(''),
      );
      return 0;
    }
    if (opts.verb === 'add') await lb.addNodes(opts.pool, opts.nodes);
    else await lb.deleteNodes(opts.pool, opts.nodes);
    const hosts = lb instanceof RuntimeBalancer ? lb.hostNames.join(', ') : '';
    io.stdout(
      opts.json
        ? `${JSON.stringify({ pool: opts.pool, [opts.verb === 'add' ? 'added' : 'deleted']: opts.nodes })}\n`
        : `${opts.verb === 'add' ? 'added' : 'deleted'} ${opts.nodes.length} node(s) ${opts.verb === 'add' ? 'to' : 'from'} pool '${opts.pool}' on ${hosts}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof RuntimeInputError) throw new CliError(2, error.message);
    if (
      error instanceof HostError ||
      error instanceof PartialFailureError ||
      error instanceof DivergedPoolError
    ) {
      throw new CliError(1, error.message);
    }
    throw error;
  }
}

interface NodesOptions {
  verb: 'get' | 'add' | 'delete';
  pool: string;
  nodes: string[];
  balancer?: string;
  config?: string;
  dir: string;
  addresses: Record<string, string>;
  user?: string;
  identity?: string;
  knownHosts?: string;
  json: boolean;
}

function usage(message: string): CliError {
  return new CliError(2, `${message}\n\n${NODES_USAGE}`);
}

function parse(args: readonly string[]): NodesOptions | 'help' {
  const positional: string[] = [];
  const o: Omit<NodesOptions, 'verb' | 'pool' | 'nodes'> = { dir: 'cdktf.out', addresses: {}, json: false };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    const value = (): string => {
      const v = args[i + 1];
      if (v === undefined || v === '') throw usage(`${arg} needs a value`);
      i += 1;
      return v;
    };
    if (arg === '-h' || arg === '--help') return 'help';
    else if (arg === '--json') o.json = true;
    else if (arg === '--balancer') o.balancer = value();
    else if (arg === '--config') o.config = value();
    else if (arg === '--dir') o.dir = value();
    else if (arg === '--user') o.user = value();
    else if (arg === '--identity') o.identity = value();
    else if (arg === '--known-hosts') o.knownHosts = value();
    else if (arg === '--address') {
      const v = value();
      const eq = v.indexOf('=');
      if (eq < 1 || eq === v.length - 1)
        throw usage(`--address needs HOST=ADDRESS, not ${JSON.stringify(v)}`);
      o.addresses[v.slice(0, eq)] = v.slice(eq + 1);
    } else if (arg.startsWith('-') && !/^-?\[/.test(arg))
      throw usage(`unknown option ${JSON.stringify(arg)}`);
    else positional.push(arg);
  }
  const [verb, pool, ...nodes] = positional;
  if (verb !== 'get' && verb !== 'add' && verb !== 'delete') {
    throw usage(
      verb === undefined ? 'nodes needs get, add or delete' : `unknown nodes verb ${JSON.stringify(verb)}`,
    );
  }
  if (pool === undefined) throw usage(`nodes ${verb} needs a POOL`);
  if (verb === 'get' && nodes.length) throw usage('nodes get takes only a POOL');
  if (verb !== 'get' && !nodes.length) throw usage(`nodes ${verb} needs at least one HOST:PORT`);
  if ((o.balancer === undefined) === (o.config === undefined)) {
    throw usage(
      'nodes needs either --balancer STACK/PATH (a webfarm balancer) or --config FILE (another host)',
    );
  }
  return { ...o, verb, pool, nodes };
}

function balancerOf(o: NodesOptions, cwd: string): IRuntimeBalancer {
  const ssh = {
    ...(o.user ? { user: o.user } : {}),
    ...(o.identity ? { identityFile: path.resolve(cwd, o.identity) } : {}),
    ...(o.knownHosts ? { knownHostsFile: path.resolve(cwd, o.knownHosts) } : {}),
  };
  if (o.config !== undefined) {
    const file = path.resolve(cwd, o.config);
    let settings: RuntimeBalancerSettings;
    try {
      settings = JSON.parse(fs.readFileSync(file, 'utf8')) as RuntimeBalancerSettings;
    } catch (error) {
      throw new CliError(2, `cannot read --config ${o.config}: ${(error as Error).message}`);
    }
    return new RuntimeBalancer({ ...settings, ssh: { ...settings.ssh, ...ssh } });
  }
  const balancer = o.balancer as string;
  const slash = balancer.indexOf('/');
  if (slash < 1 || slash === balancer.length - 1) {
    throw usage(`--balancer needs STACK/PATH (e.g. web/Balancer), not ${JSON.stringify(balancer)}`);
  }
  return balancerFromStack({
    dir: path.resolve(cwd, o.dir),
    stack: balancer.slice(0, slash),
    balancer: balancer.slice(slash + 1),
    addresses: o.addresses,
    ssh,
  });
}
