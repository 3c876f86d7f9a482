import {
  Algorithm,
  NGINX_CAPABILITIES,
  checkPoolRequirements,
  checkPoolTimeouts,
} from '../../core/balancing';
import { isUnresolved } from '../../core/tokens';
import {
  checkCidr,
  checkInteger,
  checkName,
  checkNode,
  checkPort,
  checkSeconds,
  checkUnique,
} from '../../core/validate';
import { fail } from '../proxy-common';
import { QuoteContext, formatFilePath, formatNodeHost, literalNumber } from '../quote';
import { resolveListener } from './resolve-listener';
import { ResolvedListener, ResolvedModel, ResolvedPool } from './resolved';
import { NGINX_DEFAULT_PATHS, NginxConfig, NginxPaths, NginxPool, nginxLayout } from './types';

/**
 * Checks `config` and fills in the defaults. `where` starts every message: `nginx`, or the
 * construct path of the balancer followed by `nginx` when a construct renders.
 */
export function resolveModel(config: NginxConfig, where = 'nginx'): ResolvedModel {
  const paths = resolvePaths(config.paths ?? {}, `${where} paths`);
  const user = config.user ?? 'www-data';
  if (!isUnresolved(user) && !/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) {
    fail(where, 'user', user, 'a Unix user name such as "www-data"', 'give the user the workers run as');
  }
  const workerConnections = config.workerConnections ?? 4096;
  checkInteger(where, 'workerConnections', workerConnections, 16, 1048576, 'give e.g. 4096');
  const given = config.timeouts ?? {};
  if (given === null || typeof given !== 'object') {
    fail(where, 'timeouts', given, 'an object such as { readSeconds: 30 }', 'give the timeouts as an object');
  }
  const readSeconds = given.readSeconds ?? 30;
  const connectSeconds = given.connectSeconds ?? 3;
  const timeouts = {
    connectSeconds,
    readSeconds,
    sendSeconds: given.sendSeconds ?? 30,
    nextUpstreamSeconds: given.nextUpstreamSeconds ?? nextUpstreamDefault(connectSeconds, readSeconds),
  };
  for (const [key, value] of Object.entries(timeouts)) checkSeconds(where, `timeouts.${key}`, value, 86400);
  const nextUpstreamTries = config.nextUpstreamTries ?? 3;
  checkInteger(
    where,
    'nextUpstreamTries',
    nextUpstreamTries,
    1,
    10,
    'give how many nodes a request may try, e.g. 3',
  );
  const stream = config.stream ?? true;

  const pools: ResolvedPool[] = [];
  for (const pool of config.pools) {
    checkUnique(
      where,
      'pool name',
      pool.name,
      pools.map((p) => p.name),
    );
    pools.push(resolvePool(pool, stream, where));
  }

  let status: ResolvedModel['status'];
  if (config.status !== false) {
    const s = config.status ?? {};
    const path = `${where} status`;
    const port = s.port ?? 8081;
    checkPort(path, 'port', literalNumber(port, { path, what: 'port' }));
    const statusPath = s.path ?? '/nginx_status';
    if (!/^\/[A-Za-z0-9._~/-]*$/.test(statusPath)) {
      fail(path, 'path', statusPath, 'a URL path of letters, digits and ._~/-', 'e.g. "/nginx_status"');
    }
    const adminCidrs = [...(s.adminCidrs ?? [])];
    for (const cidr of adminCidrs) checkCidr(path, 'adminCidrs entry', cidr);
    status = { port, path: statusPath, adminCidrs };
  }

  const listeners: ResolvedListener[] = [];
  // Ports are taken per transport: a tcp and a udp listener may share one (DNS on 53).
  const usedPorts: string[] = status ? [`${status.port}/tcp`] : [];
  for (const listener of config.listeners) {
    checkUnique(
      where,
      'listener name',
      listener.name,
      listeners.map((l) => l.name),
    );
    const resolved = resolveListener(listener, pools, stream, where);
    const path = resolved.path;
    for (const [i, port] of [
      resolved.port,
      ...(resolved.tls?.redirectFromPort ? [resolved.tls.redirectFromPort] : []),
    ].entries()) {
      const key = `${port}/${i === 0 && resolved.protocol === 'udp' ? 'udp' : 'tcp'}`;
      if (usedPorts.includes(key)) {
        fail(
          path,
          'port',
          port,
          `a port no other listener or the status server uses for the same transport (in use: ${usedPorts.join(', ')})`,
          'give each listener its own port (or move the status server with status.port)',
        );
      }
      usedPorts.push(key);
    }
    listeners.push(resolved);
  }

  return {
    layout: nginxLayout(paths),
    paths,
    user,
    workerConnections,
    status,
    stream,
    timeouts,
    nextUpstreamTries,
    pools,
    listeners,
  };
}

/**
 * The default `proxy_next_upstream_timeout`: one connect and read timeout, so a request that
 * timed out on one node is still tried on the next, but not on a third: a client waits at most
 * about twice the read timeout even when every node hangs.
 */
export function nextUpstreamDefault(connectSeconds: number, readSeconds: number): number {
  return typeof connectSeconds === 'number' && typeof readSeconds === 'number'
    ? connectSeconds + readSeconds
    : readSeconds;
}

