import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliError } from './errors';

/**
 * `webfarm configs --local-paths`: moves the host file system a configuration refers to under
 * the output folder, so `nginx -t`, `haproxy -c`, `keepalived -t` can check the files on any
 * machine that has the daemons.
 */

/** The folders whose absolute paths are rewritten (the host's own file system, not the OS's binaries). */
export const HOST_PATH_PREFIXES = ['/etc/', '/var/', '/run/', '/srv/', '/usr/share/', '/opt/', '/tmp/'];

/**
 * An absolute path token: it starts one of {@link HOST_PATH_PREFIXES} right after the start of a
 * line, whitespace, a quote, `=`, `:`, `;`, `(`, `,`, `[` or an escaped `\n`/`\t` (text inside a
 * JSON/YAML string), and runs over path characters. `http://x/etc/` does not match: its `/etc/`
 * follows a letter.
 */
const PATH_TOKEN =
  /(?<=^|[\s"'=:;(,[]|\\[nt])\/(?:etc|var|run|srv|opt|tmp|usr\/share)\/[A-Za-z0-9._@+*?~/-]*/gm;

/** nginx: relative `include` resolves against the configuration prefix, /etc/nginx. */
const NGINX_RELATIVE_INCLUDE = /(?<=^|[\s;{])include\s+([A-Za-z0-9._-][A-Za-z0-9._@+*?~/-]*)\s*;/gm;

/** True when `target` is a folder name safe to substitute into configuration files. */
export function isSafeLocalRoot(target: string): boolean {
  return /^\/[A-Za-z0-9._@+~/-]*$/.test(target);
}

/** Rewrites every host path token in `text` to the same path under `hostRoot` (an absolute folder). */
export function rewriteHostPaths(text: string, hostRoot: string): string {
  const root = hostRoot.replace(/\/+$/, '');
  return text.replace(PATH_TOKEN, (hostPath) => `${root}${hostPath}`);
}

/** One place a configuration file names a path on its host. */
export interface PathUse {
  /** The path on the host, as named. */
  readonly path: string;
  /** The first word of the line (`ssl_certificate`, `bind`, `include`, `errorfile`, …). */
  readonly directive: string;
  /** The word right before the path (`crt` in `bind :443 ssl crt /etc/…`). */
  readonly previous: string;
}

/**
 * The host paths named in `content`, a file that lives at `filePath` on its host (its place
 * decides how nginx's relative includes resolve).
 */
export function findPathUses(content: string, filePath: string): PathUse[] {
  const uses: PathUse[] = [];
  for (const match of content.matchAll(PATH_TOKEN)) {
    uses.push({ path: match[0], ...lineContext(content, match.index ?? 0) });
  }
  if (filePath.startsWith('/etc/nginx/')) {
    for (const match of content.matchAll(NGINX_RELATIVE_INCLUDE)) {
      uses.push({ path: path.posix.join('/etc/nginx', match[1]), directive: 'include', previous: 'include' });
    }
  }
  return uses;
}

function lineContext(content: string, index: number): { directive: string; previous: string } {
  const newline = content.lastIndexOf('\n', index - 1);
  const escaped = index >= 2 ? content.lastIndexOf('\\n', index - 2) : -1;
  const start = Math.max(newline + 1, escaped >= 0 ? escaped + 2 : 0);
  const words = content
    .slice(start, index)
    .split(/(?:[\s"'{]|\\[nt])+/)
    .filter(Boolean);
  const clean = (w: string | undefined): string => (w ?? '').toLowerCase().replace(/[=:]+$/, '');
  return { directive: clean(words[0]), previous: clean(words[words.length - 1]) };
}

/** How a named path must exist for the configuration to load. */
export type NeedKind =
  | 'glob'
  | 'directory'
  | 'output'
  | 'certificate'
  | 'key'
  | 'certificate-and-key'
  | 'certificate-directory'
  | 'input'
  | 'other';

const KEY_WORDS = new Set(['ssl_certificate_key', 'tls-key-file', 'key', 'ssl_key', 'tls_key']);
const CA_WORDS = new Set([
  'ca-file',
  'crl-file',
  'ssl_trusted_certificate',
  'ssl_client_certificate',
  'tls-ca-cert-file',
  'ca_file',
]);
const CERT_WORDS = new Set(['ssl_certificate', 'tls-cert-file', 'cert', 'ssl_cert', 'tls_cert']);
const DIRECTORY_WORDS = new Set(['chroot', 'dir', 'root', 'alias', 'data_directory', 'working_directory']);
const OUTPUT_WORDS = new Set([
  'error_log',
  'access_log',
  'pid',
  'pidfile',
  'logfile',
  'socket',
  'unixsocket',
  'unix',
  'lock_file',
  'server-state-file',
]);
const SOCKET_WORDS = new Set(['socket', 'unixsocket', 'unix']);
const INPUT_WORDS = new Set([
  'include',
  'errorfile',
  'auth_basic_user_file',
  'lua-load',
  'ssl-dh-param-file',
]);

/** What `use` needs to exist: a folder, a parent folder, a certificate, an included file, … */
export function classifyUse(use: PathUse): NeedKind {
  const p = use.path;
  const prev = use.previous;
  if (/[*?]/.test(p)) return 'glob';
  if (KEY_WORDS.has(prev)) return 'key';
  if (CA_WORDS.has(prev)) return 'certificate';
  if (prev === 'crt') return /\.(pem|crt|cer)$/.test(p) ? 'certificate-and-key' : 'certificate-directory';
  if (CERT_WORDS.has(prev)) return /\.pem$/.test(p) ? 'certificate-and-key' : 'certificate';
  if (/\.key$/.test(p)) return 'key';
  if (/\.pem$/.test(p)) return 'certificate-and-key';
  if (/\.(crt|cer)$/.test(p)) return 'certificate';
  if (p.endsWith('/') || DIRECTORY_WORDS.has(prev) || /_(temp|cache)_path$/.test(prev)) return 'directory';
  if (
    OUTPUT_WORDS.has(prev) ||
    /\.(log|pid|sock|lock)$/.test(p) ||
    /^\/(var\/log|run|var\/run|tmp)\//.test(p)
  ) {
    return 'output';
  }
  if (INPUT_WORDS.has(use.directive) || INPUT_WORDS.has(prev)) return 'input';
  return 'other';
}

/**
 * The longest Unix socket path the daemons accept: HAProxy binds a temporary name (the path plus
 * `.<pid>.tmp`) within the kernel's 108-byte `sun_path`, and refuses paths over 97 characters.
 */
export const MAX_SOCKET_PATH = 97;

/**
 * Refuses a `--local-paths` folder so deep that a Unix socket the configuration names would
 * exceed {@link MAX_SOCKET_PATH} once moved under `hostRoot` (the daemon would refuse to start).
 * @throws CliError (exit 2) naming the socket, its local length and a shorter folder to use
 */
export function checkLocalSocketPaths(uses: readonly PathUse[], hostRoot: string): void {
  for (const use of uses) {
    const isSocket = SOCKET_WORDS.has(use.previous) || use.path.endsWith('.sock');
    const local = path.join(hostRoot, use.path);
    if (isSocket && local.length > MAX_SOCKET_PATH) {
      throw new CliError(
        2,
        `--local-paths: the socket ${use.path} becomes ${local} (${local.length} characters), but Unix ` +
          `socket paths may have at most ${MAX_SOCKET_PATH}; give a shorter --out, e.g. /tmp/wf`,
      );
    }
  }
}

/** What `--local-paths` made under a host's folder beyond the manifest's own files. */
export interface LocalFile {
  /** The path on the host. */
  readonly path: string;
  /** What was made there. */
  readonly kind:
    | 'directory'
    | 'self-signed certificate'
    | 'self-signed key'
    | 'self-signed certificate and key'
    | 'copied from this machine'
    | 'placeholder';
}

/** Options of {@link prepareLocalFiles}. */
export interface PrepareLocalFilesOptions {
  /** The host's folder under OUT (absolute). */
  readonly hostRoot: string;
  /** Every path use found in the host's files. */
  readonly uses: readonly PathUse[];
  /** The paths the manifests write (never overwritten). */
  readonly provided: ReadonlySet<string>;
  /**
   * Where this machine's own files are looked up for included files that no manifest provides
   * (`/etc/nginx/mime.types`).
   * @default '/'
   */
  readonly machineRoot?: string;
}

/**
 * Creates under `hostRoot` what the host paths named by the configuration need: folders (log,
 * data, chroot, include globs), parent folders of written files (logs, pid files, sockets), a
 * throw-away self-signed certificate and key (one pair per host, so certificate and key always
 * match) where a certificate is expected, and included files that no manifest provides (copied
 * from this machine when it has them, otherwise an empty placeholder).
 */
export function prepareLocalFiles(options: PrepareLocalFilesOptions): LocalFile[] {
  const machineRoot = options.machineRoot ?? '/';
  const kinds = new Map<string, Set<NeedKind>>();
  for (const use of options.uses) {
    const set = kinds.get(use.path) ?? new Set<NeedKind>();
    set.add(classifyUse(use));
    kinds.set(use.path, set);
  }
  const made: LocalFile[] = [];
  let pair: SelfSigned | undefined;
  const certificate = (): SelfSigned => (pair ??= generateSelfSigned());
  const local = (hostPath: string): string => path.join(options.hostRoot, hostPath);
  const mkdir = (hostPath: string, record: boolean): void => {
    const target = local(hostPath);
    if (fs.existsSync(target)) return;
    fs.mkdirSync(target, { recursive: true });
    if (record) made.push({ path: hostPath.replace(/\/+$/, '') || '/', kind: 'directory' });
  };
  const write = (hostPath: string, content: string, kind: LocalFile['kind'], mode = 0o644): void => {
    fs.mkdirSync(path.dirname(local(hostPath)), { recursive: true });
    fs.writeFileSync(local(hostPath), content, { mode });
    made.push({ path: hostPath, kind });
  };
  for (const hostPath of [...kinds.keys()].sort()) {
    const need = decide(kinds.get(hostPath) ?? new Set());
    if (need === 'glob') {
      const dir = hostPath.slice(0, hostPath.search(/[*?]/)).replace(/[^/]*$/, '');
      mkdir(dir, true);
      // Files the distribution keeps there (nginx's modules-enabled/*.conf module loaders) are
      // part of what the configuration includes: copy the matching ones this machine has.
      for (const name of machineFilesMatching(path.join(machineRoot, dir), hostPath.slice(dir.length))) {
        const hostFile = path.posix.join(dir, name);
        if (options.provided.has(hostFile) || fs.existsSync(local(hostFile))) continue;
        fs.copyFileSync(path.join(machineRoot, hostFile), local(hostFile));
        fs.chmodSync(local(hostFile), 0o644);
        made.push({ path: hostFile, kind: 'copied from this machine' });
      }
      continue;
    }
    if (options.provided.has(hostPath) || fs.existsSync(local(hostPath))) continue;
    switch (need) {
      case 'directory':
        mkdir(hostPath, true);
        break;
      case 'output':
        mkdir(path.posix.dirname(hostPath), false);
        break;
      case 'certificate':
        write(hostPath, certificate().cert, 'self-signed certificate');
        break;
      case 'key':
        write(hostPath, certificate().key, 'self-signed key', 0o600);
        break;
      case 'certificate-and-key':
        write(hostPath, certificate().cert + certificate().key, 'self-signed certificate and key', 0o600);
        break;
      case 'certificate-directory':
        mkdir(hostPath, true);
        write(
          path.posix.join(hostPath, 'webfarm-self-signed.pem'),
          certificate().cert + certificate().key,
          'self-signed certificate and key',
          0o600,
        );
        break;
      case 'input': {
        const real = path.join(machineRoot, hostPath);
        if (isFile(real)) {
          fs.mkdirSync(path.dirname(local(hostPath)), { recursive: true });
          fs.copyFileSync(real, local(hostPath));
          fs.chmodSync(local(hostPath), 0o644);
          made.push({ path: hostPath, kind: 'copied from this machine' });
        } else {
          write(hostPath, '', 'placeholder');
        }
        break;
      }
      default: {
        const real = path.join(machineRoot, hostPath);
        if (fs.existsSync(real) && fs.statSync(real).isDirectory()) mkdir(hostPath, true);
        else mkdir(path.posix.dirname(hostPath), false);
      }
    }
  }
  return made;
}

/** Names of the regular files (symlinks followed) in `dir` matching a one-segment glob. */
function machineFilesMatching(dir: string, glob: string): string[] {
  if (glob.includes('/')) return [];
  const pattern = new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => pattern.test(name) && isFile(path.join(dir, name))).sort();
}

function decide(kinds: Set<NeedKind>): NeedKind {
  const hasCert = kinds.has('certificate') || kinds.has('certificate-and-key');
  const hasKey = kinds.has('key') || kinds.has('certificate-and-key');
  if (hasCert && hasKey) return 'certificate-and-key';
  const order: NeedKind[] = [
    'glob',
    'certificate-directory',
    'certificate',
    'key',
    'directory',
    'input',
    'output',
    'other',
  ];
  return order.find((k) => kinds.has(k)) ?? 'other';
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** A PEM certificate and its unencrypted PEM key. */
export interface SelfSigned {
  /** The certificate (PEM). */
  readonly cert: string;
  /** The private key (PEM). */
  readonly key: string;
}

/**
 * A throw-away self-signed certificate for `CN=localhost`, valid two days, made by `openssl req`.
 * @throws CliError when openssl is missing or fails
 */
export function generateSelfSigned(): SelfSigned {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webfarm-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') };
  } catch (error) {
    throw new CliError(
      1,
      `--local-paths needs openssl to write throw-away certificates: ${(error as Error).message.split('\n')[0]}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const NGINX_TEMP_PATHS = [
  ['client_body_temp_path', 'body'],
  ['proxy_temp_path', 'proxy'],
  ['fastcgi_temp_path', 'fastcgi'],
  ['uwsgi_temp_path', 'uwsgi'],
  ['scgi_temp_path', 'scgi'],
] as const;

/**
 * For an nginx main configuration (one with an `http {` block): adds the temp path directives it
 * does not set, pointing under `hostRoot`/var/lib/nginx, so `nginx -t` creates nothing outside
 * OUT (nginx otherwise creates its compiled-in temp folders, which fails for a non-root user).
 * Returns the text unchanged when it has no `http {` block. The caller creates `directories`.
 */
export function addNginxTempPaths(
  content: string,
  hostRoot: string,
): { content: string; added: string[]; directories: string[] } {
  const http = /^([ \t]*)http\s*\{[ \t]*\n?/m.exec(content);
  const missing = NGINX_TEMP_PATHS.filter(([directive]) => !new RegExp(`\\b${directive}\\b`).test(content));
  if (!http || missing.length === 0) return { content, added: [], directories: [] };
  const indent = `${http[1]}    `;
  const root = hostRoot.replace(/\/+$/, '');
  const directories = missing.map(([, dir]) => `${root}/var/lib/nginx/${dir}`);
  const lines = missing.map(([directive], i) => `${indent}${directive} ${directories[i]};\n`);
  const at = http.index + http[0].length;
  const head = content.slice(0, at);
  return {
    content: `${head}${head.endsWith('\n') ? '' : '\n'}${lines.join('')}${content.slice(at)}`,
    added: missing.map(([directive]) => directive),
    directories,
  };
}
