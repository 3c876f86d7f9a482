import * as fs from 'fs';
import * as path from 'path';
import {
  App,
  DataResource,
  LocalBackend,
  TerraformOutput,
  TerraformStack,
  TerraformVariable,
} from '../../lib/core/cdk';
import { addTokenPreconditions } from '../../lib/core/token-checks';
import { TOKEN_PATTERNS } from '../../lib/core/token-rules';
import { renderNginx } from '../../lib/config/nginx';
import { renderEnvFile } from '../../lib/hosting/env-file';
import { KeyPair } from '../../lib/openstack/keypair';
import { Network } from '../../lib/openstack/network';
import { NginxBalancer } from '../../lib/openstack/nginx-balancer';
import { WorkerGroup } from '../../lib/openstack/worker-group';
import { nginxPathsUnder, prepareRoot } from '../config/nginx-harness';
import { writeFiles } from '../support/backends';
import { describeWithTools, run, tempDir, tfsim } from '../support/tools';

/**
 * A Terraform reference reaching configuration text is checked by Terraform at plan time
 * (`lifecycle.precondition` with the rule of its place in the text): proven with the real
 * `terraform apply` on a built-in-only configuration, the shell and nginx reading what it
 * delivers, and `tfsim plan` on stacks of the real constructs.
 */

const ENV_ATTACK = "x'; touch pwned; echo '";
const HOST_ATTACK =
  '10.0.0.9:80; } server { listen 9999; location / { return 200 pwned; } } upstream x { server 10.0.0.9';

const terraformEnv = {
  ...process.env,
  TF_CLI_CONFIG_FILE: '/dev/null',
  CHECKPOINT_DISABLE: '1',
  TF_IN_AUTOMATION: '1',
};

/** A built-in-only stack: variables `env` and `host` reach an env file and an nginx pool. */
function builtInStack(root: string): string {
  const outdir = tempDir('webfarm-tokens-');
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'tokens');
  new LocalBackend(stack, { path: path.join(outdir, 'tokens.tfstate') });
  const env = new TerraformVariable(stack, 'env', { type: 'string' });
  const host = new TerraformVariable(stack, 'host', { type: 'string' });
  const envText = renderEnvFile('tokens/App', [['GREETING', env.stringValue]]);
  const nginxFiles = renderNginx({
    paths: nginxPathsUnder(root),
    stream: false,
    status: false,
    pools: [{ name: 'app', options: {}, nodes: [{ name: 'app-1', host: host.stringValue, port: 8080 }] }],
    listeners: [{ name: 'web', options: { port: 18080, bindAddress: '127.0.0.1', defaultPool: 'app' } }],
  });
  const pool = nginxFiles.find((f) => f.path.endsWith('/app.conf'));
  if (!pool) throw new Error('no pool file rendered');
  const carrier = new DataResource(stack, 'carrier', { input: { env: envText, pool: pool.content } });
  addTokenPreconditions(carrier, () => [envText, pool.content]);
  new TerraformOutput(stack, 'env_file', { value: carrier.getStringAttribute('output.env') });
  new TerraformOutput(stack, 'pool_file', { value: carrier.getStringAttribute('output.pool') });
  app.synth();
  const dir = path.join(outdir, 'stacks', 'tokens');
  // The other nginx files carry no reference: write them now, the pool file after apply.
  writeFiles(nginxFiles.filter((f) => f !== pool));
  run('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env: terraformEnv });
  return dir;
}

function apply(dir: string, vars: Record<string, string>): { status: number; output: string } {
  const args = ['apply', '-auto-approve', '-input=false', '-no-color'];
  for (const [k, v] of Object.entries(vars)) args.push('-var', `${k}=${v}`);
  const r = require('child_process').spawnSync('terraform', args, {
    cwd: dir,
    env: terraformEnv,
    encoding: 'utf8',
  });
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}

