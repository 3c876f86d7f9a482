/**
 * Reading pools and listeners back out of the configuration files a self-hosted balancer receives
 * (the host manifests of `webfarm configs`): nginx `upstream` blocks and `server { listen … }`
 * blocks, HAProxy `frontend` / `backend` / `listen` sections. The files are Terraform template
 * text: every `${…}` reference is kept whole (as written) in the addresses returned, so the
 * caller can name the resource it points at.
 */
import { StoredHostFile } from './stacks';
import { parseTemplate } from './terraform-text';

/** A pool node: one `server` line. */
export interface ParsedMember {
  /** The address as written: a literal, or a `${…}` reference. */
  readonly address: string;
  /** The port (as written; empty when the line names none). */
  readonly port: string;
  /** The node's name: HAProxy's server name or the `# name` comment of an nginx line. */
  readonly name?: string;
  /** Flags worth showing: `weight=3`, `backup`, `down`. */
  readonly notes: string[];
}

/** A pool: an nginx `upstream` or an HAProxy `backend`. */
export interface ParsedPool {
  /** Pool name. */
  readonly name: string;
  /** Protocol from webfarm's header comment (`http`, `tcp`, …), if any. */
  readonly protocol?: string;
  /** Algorithm from webfarm's header comment or the `balance` line, if any. */
  readonly algorithm?: string;
  /** The nodes, in file order. */
  readonly members: ParsedMember[];
}

/** A listener: an nginx `server` block's `listen` or an HAProxy `bind`. */
export interface ParsedListener {
  /** Listener name (webfarm's header comment, the HAProxy section name, or `:port`). */
  readonly name: string;
  /** The port (as written). */
  readonly port: string;
  /** `http`, `https`, `tcp`, `udp`, `tls`. */
  readonly protocol: string;
  /** Client networks allowed (`allow` / `src`); empty when nothing restricts them. */
  readonly allowed: string[];
  /** Pools the listener sends to (in order, distinct). */
  readonly pools: string[];
  /** Bound to a loopback address only. */
  readonly local: boolean;
}

/** What one host's balancer configuration declares. */
export interface ParsedBalancerConfig {
  /** Listeners in file order. */
  readonly listeners: ParsedListener[];
  /** Pools in file order. */
  readonly pools: ParsedPool[];
}

const REF = '\u0000';

/** Template text with every `${…}` replaced by a space-free token, and the way back. */
interface Protected {
  readonly text: string;
  readonly restore: (text: string) => string;
}

function protect(content: string): Protected {
  const sources: string[] = [];
  const text = parseTemplate(content)
    .map((part) => {
      if (part.kind === 'literal') return part.text;
      sources.push(part.source);
      return `${REF}${sources.length - 1}${REF}`;
    })
    .join('');
  const pattern = new RegExp(`${REF}(\\d+)${REF}`, 'g');
  return { text, restore: (t) => t.replace(pattern, (_, i: string) => sources[Number(i)] ?? '') };
}

/** Splits `host:port` (IPv6 in brackets, a reference token, or a name). */
function splitHostPort(value: string): { host: string; port: string } {
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return { host: value.slice(0, end + 1), port: value.slice(end + 2) };
  }
  const colon = value.lastIndexOf(':');
  if (colon < 0) return /^\d+$/.test(value) ? { host: '', port: value } : { host: value, port: '' };
  return { host: value.slice(0, colon), port: value.slice(colon + 1) };
}

function isLoopback(host: string): boolean {
  return /^(127\.|localhost$|\[::1\]$|::1$)/.test(host);
}

/** The code part and the comment of one line (`#` outside quotes starts a comment). */
function splitComment(line: string): { code: string; comment: string } {
  let quote = '';
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return { code: line.slice(0, i).trim(), comment: line.slice(i + 1).trim() };
    }
  }
  return { code: line.trim(), comment: '' };
}

const LISTENER_COMMENT = /^Listener '([^']+)' \((\w+) on port (\d+)\)/;
const POOL_COMMENT = /^Pool '([^']+)' \(([\w-]+), (.+)\)/;

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * Pools and listeners of an nginx host: every `upstream` and every `server` block with a
 * `listen` in the files given (nginx.conf, per-pool and per-listener files). The placeholder
 * node `server 127.0.0.1:9 down` of an empty pool is left out.
 */
