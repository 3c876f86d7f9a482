import {
  Algorithm,
  HAPROXY_CAPABILITIES,
  checkPoolRequirements,
  checkPoolTimeouts,
  requireCapability,
} from '../../core/balancing';
import { ValidationError } from '../../core/errors';
import { isUnresolved } from '../../core/tokens';
import {
  checkInteger,
  checkName,
  checkNode,
  checkPort,
  checkSeconds,
  checkUnique,
} from '../../core/validate';
import { fail } from '../proxy-common';
import {
  formatAddress,
  formatFilePath,
  formatHost,
  formatNodeHost,
  haproxyQuote,
  literalNumber,
} from '../quote';
import { resolveListener } from './resolve-listener';
import { ResolvedListener, ResolvedModel, ResolvedPool, ResolvedStats } from './resolved';
import { HAPROXY_DEFAULT_PATHS, HaproxyConfig, HaproxyPaths, HaproxyPool, HaproxyTimeouts } from './types';

/** Header and cookie names HAProxy reads inside `hdr(…)`/`req.cook(…)` without quoting. */
export const SIMPLE_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Checks `config` and fills in the defaults. `where` starts every message: `haproxy`, or the
 * construct path of the balancer followed by `haproxy` when a construct renders.
 */
export function resolveModel(config: HaproxyConfig, where = 'haproxy'): ResolvedModel {
  const given = config.paths ?? {};
  const paths: Required<HaproxyPaths> = {
    configFile: formatFilePath(given.configFile ?? HAPROXY_DEFAULT_PATHS.configFile, {
      path: `${where} paths`,
      what: 'configFile',
    }),
    chroot:
      given.chroot === false
        ? false
        : formatFilePath(given.chroot ?? (HAPROXY_DEFAULT_PATHS.chroot as string), {
            path: `${where} paths`,
            what: 'chroot',
          }),
    adminSocket: formatFilePath(given.adminSocket ?? HAPROXY_DEFAULT_PATHS.adminSocket, {
      path: `${where} paths`,
      what: 'adminSocket',
    }),
    poolsDir: formatFilePath(given.poolsDir ?? HAPROXY_DEFAULT_PATHS.poolsDir, {
      path: `${where} paths`,
      what: 'poolsDir',
    }),
  };
  const user = config.user ?? 'haproxy';
  const group = config.group ?? 'haproxy';
  for (const [what, value] of [
    ['user', user],
    ['group', group],
  ] as const) {
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(value)) {
      fail(
        where,
        what,
        value,
        'a Unix user or group name such as "haproxy"',
        'give the account HAProxy runs as',
      );
    }
  }
  const maxConnections = config.maxConnections ?? 4096;
  checkInteger(where, 'maxConnections', maxConnections, 16, 1048576, 'give e.g. 4096');
  const log = config.log ?? '/dev/log';
  if (log !== false && !/^(\/[A-Za-z0-9._/@+-]+|(udp@)?[0-9.]+(:[0-9]+)?|stdout|stderr)$/.test(log)) {
    fail(where, 'log', log, 'a socket path, "stdout", "stderr" or ip:port', 'e.g. "/dev/log", or false');
  }
  const t = config.timeouts ?? {};
  const timeouts: Required<HaproxyTimeouts> = {
    connectSeconds: t.connectSeconds ?? 3,
    clientSeconds: t.clientSeconds ?? 30,
    serverSeconds: t.serverSeconds ?? 30,
    httpRequestSeconds: t.httpRequestSeconds ?? 10,
    httpKeepAliveSeconds: t.httpKeepAliveSeconds ?? 10,
    queueSeconds: t.queueSeconds ?? 30,
    tunnelSeconds: t.tunnelSeconds ?? 3600,
  };
  for (const [key, value] of Object.entries(timeouts)) checkSeconds(where, `timeouts.${key}`, value, 86400);
  const retries = config.retries ?? 3;
  checkInteger(where, 'retries', retries, 0, 10, 'give how many times a failed attempt is retried, e.g. 3');

  const pools: ResolvedPool[] = [];
  for (const pool of config.pools) {
    checkUnique(
      where,
      'pool name',
      pool.name,
      pools.map((p) => p.name),
    );
    pools.push(resolvePool(pool, where));
  }

  let stats: ResolvedStats | undefined;
  const usedPorts: number[] = [];
  if (config.stats !== false) {
    const s = config.stats ?? {};
    const path = `${where} stats`;
    const port = literalNumber(s.port ?? 8404, { path, what: 'port' });
    checkPort(path, 'port', port);
    usedPorts.push(port);
    const bindAddress = formatAddress(s.bindAddress ?? '127.0.0.1', { path, what: 'bindAddress' });
    const loopback = /^(127\.[0-9.]+|::1)$/.test(bindAddress);
    if (!loopback && s.password === undefined) {
      fail(
        path,
        'bindAddress',
        bindAddress,
        'a loopback address (127.0.0.1, ::1), or any address together with a password',
        'keep the default 127.0.0.1, or give stats.password (e.g. a generated random_password)',
      );
    }
    const statsUser = s.user ?? 'admin';
    if (!SIMPLE_NAME.test(statsUser)) {
      fail(path, 'user', statsUser, 'letters, digits, "_", "." and "-"', 'e.g. "admin"');
    }
    if (s.password !== undefined && !isUnresolved(s.password) && s.password.length === 0) {
      fail(
        path,
        'password',
        '',
        'a non-empty password',
        'give a password, or leave it out on a loopback address',
      );
    }
    if (s.admin !== undefined && typeof s.admin !== 'boolean') {
      fail(path, 'admin', s.admin, 'true or false', 'write admin: true for admin actions, or leave it out');
    }
    if (s.admin === true && s.password === undefined) {
      fail(
        path,
        'admin',
        true,
        'admin actions behind a login only (a password)',
        'give stats.password (e.g. a generated random_password) with admin: true',
      );
    }
    const refreshSeconds = s.refreshSeconds ?? 10;
    checkInteger(path, 'refreshSeconds', refreshSeconds, 1, 3600, 'give whole seconds, e.g. 10');
    stats = {
      bind: `${formatHost(bindAddress, { path, what: 'bindAddress' })}:${port}`,
      user: statsUser,
      password: s.password === undefined ? undefined : quoteSecret(s.password, { path, what: 'password' }),
      prometheus: s.prometheus ?? true,
      refreshSeconds,
      admin: s.admin === true,
    };
  }

  const listeners: ResolvedListener[] = [];
  for (const listener of config.listeners) {
    checkUnique(
      where,
      'listener name',
      listener.name,
      listeners.map((l) => l.name),
    );
    const resolved = resolveListener(listener, pools, where);
    for (const port of [resolved.port, ...(resolved.redirectFromPort ? [resolved.redirectFromPort] : [])]) {
      if (usedPorts.includes(port)) {
        fail(
          resolved.path,
          'port',
          port,
          `a port no other listener or the stats page uses (in use: ${usedPorts.join(', ')})`,
          'give each listener its own port (or move the stats page with stats.port)',
        );
      }
      usedPorts.push(port);
    }
    listeners.push(resolved);
  }
  return { paths, user, group, maxConnections, log, timeouts, retries, stats, pools, listeners };
}

