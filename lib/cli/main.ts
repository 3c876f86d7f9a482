/**
 * The `webfarm` command line (DESIGN "The command line"). It reads a synthesized `cdktf.out` and
 * never loads cdktf, constructs or the constructs of this library, so it starts fast and works
 * on any folder of synthesized JSON.
 */
import * as path from 'path';
import { formatSummary, writeConfigs } from './configs';
import { CliError } from './errors';
import { nodesCommand } from './nodes';
import { reviewCommand } from './review';

/** Where the command writes and which folder it resolves relative paths against. */
export interface CliIo {
  /** Writes to standard output. */
  readonly stdout: (text: string) => void;
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
  /** The working folder. */
  readonly cwd: string;
}

/** Top-level help. */
export const USAGE = `Usage: webfarm <command> [options]

Commands:
  configs [DIR] --out OUT [--local-paths]
                   Write every file a synthesized stack puts on its hosts, one folder per host,
                   with Terraform references replaced by documentation addresses.
  review [--base BASE_DIR] [DIR] [--fail-on KINDS]
                   Print Markdown for a pull-request comment: topology, pools and members, who
                   can reach what, and the diff with replacements and broader exposure first.
  nodes get|add|delete POOL [HOST:PORT...] (--balancer STACK/PATH | --config FILE)
                   Read or change a pool of a running nginx or HAProxy balancer over SSH.

Options:
  -h, --help       Show this help; \`webfarm <command> --help\` shows a command's help.
`;

/** Help of `webfarm configs`. */
export const CONFIGS_USAGE = `Usage: webfarm configs [DIR] --out OUT [--local-paths]

Reads the synthesized stacks in DIR (default ./cdktf.out; run \`npm run synth\` or
\`npx cdktf synth\` first) and writes every file each host receives (cloud-init user data and the
files it writes, files pushed over SSH: nginx.conf and per-pool files, haproxy.cfg,
keepalived.conf, …) to OUT/<stack>/<host>/<path on the host>, so you can read exactly what lands.

  - Terraform references become stable placeholders: private addresses 192.0.2.x, floating
    (public) addresses 198.51.100.x, secrets example-secret-N, other values
    example-<resource>-<attribute>. OUT/<stack>/addresses.json maps every reference to its
    placeholder; OUT/<stack>/<host>/webfarm-manifest.json lists each file's owner, mode,
    delivery (cloud-init or ssh), check command, and the placeholders it contains.
  - Terraform escapes are undone: $\${ becomes \${ and %%{ becomes %{.

Options:
  --out OUT        Output folder (required). A stack folder an earlier run wrote is replaced.
  --local-paths    Also rewrite absolute host paths inside the files (/etc/, /var/, /run/, /srv/,
                   /usr/share/, /opt/, /tmp/) to their place under OUT, create the folders they
                   need, write throw-away self-signed certificates where a certificate is expected,
                   and copy (or stub) included files no manifest provides, so that
                     nginx -t -c OUT/<stack>/<host>/etc/nginx/nginx.conf
                     haproxy -c -f OUT/<stack>/<host>/etc/haproxy/haproxy.cfg
                     keepalived -t -f OUT/<stack>/<host>/etc/keepalived/keepalived.conf
                   check them on this machine. Only paths change (and nginx temp paths are added);
                   user/group directives stay as on the host.
  -h, --help       Show this help.

Exit status: 0 written, 1 unreadable stack or unwritable output, 2 bad usage or missing DIR.
`;

/** The process's own streams and working folder. */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
};

/**
 * Runs any command, `nodes` (which talks to hosts) included, and resolves to the exit status:
 * 0 done, 1 failure, 2 bad usage. What `bin/webfarm.js` calls.
 * @param argv the arguments after the program name
 */
export async function run(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  if (argv[0] === 'nodes')
    return nodesCommand(argv.slice(1), io).catch((error: unknown) => report(error, io));
  return main(argv, io);
}

/**
 * Runs the command line and returns the exit status: 0 done, 1 failure, 2 bad usage. The
 * commands that read `cdktf.out` only; {@link run} runs `nodes` too.
 * @param argv the arguments after the program name
 */
export function main(argv: readonly string[], io: CliIo = processIo): number {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) throw usage('missing command', USAGE);
    if (command === '-h' || command === '--help' || command === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    if (command === 'configs') return configs(rest, io);
    if (command === 'review') return reviewCommand(rest, io);
    if (command === 'nodes') throw new CliError(2, 'nodes talks to hosts: call run(), not main()');
    throw usage(`unknown command ${JSON.stringify(command)}`, USAGE);
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof CliError) {
    io.stderr(`webfarm: ${error.message}\n`);
    return error.exitCode;
  }
  io.stderr(`webfarm: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}

function configs(args: readonly string[], io: CliIo): number {
  let dir: string | undefined;
  let out: string | undefined;
  let localPaths = false;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '-h' || arg === '--help') {
      io.stdout(CONFIGS_USAGE);
      return 0;
    }
    if (arg === '--local-paths') localPaths = true;
    else if (arg === '--out' || arg === '-o') {
      const value = args[i + 1];
      if (value === undefined || value === '') throw usage(`${arg} needs a folder`, CONFIGS_USAGE);
      out = value;
      i += 1;
    } else if (arg.startsWith('--out=')) {
      out = arg.slice('--out='.length);
      if (out === '') throw usage('--out needs a folder', CONFIGS_USAGE);
    } else if (arg.startsWith('-') && arg !== '-')
      throw usage(`unknown option ${JSON.stringify(arg)}`, CONFIGS_USAGE);
    else if (dir === undefined) dir = arg;
    else throw usage(`unexpected argument ${JSON.stringify(arg)} (one DIR only)`, CONFIGS_USAGE);
  }
  if (out === undefined) throw usage('configs needs --out OUT', CONFIGS_USAGE);
  const shownDir = dir ?? 'cdktf.out';
  const outDir = path.resolve(io.cwd, out);
  const result = writeConfigs({
    dir: path.resolve(io.cwd, shownDir),
    out: outDir,
    localPaths,
    shownDir,
  });
  io.stdout(formatSummary(result, outDir, localPaths));
  return 0;
}

function usage(message: string, text: string): CliError {
  return new CliError(2, `${message}\n\n${text}`);
}
