import { Construct } from 'constructs';
import { TerraformOutput } from '../core/cdk';
import { ValidationError } from '../core/errors';
import { isUnresolved } from '../core/tokens';
import { ComputeKeypairV2 } from '../../.gen/providers/openstack/compute-keypair-v2';
import { ensureProvider } from '../core/providers';
import { OPENSTACK_PROVIDER } from './provider';
import { checkObject } from '../core/validate';

/** A Nova keypair instances can be booted with. */
export interface IKeyPair {
  /** The keypair's name in Nova (`key_pair` of an instance). */
  readonly keyPairName: string;
}

/** Props of {@link KeyPair}. */
export interface KeyPairProps {
  /**
   * Name in Nova (letters, digits, `-`, `_`, `.`, `@` and spaces; unique per user).
   * @default - derived from the construct path, e.g. `mystack-admin-keypair`
   */
  readonly name?: string;
  /**
   * The OpenSSH public key (`ssh-ed25519 AAAA… comment`). Give one: the private key then never
   * leaves your machine.
   * @default - Nova generates the pair, and the PRIVATE key is stored in the Terraform state in
   * plain text and exposed as a sensitive output (see {@link KeyPair})
   */
  readonly publicKey?: string;
  /**
   * Name of the sensitive output holding a generated private key (read it with
   * `terraform output -raw <name>`). Ignored when `publicKey` is given.
   * @default - `<keypair name>_private_key`, with `-`, `.`, `@` and spaces turned into `_`
   */
  readonly privateKeyOutputName?: string;
}

const KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
];
const KEYPAIR_NAME = /^[A-Za-z0-9 _.@-]{1,255}$/;

/**
 * A Nova keypair (`openstack_compute_keypair_v2`).
 *
 * With `publicKey`, Nova only stores your public key: the recommended way.
 *
 * Without it, Nova generates the key pair and returns the private key once. **Risk:** Terraform
 * then keeps that private key in its state in plain text, so everyone who can read the state
 * (a shared backend, a CI log of `terraform show -json`, a state file on a laptop) can log in to
 * every instance booted with it. It is exposed as a sensitive output
 * (`terraform output -raw <privateKeyOutputName>`), and replacing the keypair resource generates
 * a new key that existing instances do not know. Newer Nova API microversions (2.92+) refuse to
 * generate keys; the provider uses an older one by default.
 *
 * `KeyPair.fromName(this, 'Key', 'my-key')` refers to a keypair that already exists in the cloud.
 */
export class KeyPair extends Construct implements IKeyPair {
  /**
   * A keypair that already exists in Nova, by name: no resource is created (`id` names the
   * import in messages). `KeyPair.fromName(this, 'Operators', 'operators')`.
   */
  public static fromName(scope: Construct, id: string, name: string): IKeyPair;
  /**
   * A keypair that already exists in Nova, by name, without a scope.
   *
   * @deprecated Use `KeyPair.fromName(scope, id, name)` instead: every import takes
   * `(scope, id, …)`. Still accepted.
   */
  public static fromName(name: string): IKeyPair;
  public static fromName(...args: unknown[]): IKeyPair {
    if (Construct.isConstruct(args[0])) {
      const [scope, id, name] = args as [Construct, string, string];
      checkKeyPairName(new Construct(scope, id).node.path, name);
      return { keyPairName: name };
    }
    const name = args[0] as string;
    checkKeyPairName('KeyPair.fromName', name);
    return { keyPairName: name };
  }

  /** The keypair's name. */
  public readonly keyPairName: string;
  /** The L1 keypair. */
  public readonly resource: ComputeKeypairV2;
  /** True when Nova generated the key pair (the private key is in the state). */
  public readonly generated: boolean;
  /** The sensitive output with the generated private key; `undefined` for a given public key. */
  public readonly privateKeyOutput?: TerraformOutput;

  constructor(scope: Construct, id: string, props: KeyPairProps = {}) {
    super(scope, id);
    if (props !== undefined)
      checkObject(this.node.path, 'props', props, '{ publicKey: "ssh-ed25519 AAAA…" }');
    ensureProvider(this, OPENSTACK_PROVIDER);
    const path = this.node.path;
    const name = props.name ?? path.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
    checkKeyPairName(path, name);
    if (props.publicKey !== undefined) checkPublicKey(path, props.publicKey);
    this.keyPairName = name;
    this.generated = props.publicKey === undefined;
    this.resource = new ComputeKeypairV2(this, 'Resource', {
      name,
      ...(props.publicKey !== undefined ? { publicKey: props.publicKey.trim() } : {}),
    });
    if (this.generated) {
      const outputName = props.privateKeyOutputName ?? `${name.replace(/[^A-Za-z0-9_]/g, '_')}_private_key`;
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(outputName)) {
        throw new ValidationError({
          path,
          what: 'privateKeyOutputName',
          value: outputName,
          allowed: 'a Terraform output name: letters, digits, "_" and "-", not starting with a digit',
          fix: 'give privateKeyOutputName, e.g. "admin_private_key"',
        });
      }
      this.privateKeyOutput = new TerraformOutput(this, 'PrivateKey', {
        value: this.resource.privateKey,
        sensitive: true,
        description: `Private key of Nova keypair ${name} (generated by Nova; also in the state in plain text)`,
      });
      this.privateKeyOutput.overrideLogicalId(outputName);
    }
  }
}

function checkKeyPairName(path: string, name: string): void {
  if (isUnresolved(name)) return;
  if (typeof name !== 'string' || !KEYPAIR_NAME.test(name)) {
    throw new ValidationError({
      path,
      what: 'keypair name',
      value: name,
      allowed: 'letters, digits, " ", "_", ".", "@" and "-", 1 to 255 characters',
      fix: 'rename the keypair, e.g. "admin-key"',
    });
  }
}

function checkPublicKey(path: string, key: string): void {
  if (isUnresolved(key)) return;
  const parts = typeof key === 'string' ? key.trim().split(/ +/) : [];
  const ok =
    typeof key === 'string' &&
    !/[\r\n]/.test(key.trim()) &&
    parts.length >= 2 &&
    KEY_TYPES.includes(parts[0]) &&
    /^AAAA[A-Za-z0-9+/]+={0,3}$/.test(parts[1]);
  if (!ok) {
    throw new ValidationError({
      path,
      what: 'publicKey',
      value: key,
      allowed: `one OpenSSH public key line: "<type> <base64> [comment]" with type ${KEY_TYPES.join(', ')}`,
      fix: 'paste the content of your ~/.ssh/id_ed25519.pub (the .pub file, never the private key)',
    });
  }
}
