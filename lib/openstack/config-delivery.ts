import { Construct } from 'constructs';
import {
  DataResource,
  IResolveContext,
  ITerraformDependable,
  Lazy,
  SSHProvisionerConnection,
} from '../core/cdk';
import { escapeTerraformTemplate, resolveReferences } from '../core/escape';
import { ContentFingerprint, contentFingerprint } from '../core/fingerprint';
import { HOST_MANIFEST_KEY, HostFile, RuntimeManifest, hostManifestValue } from '../core/host-files';
import { ValidationError } from '../core/errors';
import { addTokenPreconditions } from '../core/token-checks';
import { TOKEN_PATTERNS, TOKEN_PATTERN_ALLOWED } from '../core/token-rules';
import { isUnresolved } from '../core/tokens';
import { checkLoginName, checkObject, checkPort } from '../core/validate';
import { ApplyScriptModel, ManagedDirectory, renderApplyScript } from '../config/delivery';

/** How Terraform reaches a host over SSH to push configuration. */
export interface SshAccess {
  /** Login user (`debian`, `ubuntu`, `rocky`, …): root or with password-less sudo. */
  readonly user: string;
  /**
   * The private key's text, e.g. `Fn.file(pathToKey)` or a generated keypair's `private_key`.
   * @default - the SSH agent (`SSH_AUTH_SOCK`) of whoever runs terraform
   */
  readonly privateKey?: string;
  /**
   * SSH port on the host.
   * @default 22
   */
  readonly port?: number;
  /**
   * A jump host, for hosts without a public address (or that admit SSH from a bastion only).
   * @default - the bastion of the construct's `adminAccess` when it has one, else a direct
   * connection
   */
  readonly bastion?: {
    /** Bastion address. */
    readonly host: string;
    /**
     * Bastion login user.
     * @default - the same user
     */
    readonly user?: string;
    /**
     * Bastion private key text.
     * @default - the same key
     */
    readonly privateKey?: string;
    /**
     * Bastion SSH port.
     * @default 22
     */
    readonly port?: number;
  };
}

/**
 * Files computed at synth, for configurations that change after construction (a balancer's
 * pools and nodes). `produce` is called whenever the resource is rendered and returns the files
 * as they stand then.
 */
export interface HostFilesProducer {
  /** Returns the files. */
  readonly produce: () => HostFile[];
}

/**
 * The system a {@link ConfigDelivery} configures. Its values join the push's trigger: a replaced
 * instance (new id) or one rebuilt from another image (same id, fresh disk) gets the files again.
 */
export interface DeliveryInstance {
  /** The instance id, e.g. `host.instance.id`. */
  readonly id: string;
  /**
   * The image the instance runs, when changing it rebuilds the instance in place (same id, new
   * disk), e.g. `host.instance.imageName`.
   * @default - the id alone
   */
  readonly image?: string;
}

/** Props of {@link ConfigDelivery}. */
export interface ConfigDeliveryProps {
  /**
   * The instance the files land on. Required: a push not tied to its instance is a no-op after
   * the instance is replaced, and the new instance keeps its first-boot files only.
   */
  readonly instance: DeliveryInstance;
  /** Address Terraform connects to (a floating IP, or a private address through a bastion). */
  readonly address: string;
  /** SSH access. */
  readonly ssh: SshAccess;
  /** Host name (for `webfarm configs`). */
  readonly hostName: string;
  /** Host role (for `webfarm configs`). */
  readonly role: string;
  /** Name of the configuration (`nginx`, `haproxy`): also names the staging directory. */
  readonly name: string;
  /**
   * The files to install, or a {@link HostFilesProducer} that gives them at synth. A producer may
   * give no files when `managedDirectories` is set (the push then only removes stale files).
   */
  readonly files: HostFile[] | HostFilesProducer;
  /**
   * Directories where only pushed files may remain (a removed pool's file is deleted).
   * @default - none
   */
  readonly managedDirectories?: ManagedDirectory[];
  /**
   * The command that checks the new files; on failure the old files are restored. A producer
   * gives it at synth (it may depend on the pools).
   */
  readonly check: string | { readonly produce: () => string };
  /** The command that applies them without dropping connections (or its producer). */
  readonly reload: string | { readonly produce: () => string };
  /**
   * The host-side lock file the install holds (shared with the run-time client), given at synth.
   * @default - no lock
   */
  readonly lockFile?: { readonly produce: () => string | undefined };
  /**
   * What the run-time client needs, recorded in the manifest (balancer hosts), given at synth.
   * @default - none
   */
  readonly runtime?: { readonly produce: () => RuntimeManifest | undefined };
  /**
   * Wait for cloud-init to finish first.
   * @default true
   */
  readonly waitForCloudInit?: boolean;
  /**
   * Resources that must exist first (the instance, its floating IP association).
   * @default - none
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Pushes configuration files to a running host in place (DESIGN decision 5): a
 * `terraform_data` whose `triggers_replace` changes exactly when a file's content does (the
 * SHA-256 of the files' literal text, and the references in them, resolved by Terraform, so a
 * changed worker address re-pushes too) or the instance's identity does (its id and image, so a
 * replaced or rebuilt instance is pushed to again), and whose provisioners upload the files over SSH
 * and run a script that installs them, runs the check, restores the previous files if the check
 * fails, and reloads. Changing a pool therefore replaces only this `terraform_data`, never the
 * host.
 */
export class ConfigDelivery extends Construct {
  /** The `terraform_data` resource. */
  public readonly resource: DataResource;
  private readonly props: ConfigDeliveryProps;
  private readonly stageDir: string;

