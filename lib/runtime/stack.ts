import * as fs from 'fs';
import * as path from 'path';
// Type-only: erased at compile time, so this module never loads lib/core (and through it cdktf).
import type { RuntimeManifest } from '../core/host-files';
import { RuntimeBalancer, RuntimeBalancerSettings, RuntimeHost } from './balancer';
import { RuntimeInputError } from './errors';
import { SshSettings } from './ssh';

/** Where to find a balancer webfarm built, and how to log in to it. */
export interface StackBalancerOptions {
  /**
   * The synthesized output folder.
   * @default 'cdktf.out'
   */
  readonly dir?: string;
  /** The stack's name (its folder under `stacks/`). */
  readonly stack: string;
  /** The balancer's construct path, with or without the stack: `Balancer` or `web/Balancer`. */
  readonly balancer: string;
  /**
   * The hosts' addresses by host name (`lb-1`), for addresses that are Terraform references.
   * @default - from the stack's Terraform state (its local backend), when it is on this machine
   */
  readonly addresses?: Readonly<Record<string, string>>;
  /**
   * Login settings that the stack cannot tell (the stack's private key is Terraform text, so the
   * key comes from `identityFile` or the agent); `user` and `port` override the stack's.
   * @default - the stack's user and port, the agent's keys
   */
  readonly ssh?: Partial<SshSettings>;
  /**
   * Further settings (retries, drain time, lock folder, …).
   * @default - the defaults of {@link RuntimeBalancerSettings}
   */
  readonly settings?: Partial<
    Pick<RuntimeBalancerSettings, 'retries' | 'retryDelayMs' | 'drainSeconds' | 'lockSeconds' | 'lockDir'>
  >;
}

interface StackResource {
  readonly connection?: Record<string, unknown>;
  readonly '//'?: { webfarm?: { host?: string; runtime?: RuntimeManifest } };
}

/**
 * The balancer `options.balancer` of a synthesized stack, as a {@link RuntimeBalancer}: its hosts
 * (one push each; both hosts of a keepalived pair), their login user, port and bastion, and its
 * pools with their files. Only the pools declared `runtimeManaged` may be changed; the others
 * are Terraform's and a change to them is refused.
 * @throws RuntimeInputError when the stack, the balancer or a host address cannot be found
 */