function resolvePaths(given: NginxPaths, where: string): Required<NginxPaths> {
  const paths = { ...NGINX_DEFAULT_PATHS, ...given };
  for (const key of ['confDir', 'logDir', 'pidFile', 'tempDir', 'cacheDir'] as const) {
    formatFilePath(paths[key], { path: where, what: key });
    paths[key] = paths[key].replace(/(.)\/+$/, '$1');
  }
  if (paths.modulesInclude !== false && !/^\/[A-Za-z0-9._/@+*-]*$/.test(paths.modulesInclude)) {
    fail(
      where,
      'modulesInclude',
      paths.modulesInclude,
      'an absolute path or glob of letters, digits and ._/@+-*',
      'e.g. "/etc/nginx/modules-enabled/*.conf", or false',
    );
  }
  return paths;
}

export const NGINX_HEADER_NAME = /^[A-Za-z0-9-]+$/;

function resolvePool(pool: NginxPool, streamEnabled: boolean, where: string): ResolvedPool {
  checkName(where, 'pool name', pool.name);
  const path = `${where} pool '${pool.name}'`;
  const o = pool.options;
  const protocol = o.protocol ?? 'http';
  if (!['http', 'https', 'tcp', 'udp'].includes(protocol)) {
    fail(path, 'protocol', protocol, '"http", "https", "tcp" or "udp"', 'say what the nodes speak');
  }
  const stream = protocol === 'tcp' || protocol === 'udp';
  if (stream && !streamEnabled) {
    fail(
      path,
      'protocol',
      protocol,
      '"http" or "https" (stream is off)',
      'set stream: true to balance tcp/udp',
    );
  }
  const algorithm = o.algorithm ?? Algorithm.roundRobin();
  checkPoolRequirements(NGINX_CAPABILITIES, path, {
    algorithm,
    stickiness: o.stickiness,
    healthCheck: o.healthCheck,
  });
  if (algorithm.kind === 'hash-header' && algorithm.key && !isUnresolved(algorithm.key)) {
    if (!NGINX_HEADER_NAME.test(algorithm.key)) {
      fail(
        path,
        'hash header name',
        algorithm.key,
        'letters, digits and "-" (nginx names the header as $http_<name>, and drops headers with "_")',
        'rename the header, or use HaproxyBalancer, which hashes any header name',
      );
    }
  }
  if (algorithm.kind === 'hash-cookie' && algorithm.key && !/^[A-Za-z0-9_]+$/.test(algorithm.key)) {
    fail(
      path,
      'hash cookie name',
      algorithm.key,
      'letters, digits and "_" (nginx reads the cookie as $cookie_<name>)',
      'rename the cookie, or use HaproxyBalancer, which hashes any cookie name',
    );
  }
  if (stream && ['hash-header', 'hash-cookie', 'hash-uri'].includes(algorithm.kind)) {
    fail(
      path,
      `algorithm of a ${protocol} pool`,
      algorithm.kind,
      'round-robin, least-connections, source-ip, random-two',
      'a layer-4 pool sees no HTTP headers, cookies or URIs; hash the client with Algorithm.sourceIp()',
    );
  }
  if (o.stickiness && !['round-robin', 'source-ip'].includes(algorithm.kind)) {
    fail(
      path,
      'stickiness with this algorithm (nginx)',
      `${o.stickiness} with ${algorithm}`,
      'source-ip stickiness with round-robin only',
      'nginx keeps clients on a node by hashing their address, which replaces the algorithm: use Algorithm.sourceIp()',
    );
  }
  const keepalive = o.keepaliveConnections ?? 32;
  checkInteger(path, 'keepaliveConnections', keepalive, 0, 10000, 'give e.g. 32, or 0 to disable');
  const timeouts = checkPoolTimeouts(path, o.timeouts) ?? {};
  const passive = o.healthCheck?.passive ?? {};
  const maxFails = passive.maxFails ?? 3;
  const failTimeoutSeconds = passive.failTimeoutSeconds ?? 30;
  const backupAllowed = algorithm.kind === 'round-robin' || algorithm.kind === 'least-connections';
  const names = new Set<string>();
  const nodes = pool.nodes.map((node) => {
    const ctx: QuoteContext = { path, what: `host of node '${node.name}'` };
    const port = literalNumber(node.port, { path, what: `port of node '${node.name}'` });
    checkNode(path, { name: node.name, port, weight: node.weight }, names, true);
    if (node.backup && !backupAllowed) {
      fail(
        path,
        `backup node '${node.name}'`,
        String(algorithm),
        'backup nodes with round-robin or least-connections',
        'nginx cannot keep a backup node in a hashing or random pool: drop `backup` or change the algorithm',
      );
    }
    return {
      name: node.name,
      address: `${formatNodeHost(node.host, ctx, 'nginx')}:${port}`,
      weight: node.weight,
      backup: !!node.backup,
    };
  });
  return {
    name: pool.name,
    path,
    stream,
    protocol,
    algorithm,
    stickiness: o.stickiness,
    maxFails,
    failTimeoutSeconds,
    keepalive,
    timeouts: { connectSeconds: timeouts.connectSeconds, responseSeconds: timeouts.responseSeconds },
    nodes,
    runtimeManaged: o.runtimeManaged === true,
  };
}
