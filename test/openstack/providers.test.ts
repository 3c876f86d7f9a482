import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { App, TerraformProvider, TerraformStack, Testing } from '../../lib/core/cdk';
import { ValidationError } from '../../lib/core/errors';
import { OpenstackProvider } from '../../.gen/providers/openstack/provider';
import { SecurityGroup } from '../../lib/openstack/security-group';
import { generatedSecret } from '../../lib/hosting/secrets';
import { StackJson, writeStack } from '../support/synth';
import { describeWithTools, tempDir, tfsim } from '../support/tools';

/**
 * Issue 11, item 3: one default provider per type, decided at synth. A provider is recognised by
 * its Terraform type, whatever class made it and whenever it was declared; Terraform itself
 * rejects two default configurations ("Duplicate provider configuration"), so every stack here
 * also goes through `tfsim validate`.
 */

/** A user's provider class from another copy of the bindings (and of cdktf and constructs). */
type ProviderClass = new (
  scope: Construct,
  id: string,
  config?: Record<string, unknown>,
) => TerraformProvider;

function foreignBindings(): { Openstack: ProviderClass; Random: ProviderClass } {
  let loaded: { Openstack: ProviderClass; Random: ProviderClass } | undefined;
  jest.isolateModules(() => {
    loaded = {
      Openstack: require('../../.gen/providers/openstack/provider').OpenstackProvider as ProviderClass,
      Random: require('@cdktf/provider-random/lib/provider').RandomProvider as ProviderClass,
    };
  });
  if (!loaded) throw new Error('no foreign bindings');
  return loaded;
}

/**
 * A hand-written provider class: only the Terraform type and source in common with the bindings
 * (and the provider name cdktf's own presence check reads).
 */
function handWritten(type: string, source: string): ProviderClass {
  return class extends TerraformProvider {
    constructor(
      scope: Construct,
      id: string,
      private readonly config: Record<string, unknown> = {},
    ) {
      super(scope, id, {
        terraformResourceType: type,
        terraformProviderSource: source,
        terraformGeneratorMetadata: { providerName: type },
      });
    }
    protected synthesizeAttributes(): Record<string, unknown> {
      return { ...this.config };
    }
  };
}

/** webfarm constructs that need both providers: a security group and a generated secret. */
function webfarmConstructs(stack: TerraformStack): void {
  new SecurityGroup(stack, 'Group', { description: 'providers test' });
  generatedSecret(stack, 'Secret');
}

interface Case {
  readonly name: string;
  readonly build: (stack: TerraformStack) => void;
  /** The settings the one default provider of each type must have. */
  readonly openstack: Record<string, unknown>;
  readonly random: Record<string, unknown>;
  /** How many openstack provider blocks in all (aliased ones included). */
  readonly openstackBlocks?: number;
}

const CASES: Case[] = [
  {
    name: 'none declared: webfarm declares both',
    build: webfarmConstructs,
    openstack: {},
    random: {},
  },
  {
    name: 'declared before the webfarm constructs',
    build: (stack) => {
      new OpenstackProvider(stack, 'openstack', { region: 'RegionTwo' });
      new RandomProvider(stack, 'random', {});
      webfarmConstructs(stack);
    },
    openstack: { region: 'RegionTwo' },
    random: {},
  },
  {
    name: 'declared after the webfarm constructs',
    build: (stack) => {
      webfarmConstructs(stack);
      new OpenstackProvider(stack, 'openstack', { region: 'RegionTwo' });
      new RandomProvider(stack, 'random', {});
    },
    openstack: { region: 'RegionTwo' },
    random: {},
  },
  {
    name: 'declared after, from another copy of the bindings (cdktf get)',
    build: (stack) => {
      const { Openstack, Random } = foreignBindings();
      expect(new Openstack(new TerraformStack(Testing.app(), 'probe'), 'p')).not.toBeInstanceOf(
        OpenstackProvider,
      );
      webfarmConstructs(stack);
      new Openstack(stack, 'openstack', { region: 'RegionTwo' });
      new Random(stack, 'random', {});
    },
    openstack: { region: 'RegionTwo' },
    random: {},
  },
  {
    name: 'declared after, by a hand-written TerraformProvider of the same type',
    build: (stack) => {
      webfarmConstructs(stack);
      const Openstack = handWritten('openstack', 'terraform-provider-openstack/openstack');
      const Random = handWritten('random', 'hashicorp/random');
      new Openstack(stack, 'mine', { region: 'RegionTwo' });
      new Random(stack, 'dice');
    },
    openstack: { region: 'RegionTwo' },
    random: {},
  },
  {
    name: 'only an aliased provider declared: webfarm adds the default beside it',
    build: (stack) => {
      new OpenstackProvider(stack, 'openstack', { alias: 'east', region: 'RegionThree' });
      webfarmConstructs(stack);
    },
    openstack: {},
    random: {},
    openstackBlocks: 2,
  },
];