/** {@link haproxyQuote} for a secret: a rejection does not print the secret. */
function quoteSecret(secret: string, ctx: { path: string; what: string }): string {
  try {
    return haproxyQuote(secret, ctx);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw new ValidationError({
      path: e.path,
      what: e.what,
      value: '(hidden)',
      allowed: e.allowed,
      fix: e.fix,
    });
  }
}

function resolvePool(pool: HaproxyPool, where: string): ResolvedPool {
  checkName(where, 'pool name', pool.name);
  const path = `${where} pool '${pool.name}'`;
  const o = pool.options;
  const given = o.protocol ?? 'http';
  if (given !== 'http' && given !== 'https' && given !== 'tcp') {
    requireCapability(HAPROXY_CAPABILITIES, path, 'pool protocol', given, false, ['http', 'https', 'tcp']);
  }
  const protocol = given as 'http' | 'https' | 'tcp';
  const algorithm = o.algorithm ?? Algorithm.roundRobin();
  checkPoolRequirements(HAPROXY_CAPABILITIES, path, {
    algorithm,
    stickiness: o.stickiness,
    healthCheck: o.healthCheck,
  });
  if ((algorithm.kind === 'hash-header' || algorithm.kind === 'hash-cookie') && algorithm.key) {
    if (isUnresolved(algorithm.key) || !SIMPLE_NAME.test(algorithm.key)) {
      fail(
        path,
        `${algorithm.kind === 'hash-header' ? 'hash header' : 'hash cookie'} name`,
        algorithm.key,
        'letters, digits, "_", "." and "-"',
        'rename it; other characters cannot be written inside an HAProxy sample fetch',
      );
    }
  }
  if (protocol === 'tcp') {
    if (['hash-header', 'hash-cookie', 'hash-uri'].includes(algorithm.kind)) {
      fail(
        path,
        'algorithm of a tcp pool',
        algorithm.kind,
        'round-robin, least-connections, source-ip, random-two',
        'a layer-4 pool sees no HTTP headers, cookies or URIs; hash the client with Algorithm.sourceIp()',
      );
    }
    if (o.stickiness && o.stickiness.kind !== 'source-ip') {
      fail(
        path,
        'cookie stickiness on a tcp pool',
        String(o.stickiness),
        'Stickiness.sourceIp() on tcp pools',
        'use Stickiness.sourceIp() or make the pool speak HTTP',
      );
    }
  }
  const stickyName = o.stickiness?.cookieName;
  if (stickyName !== undefined && !SIMPLE_NAME.test(stickyName)) {
    fail(
      path,
      'stickiness cookie name',
      stickyName,
      'letters, digits, "_", "." and "-"',
      'rename the cookie',
    );
  }
  const active = o.healthCheck?.active;
  const keepalive = o.keepaliveConnections ?? 32;
  checkInteger(path, 'keepaliveConnections', keepalive, 0, 10000, 'give e.g. 32, or 0 to disable reuse');
  const names = new Set<string>();
  const nodes = pool.nodes.map((node) => {
    const port = literalNumber(node.port, { path, what: `port of node '${node.name}'` });
    checkNode(path, { name: node.name, port, weight: node.weight }, names, true);
    return {
      name: node.name,
      address: `${formatNodeHost(node.host, { path, what: `host of node '${node.name}'` }, 'HAProxy')}:${port}`,
      weight: node.weight,
      backup: !!node.backup,
    };
  });
  return {
    name: pool.name,
    path,
    protocol,
    algorithm,
    stickiness: o.stickiness,
    active,
    maxFails: o.healthCheck?.passive?.maxFails ?? 3,
    keepalive,
    nodes,
    runtimeManaged: checkRuntimePool(path, pool, algorithm),
    timeouts: checkPoolTimeouts(path, o.timeouts),
  };
}

/** HAProxy adds servers at run time only to backends with a dynamic algorithm. */
function checkRuntimePool(path: string, pool: HaproxyPool, algorithm: Algorithm): boolean {
  if (!pool.options.runtimeManaged) return false;
  const hashed = ['hash-header', 'hash-cookie', 'hash-uri'].includes(algorithm.kind);
  if (hashed && !algorithm.consistent) {
    fail(
      path,
      'algorithm of a run-time pool',
      String(algorithm),
      'round robin, least connections, random, source IP, or a consistent hash',
      'HAProxy adds servers at run time only with a dynamic algorithm: give the hash { consistent: true }',
    );
  }
  return true;
}