describeWithTools(
  ['terraform', 'nginx', 'sh'],
  'references in configuration text, proven by terraform apply',
  () => {
    let root: string;
    let dir: string;
    beforeAll(() => {
      root = prepareRoot();
      dir = builtInStack(root);
    }, 60000);
    afterAll(() => {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true });
    });

    it('refuses an environment value that would break out of its quotes, before anything is written', () => {
      // WHEN terraform applies with the attack in the env variable
      const result = apply(dir, { env: ENV_ATTACK, host: '10.0.0.9' });
      // THEN the plan stops at the precondition, naming the place and the rule
      expect(result.status).not.toBe(0);
      expect(result.output).toContain('Resource precondition failed');
      expect(result.output).toMatch(/tokens\/App: value of\s+GREETING is a Terraform reference/);
      expect(result.output).not.toContain('Creating...');
    }, 60000);

    it('refuses a node host that would add a server block to nginx', () => {
      const result = apply(dir, { env: 'hello', host: HOST_ATTACK });
      expect(result.status).not.toBe(0);
      expect(result.output).toContain('Resource precondition failed');
      expect(result.output).toMatch(/nginx pool 'app': host of node 'app-1'/);
    }, 60000);

    it('delivers allowed values that the shell and nginx read back exactly', () => {
      // GIVEN a value with spaces, $, ;, { and # (all allowed inside the single quotes)
      const value = 'a $HOME; {b} #c `d` & e';
      // WHEN terraform applies it
      const result = apply(dir, { env: value, host: 'localhost' });
      expect(result.output).toContain('Apply complete');
      const outputs = JSON.parse(
        run('terraform', ['output', '-json'], { cwd: dir, env: terraformEnv }),
      ) as Record<string, { value: string }>;
      // THEN sh sources the env file and gets the value back unchanged, running nothing
      const envFile = path.join(root, 'app.env');
      fs.writeFileSync(envFile, outputs.env_file.value);
      const echoed = run('sh', ['-c', `set -a; . "${envFile}"; set +a; printf %s "$GREETING"`], {
        cwd: root,
      });
      expect(echoed).toBe(value);
      // AND nginx accepts the pool file with the resolved host
      const poolPath = path.join(root, 'etc/nginx/webfarm/pools/app.conf');
      fs.mkdirSync(path.dirname(poolPath), { recursive: true });
      fs.writeFileSync(poolPath, outputs.pool_file.value);
      expect(outputs.pool_file.value).toContain('server localhost:8080');
      run('nginx', ['-t', '-q', '-c', path.join(root, 'etc/nginx/nginx.conf')]);
    }, 60000);

    it('uses patterns that mean the same in JavaScript and RE2', () => {
      // The literal checks and Terraform's regex read the same pattern text.
      for (const pattern of Object.values(TOKEN_PATTERNS)) expect(() => new RegExp(pattern)).not.toThrow();
      expect(new RegExp(TOKEN_PATTERNS.envValue).test(ENV_ATTACK)).toBe(false);
      expect(new RegExp(TOKEN_PATTERNS.host).test(HOST_ATTACK)).toBe(false);
      expect(new RegExp(TOKEN_PATTERNS.host).test('2001:db8::5')).toBe(true);
    });
  },
);

/** A worker group whose environment and a balancer whose node come from variables. */
function constructStack(app: App, envDefault: string, hostDefault: string): TerraformStack {
  const stack = new TerraformStack(app, `attack-${app.node.children.length}`);
  const network = new Network(stack, 'Network', { cidr: '10.42.0.0/24', externalNetworkName: 'public' });
  const greeting = new TerraformVariable(stack, 'greeting', { type: 'string', default: envDefault });
  const extra = new TerraformVariable(stack, 'extra_node', { type: 'string', default: hostDefault });
  const web = new WorkerGroup(stack, 'Web', {
    network,
    name: 'web',
    count: 1,
    image: 'debian-12',
    flavor: 'm1.small',
    appPort: 8080,
    environment: { GREETING: greeting.stringValue },
  });
  const lb = new NginxBalancer(stack, 'Balancer', {
    network,
    name: 'lb',
    image: 'debian-12',
    flavor: 'm1.small',
    keyPair: KeyPair.fromName('ops'),
    ssh: { user: 'debian' },
    adminCidrs: ['198.51.100.0/24'],
  });
  const pool = lb.addPool('web', { port: 8080 });
  pool.addTarget(web);
  pool.addNodes([{ name: 'extra', host: extra.stringValue, port: 8080 }]);
  lb.addListener('http', { port: 80, defaultPool: pool });
  return stack;
}

describeWithTools(['terraform', 'tfsim'], 'references in the constructs, proven by tfsim plan', () => {
  it('stops the plan of an injected environment value and node host, and plans clean values', () => {
    // GIVEN three stacks in one cdktf.out: a clean one, an env attack and a host attack
    const outdir = tempDir('webfarm-attack-');
    const app = new App({ outdir });
    constructStack(app, 'hello world', '10.42.0.77');
    constructStack(app, ENV_ATTACK, '10.42.0.77');
    constructStack(app, 'hello', HOST_ATTACK);
    app.synth();
    // WHEN Terraform plans them
    const result = tfsim(['plan', outdir]);
    // THEN the clean stack plans and each attack stops at its precondition
    const sections = result.output.split(/^=== /m);
    const section = (name: string) => sections.find((s) => s.startsWith(name)) ?? '';
    expect(section('attack-0')).toMatch(/Plan: \d+ to add/);
    expect(section('attack-1')).toContain('Resource precondition failed');
    expect(section('attack-1')).toMatch(/value of GREETING is a Terraform reference/);
    expect(section('attack-2')).toContain('Resource precondition failed');
    expect(section('attack-2')).toMatch(/host of node 'extra' is a Terraform/);
    expect(result.status).not.toBe(0);
    fs.rmSync(outdir, { recursive: true, force: true });
  }, 120000);
});