export function parseNginx(files: readonly StoredHostFile[]): ParsedBalancerConfig {
  const listeners: ParsedListener[] = [];
  const pools: ParsedPool[] = [];
  const pending: Array<{ listener: Omit<ParsedListener, 'pools'>; direct: string[]; variable: boolean }> = [];
  const mapTargets: string[] = [];
  for (const file of files) {
    if (!/\.conf$/.test(file.path)) continue;
    const { text, restore } = protect(file.content);
    const stream = file.path.includes('/stream-');
    let fileListener: { name: string; protocol: string; port: string } | undefined;
    let poolComment: { name: string; protocol: string; algorithm: string } | undefined;
    type Frame =
      | { kind: 'upstream'; pool: ParsedPool }
      | {
          kind: 'server';
          listens: Array<{ port: string; protocol: string; local: boolean }>;
          allowed: string[];
          direct: string[];
          variable: boolean;
        }
      | { kind: 'other'; name: string };
    const stack: Frame[] = [];
    for (const raw of text.split('\n')) {
      const { code, comment } = splitComment(raw);
      if (!code) {
        const listener = LISTENER_COMMENT.exec(comment);
        if (listener) fileListener = { name: listener[1], protocol: listener[2], port: listener[3] };
        const pool = POOL_COMMENT.exec(comment);
        if (pool) poolComment = { name: pool[1], protocol: pool[2], algorithm: pool[3] };
        continue;
      }
      const words = code.replace(/;$/, '').split(/\s+/);
      const top = stack[stack.length - 1];
      const server = [...stack].reverse().find((f) => f.kind === 'server');
      const inStream = stream || stack.some((f) => f.kind === 'other' && f.name === 'stream');
      for (const m of code.matchAll(/https?:\/\/([A-Za-z0-9_.-]+)/g)) mapTargets.push(m[1]);
      if (code.endsWith('{')) {
        if (words[0] === 'upstream' && words.length >= 3) {
          const name = words[1];
          const header = poolComment?.name === name ? poolComment : undefined;
          const pool: ParsedPool = {
            name,
            protocol: header?.protocol ?? (inStream ? 'tcp' : 'http'),
            ...(header ? { algorithm: header.algorithm } : {}),
            members: [],
          };
          pools.push(pool);
          stack.push({ kind: 'upstream', pool });
        } else if (words[0] === 'server' && words.length === 2) {
          stack.push({ kind: 'server', listens: [], allowed: [], direct: [], variable: false });
        } else {
          stack.push({ kind: 'other', name: words[0] });
        }
        continue;
      }
      if (code === '}') {
        const frame = stack.pop();
        if (frame?.kind === 'server') {
          for (const listen of frame.listens) {
            const header = fileListener?.port === listen.port ? fileListener : undefined;
            pending.push({
              listener: {
                name: header?.name ?? fileListener?.name ?? `:${listen.port}`,
                port: restore(listen.port),
                protocol: header?.protocol ?? listen.protocol,
                allowed: frame.allowed.filter((a) => a !== 'all').map(restore),
                local: listen.local,
              },
              direct: frame.direct,
              variable: frame.variable,
            });
          }
        }
        continue;
      }
      if (top?.kind === 'upstream' && words[0] === 'server' && words.length >= 2) {
        const { host, port } = splitHostPort(words[1]);
        const params = words.slice(2);
        if (host === '127.0.0.1' && port === '9' && params.includes('down')) continue;
        top.pool.members.push({
          address: restore(host),
          port: restore(port),
          ...(comment ? { name: restore(comment) } : {}),
          notes: params.filter((p) => /^(weight=|backup$|down$)/.test(p)),
        });
      } else if (server) {
        if (words[0] === 'listen' && words.length >= 2 && top === server) {
          const { host, port } = splitHostPort(words[1]);
          const params = words.slice(2);
          const protocol = params.includes('udp')
            ? 'udp'
            : inStream
              ? params.includes('ssl')
                ? 'tls'
                : 'tcp'
              : params.includes('ssl')
                ? 'https'
                : 'http';
          server.listens.push({ port, protocol, local: isLoopback(host) });
        } else if (words[0] === 'allow' && words.length === 2) server.allowed.push(words[1]);
        else if (words[0] === 'proxy_pass' && words.length === 2) {
          if (words[1].startsWith('$')) server.variable = true;
          else server.direct.push(words[1].replace(/^https?:\/\//, '').replace(/[/:].*$/, ''));
        }
      }
    }
  }
  const poolNames = new Set(pools.map((p) => p.name));
  const mapped = distinct(mapTargets.filter((t) => poolNames.has(t)));
  for (const { listener, direct, variable } of pending) {
    listeners.push({
      ...listener,
      pools: distinct([...direct.filter((d) => poolNames.has(d)), ...(variable ? mapped : [])]),
    });
  }
  return { listeners, pools };
}

/**
 * Pools and listeners of an HAProxy host: `frontend` (`bind`, `tcp-request connection reject
 * unless { src … }`, `default_backend`, `use_backend`), `backend` (`server`, `balance`) and
 * `listen` sections (both) of every file given.
 */
export function parseHaproxy(files: readonly StoredHostFile[]): ParsedBalancerConfig {
  const listeners: ParsedListener[] = [];
  const pools: ParsedPool[] = [];
  for (const file of files) {
    if (!/\.cfg$/.test(file.path)) continue;
    const { text, restore } = protect(file.content);
    let header: { listener?: RegExpExecArray; pool?: RegExpExecArray } = {};
    let section:
      | {
          kind: string;
          name: string;
          binds: Array<{ port: string; ssl: boolean; local: boolean }>;
          mode?: string;
          allowed: string[];
          backends: string[];
          pool?: ParsedPool;
          header: typeof header;
        }
      | undefined;
    const close = (): void => {
      if (!section) return;
      const s = section;
      if (s.kind === 'frontend' || s.kind === 'listen') {
        for (const bind of s.binds) {
          const comment = s.header.listener;
          const mode = s.mode ?? 'http';
          listeners.push({
            name: comment?.[1] ?? s.name,
            port: restore(bind.port),
            protocol:
              comment && comment[3] === bind.port
                ? comment[2]
                : mode === 'tcp'
                  ? bind.ssl
                    ? 'tls'
                    : 'tcp'
                  : bind.ssl
                    ? 'https'
                    : 'http',
            allowed: s.allowed.map(restore),
            pools: distinct(s.kind === 'listen' ? [s.name] : s.backends),
            local: bind.local,
          });
        }
      }
      section = undefined;
    };
    for (const raw of text.split('\n')) {
      const { code, comment } = splitComment(raw);
      if (!code) {
        const listener = LISTENER_COMMENT.exec(comment);
        if (listener) header = { ...header, listener };
        const pool = POOL_COMMENT.exec(comment);
        if (pool) header = { ...header, pool };
        continue;
      }
      const words = code.split(/\s+/);
      if (!/^\s/.test(raw)) {
        close();
        const kind = words[0];
        const name = words[1] ?? '';
        const pool: ParsedPool | undefined =
          kind === 'backend' || kind === 'listen'
            ? {
                name,
                ...(header.pool?.[1] === name ? { protocol: header.pool[2], algorithm: header.pool[3] } : {}),
                members: [],
              }
            : undefined;
        if (pool) pools.push(pool);
        section = { kind, name, binds: [], allowed: [], backends: [], header, ...(pool ? { pool } : {}) };
        header = {};
        continue;
      }
      if (!section) continue;
      if (words[0] === 'bind' && words.length >= 2) {
        const { host, port } = splitHostPort(words[1]);
        section.binds.push({ port, ssl: words.includes('ssl'), local: isLoopback(host) });
      } else if (words[0] === 'mode' && words[1]) section.mode = words[1];
      else if (words[0] === 'default_backend' || words[0] === 'use_backend') {
        if (words[1]) section.backends.push(words[1]);
      } else if (/^(tcp|http)-request$/.test(words[0]) && /\bunless \{ src /.test(code)) {
        const inner = /\{ src ([^}]*)\}/.exec(code);
        section.allowed.push(...(inner ? inner[1].trim().split(/\s+/) : []));
      } else if (words[0] === 'balance' && words[1] && section.pool && !section.pool.algorithm) {
        const pool = section.pool;
        const index = pools.indexOf(pool);
        section.pool = { ...pool, algorithm: words.slice(1).join(' ') };
        pools[index] = section.pool;
      } else if (words[0] === 'server' && words.length >= 3 && section.pool) {
        const { host, port } = splitHostPort(words[2]);
        const params = words.slice(3);
        const notes: string[] = [];
        for (let i = 0; i < params.length; i += 1) {
          if (params[i] === 'weight' && params[i + 1]) notes.push(`weight=${params[i + 1]}`);
          if (params[i] === 'backup' || params[i] === 'disabled') notes.push(params[i]);
        }
        section.pool.members.push({
          address: restore(host),
          port: restore(port),
          name: restore(words[1]),
          notes,
        });
      }
    }
    close();
  }
  return { listeners, pools };
}
