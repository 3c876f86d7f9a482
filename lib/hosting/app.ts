import { CloudConfig } from '../config/cloud-init';
import { SystemdDirective, checkAbsolutePath, renderSystemdUnit } from '../config/systemd';
import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';

/** Options of {@link WorkerApp.systemd}. */
export interface SystemdAppOptions {
  /**
   * The command line of the app (`ExecStart=`), e.g. `/opt/app/bin/server --port 8080`. systemd
   * expands `${NAME}`/`$NAME` from the environment file here: write `$$` for a literal `$`. A `%`
   * is written as `%%`, so it stays literal (no systemd specifiers).
   */
  readonly execStart: string;
  /**
   * The user the app runs as (`User=`), which must exist on the image or be created by a
   * cloud-config fragment.
   * @default - a transient user (`DynamicUser=yes`) with a private state directory
   * `/var/lib/webfarm-<group>` (`$STATE_DIRECTORY`); give `'root'` to run as root
   */
  readonly user?: string;
  /**
   * The working directory (`WorkingDirectory=`).
   * @default - the state directory for a transient user, else the user's home
   */
  readonly workingDirectory?: string;
  /**
   * When systemd restarts the app (`Restart=`).
   * @default 'always'
   */
  readonly restart?: 'always' | 'on-failure' | 'no';
  /**
   * A one-line description (`Description=`).
   * @default - "webfarm app <group>"
   */
  readonly description?: string;
}

/** Options of {@link WorkerApp.dockerCompose}. */
export interface DockerComposeAppOptions {
  /**
   * The compose file (YAML text), written to `/opt/webfarm/<group>/compose.yaml`. The
   * environment file is sourced by the shell before `docker compose up`, so every variable is in
   * compose's environment: pass one to a service with `environment: [NAME]` (value taken
   * verbatim) or interpolate it with `${NAME}`. Do not list the environment file under
   * `env_file:`: compose's own `.env` parser reads quotes differently. Give services
   * `restart: unless-stopped` so they come back after a reboot.
   */
  readonly composeFile: string;
  /**
   * Packages that provide `docker` and `docker compose`.
   * @default ['docker.io', 'docker-compose-v2'] (Ubuntu 22.04 and later; on Debian 13 use
   * `['docker.io', 'docker-compose']`)
   */
  readonly packages?: string[];
}

/** Where an app's files go on a worker, and what to call things. */
export interface WorkerAppContext {
  /** The group name (`web`): names the unit, the compose project and directories. */
  readonly name: string;
  /** The environment file's path. */
  readonly envFilePath: string;
  /** Construct path, for errors. */
  readonly path: string;
}

/** What an app adds to a worker's cloud-config: files first, the start command last. */
export interface WorkerAppConfig {
  /** Packages and files. */
  readonly setup: CloudConfig;
  /** The commands that start the app (run after every other fragment's commands). */
  readonly start: CloudConfig;
}

type AppSpec =
  | { readonly kind: 'systemd'; readonly options: SystemdAppOptions }
  | { readonly kind: 'docker-compose'; readonly options: DockerComposeAppOptions };

/**
 * How a worker starts the application, with the group's environment file:
 *
 * - `WorkerApp.systemd({ execStart })`: a unit `webfarm-<group>.service` with
 *   `EnvironmentFile=/etc/webfarm/<group>.env`, enabled and started at first boot;
 * - `WorkerApp.dockerCompose({ composeFile })`: docker and compose installed, the compose file
 *   written, and `docker compose up --detach` run with the environment file sourced.
 */
export class WorkerApp {
  /** The app is a command run by a systemd service. */
  public static systemd(options: SystemdAppOptions): WorkerApp {
    return new WorkerApp({ kind: 'systemd', options });
  }

  /** The app is a docker compose project. */
  public static dockerCompose(options: DockerComposeAppOptions): WorkerApp {
    return new WorkerApp({ kind: 'docker-compose', options });
  }

  private constructor(private readonly spec: AppSpec) {}

  /** `systemd` or `docker-compose`. */
  public get kind(): 'systemd' | 'docker-compose' {
    return this.spec.kind;
  }