  constructor(scope: Construct, id: string, props: ConfigDeliveryProps) {
    super(scope, id);
    const path = this.node.path;
    this.props = props;
    if (Array.isArray(props.files) && props.files.length === 0) {
      throw noFiles(path);
    }
    checkSshAccess(path, props.ssh);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(props.name)) {
      throw new ValidationError({
        path,
        what: 'name',
        value: props.name,
        allowed: 'lowercase letters, digits and "-"',
        fix: 'name the configuration like "nginx"',
      });
    }
    const stageDir = `/var/tmp/webfarm-${props.name}`;
    this.stageDir = stageDir;
    // Checks paths, owners, modes and managed directories now (of the files known so far).
    renderApplyScript(this.scriptModel(this.filesNow()));
    const connection: SSHProvisionerConnection = {
      type: 'ssh',
      host: props.address,
      user: props.ssh.user,
      ...(props.ssh.privateKey !== undefined ? { privateKey: props.ssh.privateKey } : { agent: 'true' }),
      ...(props.ssh.port !== undefined ? { port: props.ssh.port } : {}),
      ...(props.ssh.bastion
        ? {
            bastionHost: props.ssh.bastion.host,
            bastionUser: props.ssh.bastion.user ?? props.ssh.user,
            ...((props.ssh.bastion.privateKey ?? props.ssh.privateKey)
              ? { bastionPrivateKey: props.ssh.bastion.privateKey ?? props.ssh.privateKey }
              : {}),
            ...(props.ssh.bastion.port !== undefined ? { bastionPort: props.ssh.bastion.port } : {}),
          }
        : {}),
    };
    // The trigger: the hash of the script and the files' literal text, computed here, and the
    // Terraform references in them (worker addresses), each once, resolved by Terraform. A
    // changed literal changes the hash; a reference that resolves to a new value changes the
    // list; nothing else changes either.
    this.resource = new DataResource(this, 'Resource', {
      triggersReplace: {
        config_sha256: Lazy.stringValue({ produce: () => this.fingerprint().sha256 }),
        references: Lazy.listValue({ produce: () => this.fingerprint().references }),
        // The files live on this instance's disk: a new instance, or a rebuild from another
        // image, needs them again (the port and address survive, so nothing else would tell).
        instance_id: props.instance.id,
        ...(props.instance.image !== undefined ? { instance_image: props.instance.image } : {}),
      },
      input: {
        host: props.hostName,
        files: Lazy.listValue({ produce: () => this.files.map((f) => f.path) }),
      },
      dependsOn: props.dependsOn,
      connection,
    });
    // Terraform checks every reference in the pushed text against the rule its place in the text
    // needs, at plan time (a value that would rewrite the configuration stops the plan).
    addTokenPreconditions(this.resource, () => this.files.flatMap((f) => [f.path, f.content]));
    // The provisioners (one upload per file) and the manifest are produced at synth, from the
    // files as they stand then.
    // Both carry the files' text, with the references resolved here once each (see
    // resolveReferences): cdktf would resolve every worker address once per pool file.
    this.resource.addOverride(
      'provisioner',
      Lazy.anyValue({ produce: (context) => this.provisioners(this.resolvedContents(context)) }),
    );
    this.resource.addOverride(
      `//.${HOST_MANIFEST_KEY}`,
      Lazy.anyValue({
        produce: () =>
          hostManifestValue(
            {
              host: props.hostName,
              role: props.role,
              delivery: 'ssh',
              files: this.files,
              runtime: props.runtime?.produce(),
            },
            // The text is in the upload provisioners: the manifest points there.
            this.files.map((_, i) => ({ upload: this.uploadDestination(i) })),
          ),
      }),
    );
  }