export function balancerFromStack(options: StackBalancerOptions): RuntimeBalancer {
  const dir = options.dir ?? 'cdktf.out';
  const file = path.join(dir, 'stacks', options.stack, 'cdk.tf.json');
  const where = `${options.stack}/${options.balancer.replace(new RegExp(`^${escape(options.stack)}/`), '')}`;
  if (!fs.existsSync(file)) {
    throw new RuntimeInputError({
      path: where,
      what: 'stack',
      value: options.stack,
      allowed: `a stack synthesized into ${dir}/stacks/`,
      fix: 'run `npm run synth` (or `npx cdktf synth`) first, and name the stack folder',
    });
  }
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    resource?: Record<string, Record<string, StackResource>>;
    terraform?: { backend?: { local?: { path?: string } } };
  };
  const pushes = Object.values(json.resource?.terraform_data ?? {}).filter(
    (r) => r['//']?.webfarm?.runtime?.balancer === where,
  );
  if (!pushes.length) {
    const known = Object.values(json.resource?.terraform_data ?? {})
      .map((r) => r['//']?.webfarm?.runtime?.balancer)
      .filter((b): b is string => b !== undefined);
    throw new RuntimeInputError({
      path: where,
      what: 'balancer',
      value: options.balancer,
      allowed: known.length
        ? [...new Set(known)].join(', ')
        : 'none: this stack has no nginx or HAProxy host pushed over SSH',
      fix: 'give the construct path of an NginxBalancer or HaproxyBalancer of this stack',
    });
  }
  const manifest = pushes[0]['//']?.webfarm?.runtime as RuntimeManifest;
  const state = loadState(options, json.terraform?.backend?.local?.path, dir);
  const hosts: RuntimeHost[] = [];
  let ssh: SshSettings | undefined;
  for (const push of pushes) {
    const name = push['//']?.webfarm?.host ?? '?';
    const c = push.connection ?? {};
    const address = options.addresses?.[name] ?? resolve(where, name, 'address', c.host, state);
    hosts.push({ name, address });
    const bastionHost = c.bastion_host;
    ssh ??= {
      user: options.ssh?.user ?? String(c.user ?? 'root'),
      ...((options.ssh?.port ?? c.port) ? { port: Number(options.ssh?.port ?? c.port) } : {}),
      ...(options.ssh?.identityFile ? { identityFile: options.ssh.identityFile } : {}),
      ...(options.ssh?.knownHostsFile ? { knownHostsFile: options.ssh.knownHostsFile } : {}),
      ...(options.ssh?.hostKeyChecking ? { hostKeyChecking: options.ssh.hostKeyChecking } : {}),
      ...(options.ssh?.bastion
        ? { bastion: options.ssh.bastion }
        : bastionHost !== undefined
          ? {
              bastion: {
                address:
                  options.addresses?.bastion ?? resolve(where, 'bastion', 'address', bastionHost, state),
                ...(c.bastion_user !== undefined ? { user: String(c.bastion_user) } : {}),
                ...(c.bastion_port !== undefined ? { port: Number(c.bastion_port) } : {}),
              },
            }
          : {}),
    };
  }
  return new RuntimeBalancer({
    name: where,
    daemon: manifest.daemon,
    hosts,
    ssh: ssh as SshSettings,
    pools: Object.fromEntries(
      manifest.pools.filter((p) => p.runtimeManaged).map((p) => [p.name, { file: p.file }]),
    ),
    terraformPools: manifest.pools.filter((p) => !p.runtimeManaged).map((p) => p.name),
    createPools: false,
    check: manifest.check,
    reload: manifest.reload,
    ...(manifest.adminSocket ? { adminSocket: manifest.adminSocket } : {}),
    lockDir: manifest.lockDir,
    ...options.settings,
  });
}

type State = Map<string, Record<string, unknown>>;

function loadState(
  options: StackBalancerOptions,
  backendPath: string | undefined,
  dir: string,
): State | undefined {
  const candidates = [
    backendPath,
    path.join(dir, 'stacks', options.stack, `terraform.${options.stack}.tfstate`),
  ].filter((p): p is string => typeof p === 'string');
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) return undefined;
  const json = JSON.parse(fs.readFileSync(found, 'utf8')) as {
    resources?: Array<{
      mode?: string;
      type: string;
      name: string;
      instances?: Array<{ attributes?: Record<string, unknown> }>;
    }>;
  };
  const state: State = new Map();
  for (const r of json.resources ?? []) {
    if (r.mode !== 'data' && r.instances?.[0]?.attributes)
      state.set(`${r.type}.${r.name}`, r.instances[0].attributes);
  }
  return state;
}

/** A literal address, or `${type.name.attr}` / `${element(type.name.attr, N)}` read from the state. */
function resolve(
  where: string,
  host: string,
  what: string,
  value: unknown,
  state: State | undefined,
): string {
  if (typeof value === 'string' && !value.includes('${')) return value;
  const text = String(value);
  const m =
    /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/.exec(text) ??
    /^\$\{element\(([a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+), ?([0-9]+)\)\}$/.exec(text);
  const attrs = m ? state?.get(m[1]) : undefined;
  let resolved: unknown = attrs?.[m?.[2] ?? ''];
  if (Array.isArray(resolved)) resolved = resolved[Number(m?.[3] ?? 0)];
  if (typeof resolved === 'string' && resolved !== '') return resolved;
  throw new RuntimeInputError({
    path: where,
    what: `${what} of host '${host}'`,
    value: text,
    allowed: 'a literal address, or a reference the local Terraform state resolves',
    fix: `give it: --address ${host}=ADDRESS (or addresses: { '${host}': '…' }), or run where the stack's state is`,
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