  /** Checks the options (throws {@link ValidationError}). */
  public validate(path: string): void {
    if (this.spec.kind === 'systemd') {
      const o = this.spec.options;
      checkLine(
        path,
        'app execStart',
        o.execStart,
        'the command line of the app, e.g. "/opt/app/bin/server --port 8080"',
        'give one command; put several steps in a script and start that',
      );
      if (o.description !== undefined) {
        checkLine(path, 'app description', o.description, 'a short text', 'describe the app in one line');
      }
      if (o.user !== undefined && !isUnresolved(o.user) && !/^[a-z_][a-z0-9_-]{0,31}$/.test(o.user)) {
        throw new ValidationError({
          path,
          what: 'app user',
          value: o.user,
          allowed: 'a Linux user name: lowercase letters, digits, "_" and "-", at most 32 characters',
          fix: 'name an existing user, or leave user unset for a transient one',
        });
      }
      if (o.workingDirectory !== undefined)
        checkAbsolutePath(path, 'app workingDirectory', o.workingDirectory);
      if (o.restart !== undefined && !['always', 'on-failure', 'no'].includes(o.restart)) {
        throw new ValidationError({
          path,
          what: 'app restart',
          value: o.restart,
          allowed: '"always", "on-failure" or "no"',
          fix: 'pick one of them',
        });
      }
      return;
    }
    const o = this.spec.options;
    if (typeof o.composeFile !== 'string' || (!isUnresolved(o.composeFile) && o.composeFile.trim() === '')) {
      throw new ValidationError({
        path,
        what: 'app composeFile',
        value: o.composeFile,
        allowed: 'the YAML text of a compose file',
        fix: 'pass the compose file content, e.g. fs.readFileSync("compose.yaml", "utf8")',
      });
    }
    if (o.packages !== undefined && o.packages.length === 0) {
      throw new ValidationError({
        path,
        what: 'app packages',
        value: o.packages,
        allowed: 'the packages that provide docker and docker compose',
        fix: "leave packages unset for Ubuntu's docker.io and docker-compose-v2",
      });
    }
  }

  /** The app's cloud-config for one group. */
  public bind(context: WorkerAppContext): WorkerAppConfig {
    this.validate(context.path);
    return this.spec.kind === 'systemd'
      ? bindSystemd(this.spec.options, context)
      : bindCompose(this.spec.options, context);
  }
}

/** The unit's file name: `webfarm-<group>.service`. */
export function appUnitName(groupName: string): string {
  return `webfarm-${groupName}.service`;
}

/** Renders the systemd unit of an app (exported for tests with `systemd-analyze verify`). */
export function renderAppUnit(options: SystemdAppOptions, context: WorkerAppContext): string {
  const dynamic = options.user === undefined;
  const workingDirectory =
    options.workingDirectory ?? (dynamic ? `/var/lib/webfarm-${context.name}` : undefined);
  const service: SystemdDirective[] = [
    ['Type', 'simple'],
    ['EnvironmentFile', context.envFilePath],
    ['ExecStart', options.execStart],
    ['Restart', options.restart ?? 'always'],
    ['RestartSec', '5'],
    ...(dynamic
      ? ([
          ['DynamicUser', 'yes'],
          ['StateDirectory', `webfarm-${context.name}`],
        ] as SystemdDirective[])
      : ([['User', options.user]] as SystemdDirective[])),
    ...(workingDirectory !== undefined
      ? ([['WorkingDirectory', workingDirectory]] as SystemdDirective[])
      : []),
    // Lets a non-root app listen on ports below 1024 (the seed Octavia guide serves port 80).
    ...(options.user === 'root'
      ? []
      : ([['AmbientCapabilities', 'CAP_NET_BIND_SERVICE']] as SystemdDirective[])),
  ];
  return renderSystemdUnit(
    {
      name: appUnitName(context.name),
      sections: [
        {
          name: 'Unit',
          directives: [
            ['Description', options.description ?? `webfarm app ${context.name}`],
            ['Wants', 'network-online.target'],
            ['After', 'network-online.target'],
          ],
        },
        { name: 'Service', directives: service },
        { name: 'Install', directives: [['WantedBy', 'multi-user.target']] },
      ],
    },
    `${context.path} app`,
  );
}

function bindSystemd(options: SystemdAppOptions, context: WorkerAppContext): WorkerAppConfig {
  const unit = appUnitName(context.name);
  return {
    setup: {
      writeFiles: [{ path: `/etc/systemd/system/${unit}`, content: renderAppUnit(options, context) }],
    },
    start: {
      runcmd: [
        ['systemctl', 'daemon-reload'],
        ['systemctl', 'enable', '--now', unit],
      ],
    },
  };
}

function bindCompose(options: DockerComposeAppOptions, context: WorkerAppContext): WorkerAppConfig {
  const dir = `/opt/webfarm/${context.name}`;
  const composePath = `${dir}/compose.yaml`;
  return {
    setup: {
      packages: options.packages ?? ['docker.io', 'docker-compose-v2'],
      writeFiles: [{ path: composePath, content: options.composeFile }],
    },
    start: {
      runcmd: [
        ['systemctl', 'enable', '--now', 'docker.service'],
        [
          'sh',
          '-c',
          `set -a && . ${context.envFilePath} && set +a && ` +
            `exec docker compose --project-name ${context.name} --project-directory ${dir} ` +
            `--file ${composePath} up --detach`,
        ],
      ],
    },
  };
}

function checkLine(path: string, what: string, value: string, allowed: string, fix: string): void {
  if (isUnresolved(value)) return;
  if (typeof value !== 'string' || value.trim() === '' || /[\r\n]/.test(value) || value.includes('\u0000')) {
    throw new ValidationError({
      path,
      what,
      value,
      allowed: `${allowed} (one non-empty line)`,
      fix,
    });
  }
}