  /** The files as they stand now (checked: none at all is refused without managed directories). */
  public get files(): HostFile[] {
    const files = this.filesNow();
    if (files.length === 0 && !this.props.managedDirectories?.length) throw noFiles(this.node.path);
    return files;
  }

  /** The rendered install script, for the files as they stand now. */
  public get script(): string {
    return renderApplyScript(this.scriptModel(this.files));
  }

  private filesNow(): HostFile[] {
    const files = this.props.files;
    return Array.isArray(files) ? files : files.produce();
  }

  private scriptModel(files: HostFile[]): ApplyScriptModel {
    const props = this.props;
    return {
      name: props.name,
      stageDir: this.stageDir,
      files: files.map((f) => ({ path: f.path, owner: f.owner, mode: f.mode, createOnly: f.createOnly })),
      managedDirectories: props.managedDirectories,
      check: typeof props.check === 'string' ? props.check : props.check.produce(),
      reload: typeof props.reload === 'string' ? props.reload : props.reload.produce(),
      waitForCloudInit: props.waitForCloudInit,
      lockFile: props.lockFile?.produce(),
    };
  }

  /**
   * The trigger's value: the install script and every file (path, owner, mode, content), hashed
   * with the references left out of the hash and listed for Terraform to resolve.
   */
  private fingerprint(): ContentFingerprint {
    const files = this.files;
    return contentFingerprint([
      [renderApplyScript(this.scriptModel(files))],
      ...files.map((f) => [f.path, f.owner ?? '', f.mode ?? '', f.content]),
    ]);
  }

  /** Each file's Terraform-escaped content, its references resolved (once each). */
  private resolvedContents(context: IResolveContext): string[] {
    return resolveReferences(
      this.files.map((f) => escapeTerraformTemplate(f.content)),
      context,
    );
  }

  /** Where the push uploads file `index` (0-based) before the install script moves it. */
  private uploadDestination(index: number): string {
    return `${this.stageDir}/${index + 1}`;
  }

  private provisioners(contents: string[]): Array<Record<string, Record<string, unknown>>> {
    const stageDir = this.stageDir;
    // The install script runs as root and writes below the staging directory: a leftover of an
    // interrupted push may be root's, so a non-root login user clears it through sudo too.
    const asRoot = (command: string) =>
      `if [ "$(id -u)" -eq 0 ]; then ${command}; else sudo -n ${command}; fi`;
    return [
      { 'remote-exec': { inline: [`${asRoot(`rm -rf ${stageDir}`)} && mkdir -m 700 ${stageDir}`] } },
      ...contents.map((content, i) => ({
        file: { content, destination: this.uploadDestination(i) },
      })),
      { file: { content: escapeTerraformTemplate(this.script), destination: `${stageDir}/apply.sh` } },
      { 'remote-exec': { inline: [asRoot(`sh ${stageDir}/apply.sh`)] } },
    ];
  }
}

function noFiles(path: string): ValidationError {
  return new ValidationError({
    path,
    what: 'files',
    value: [],
    allowed: 'at least one file',
    fix: 'give the files to push',
  });
}

/** Checks how Terraform logs in: users, ports and the bastion's address (literals; tokens are Terraform's). */
function checkSshAccess(path: string, ssh: SshAccess): void {
  checkObject(path, 'ssh', ssh, '{ user: "debian", privateKey: Fn.file("~/.ssh/id_ed25519") }');
  checkLoginName(path, 'ssh.user', ssh.user);
  if (ssh.port !== undefined) checkPort(path, 'ssh.port', ssh.port);
  const bastion = ssh.bastion;
  if (bastion === undefined) return;
  checkObject(path, 'ssh.bastion', bastion, '{ host: "203.0.113.10" }');
  if (bastion.user !== undefined) checkLoginName(path, 'ssh.bastion.user', bastion.user);
  if (bastion.port !== undefined) checkPort(path, 'ssh.bastion.port', bastion.port);
  if (
    !isUnresolved(bastion.host) &&
    (typeof bastion.host !== 'string' || !new RegExp(TOKEN_PATTERNS.host).test(bastion.host))
  ) {
    throw new ValidationError({
      path,
      what: 'ssh.bastion.host',
      value: bastion.host,
      allowed: TOKEN_PATTERN_ALLOWED.host,
      fix: "give the bastion's address, e.g. bastion.publicAddress",
    });
  }
}