function synth(build: (stack: TerraformStack) => void, name = 'providers'): StackJson {
  const stack = new TerraformStack(Testing.app(), name);
  build(stack);
  return JSON.parse(Testing.synth(stack, true)) as StackJson;
}

const blocks = (json: StackJson, type: string) =>
  ((json.provider as Record<string, Array<Record<string, unknown>>> | undefined)?.[type] ?? []).map((b) => b);
const defaults = (json: StackJson, type: string) => blocks(json, type).filter((b) => b.alias === undefined);

describe('One default provider per type, decided at synth', () => {
  it.each(CASES)('$name: exactly one default openstack and one default random provider', (c) => {
    const json = synth(c.build);
    expect(defaults(json, 'openstack')).toEqual([c.openstack]);
    expect(defaults(json, 'random')).toEqual([c.random]);
    expect(blocks(json, 'openstack')).toHaveLength(c.openstackBlocks ?? 1);
    const required = (json.terraform as { required_providers: Record<string, { source: string }> })
      .required_providers;
    expect(required.openstack.source).toBe('terraform-provider-openstack/openstack');
    expect(required.random.source).toBe('hashicorp/random');
  });

  it('a provider declared after a first synth replaces the one webfarm declared', () => {
    const stack = new TerraformStack(Testing.app(), 'twice');
    webfarmConstructs(stack);
    const first = JSON.parse(Testing.synth(stack, true)) as StackJson;
    expect(defaults(first, 'openstack')).toEqual([{}]);
    new OpenstackProvider(stack, 'mine', { region: 'RegionTwo' });
    const second = JSON.parse(Testing.synth(stack, true)) as StackJson;
    expect(defaults(second, 'openstack')).toEqual([{ region: 'RegionTwo' }]);
  });

  it('the user declaring two default providers of one type is a ValidationError naming both', () => {
    const stack = new TerraformStack(Testing.app(), 'dup');
    webfarmConstructs(stack);
    new OpenstackProvider(stack, 'one', { region: 'RegionOne' });
    new OpenstackProvider(stack, 'two', { region: 'RegionTwo' });
    let error: unknown;
    try {
      Testing.synth(stack, true);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toBe(
      'dup: default "openstack" providers ["dup/one","dup/two"] is not allowed; allowed: one "openstack" ' +
        'provider without an alias per stack (Terraform rejects a duplicate provider configuration). ' +
        'Fix: give every other one an alias, and pass it as `provider` to the resources that use it',
    );
  });

  it('app.synth() decides too (the path `cdktf synth` takes)', () => {
    const outdir = tempDir('webfarm-providers-');
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'late');
    webfarmConstructs(stack);
    new OpenstackProvider(stack, 'openstack', { region: 'RegionTwo' });
    app.synth();
    const json = JSON.parse(
      fs.readFileSync(path.join(outdir, 'stacks/late/cdk.tf.json'), 'utf8'),
    ) as StackJson;
    fs.rmSync(outdir, { recursive: true, force: true });
    expect(defaults(json, 'openstack')).toEqual([{ region: 'RegionTwo' }]);
    expect(defaults(json, 'random')).toEqual([{}]);
  });
});

describeWithTools(['terraform', 'tfsim'], 'Terraform accepts every case (tfsim validate)', () => {
  let output = '';
  let status = 0;
  let duplicate = '';

  beforeAll(() => {
    const dir = tempDir('webfarm-providers-');
    const stacks = CASES.map((c, i) => ({ name: `case-${i + 1}`, json: synth(c.build, `case-${i + 1}`) }));
    for (const s of stacks) writeStack(s.json, s.name, path.join(dir, 'cases'));
    const result = tfsim(['validate', path.join(dir, 'cases')]);
    [output, status] = [result.output, result.status];
    // What the old behaviour produced (a second default block): Terraform refuses it.
    const twice = JSON.parse(JSON.stringify(stacks[2].json)) as StackJson;
    (twice.provider as Record<string, unknown[]>).openstack.push({});
    duplicate = tfsim(['validate', writeStack(twice, 'duplicate', path.join(dir, 'dup'))]).output;
    fs.rmSync(dir, { recursive: true, force: true });
  }, 300000);

  it('validates every case with no problem', () => {
    expect(output).toContain(`${CASES.length} stacks validated, 0 problems`);
    expect(status).toBe(0);
  });

  it('refuses a stack with two default openstack providers (what the old order produced)', () => {
    expect(duplicate).toContain('Duplicate provider configuration');
  });
});
