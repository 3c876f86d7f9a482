import * as fs from 'fs';
import * as path from 'path';
import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { App, TerraformStack, Testing, Token } from '../../lib/core/cdk';
import { renderEnvFile } from '../../lib/hosting/env-file';
import { HOST_MANIFEST_KEY, Peer, Port } from '../../lib/core';
import { PREPARE_VOLUME_PATH } from '../../lib/config';
import { AdminAccess, ServerGroup, KeyPair, WorkerGroup, WorkerGroupProps } from '../../lib/openstack';
import { ENV_SAFE_SPECIAL_CHARACTERS, WorkerApp, appUnitName, renderAppUnit } from '../../lib/hosting';
import { NoopBalancer } from '../../lib/testing';
import { StackJson, resourcesOf, synthStack, tfcheckProblems } from '../support/synth';
import { describeWithTools, run, tempDir } from '../support/tools';
import {
  resourceNamed,
  stackOnNetwork,
  synthWithMetadata,
  tfsimPlan,
  tfsimValidateProblems,
  withPlaceholders,
} from './building-blocks-support';

const BASE = { image: 'Featured-Ubuntu24', flavor: 'm3.small' };

function workers(props: Partial<WorkerGroupProps> = {}, app: App = Testing.app()) {
  const { stack, network } = stackOnNetwork(app);
  const group = new WorkerGroup(stack, 'Web', { network, ...BASE, ...props });
  return { stack, network, group };
}

function build(props: Partial<WorkerGroupProps>, more?: (group: WorkerGroup, stack: TerraformStack) => void) {
  return synthStack((app) => {
    const { stack, group } = workers(props, app);
    more?.(group, stack);
    return stack;
  });
}

function instances(json: StackJson): Record<string, Record<string, unknown>> {
  return resourcesOf(json, 'openstack_compute_instance_v2');
}

function userDataOf(json: StackJson, node: string): string {
  return resourceNamed(json, 'openstack_compute_instance_v2', `Node-${node}_`).user_data as string;
}

/** The env file as written in a node's synthesized user data (YAML double-quoted scalar). */
function envFileInUserData(userData: string, envPath = '/etc/webfarm/web.env'): string {
  const m = new RegExp(`path: "${envPath}"\\n(?:    .*\\n)*?    content: (".*")\\n`).exec(userData);
  if (!m) throw new Error(`no ${envPath} in user data`);
  return JSON.parse(m[1]) as string;
}

/** Sources `text` with `shell` (`set -a; . file`) and returns the resulting variables. */
function sourceWithShell(text: string, shell: string[]): Record<string, string> {
  const dir = tempDir();
  const file = path.join(dir, 'app.env');
  fs.writeFileSync(file, text);
  const out = run(shell[0], [...shell.slice(1), '-c', 'set -a; . "$1"; set +a; exec env -0', 'sh', file], {
    env: {},
  });
  return Object.fromEntries(
    out
      .split('\0')
      .filter((kv) => kv !== '')
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/** Values a shell or systemd could misread. */
const TRICKY: Record<string, string> = {
  PLAIN: 'plain',
  SPACES: '  two  spaces and trailing ',
  SINGLE: "it's",
  DOUBLE: 'say "hi"',
  DOLLAR: '$HOME and ${HOME} and $(id) and $1',
  BACKTICK: 'run `id` now',
  BACKSLASH: 'C:\\path\\n is not a newline \\',
  MIXED: `it's "all" $HOME \`id\` \\ here`,
  TWO_SINGLES: "''",
  HASH: '#not a comment',
  EQUALS: '=a=b=',
  TAB: 'tab\there',
  UNICODE: 'é ü 日本',
  EMPTY: '',
  TF_LIKE: '${var.x} %{if} $${y}',
  QUOTES_NO_DOLLAR: `it's "both" \`id\` \\ here`,
};

describe('WorkerGroup', () => {
  it('schedules every node into the anti-affinity server group', () => {
    // GIVEN a group of three
    const json = build({ count: 3 });
    // THEN one server group with anti-affinity, and every node hints it
    const groups = resourcesOf(json, 'openstack_compute_servergroup_v2');
    expect(Object.values(groups)).toEqual([expect.objectContaining({ policies: ['anti-affinity'] })]);
    const groupRef = `\${openstack_compute_servergroup_v2.${Object.keys(groups)[0]}.id}`;
    const nodes = Object.values(instances(json));
    expect(nodes).toHaveLength(3);
    for (const node of nodes) expect(node.scheduler_hints).toEqual([{ group: groupRef }]);
    expect(tfcheckProblems(json)).toBe('');
  });

  it('uses soft-anti-affinity when asked', () => {
    const json = build({ placement: 'soft-anti-affinity' });
    expect(Object.values(resourcesOf(json, 'openstack_compute_servergroup_v2'))[0].policies).toEqual([
      'soft-anti-affinity',
    ]);
  });

  it('keys nodes by name: Node-web-1, Node-web-2, and explicit names', () => {
    // GIVEN a counted group and a named one
    const counted = workers({ count: 2 });
    const named = workers({ nodeNames: ['blue', 'green'], name: 'api' });
    // THEN the construct ids and instance names follow the node names
    expect(counted.group.hosts.map((h) => h.node.id)).toEqual(['Node-web-1', 'Node-web-2']);
    expect(counted.group.nodes.map((n) => n.name)).toEqual(['web-1', 'web-2']);
    expect(named.group.hosts.map((h) => [h.node.id, h.hostName])).toEqual([
      ['Node-blue', 'blue'],
      ['Node-green', 'green'],
    ]);
  });

  it('adding a node adds exactly its resources and changes no other resource', () => {
    // GIVEN the full feature set with two nodes, then with three
    const props: Partial<WorkerGroupProps> = {
      appPort: 8080,
      app: WorkerApp.systemd({ execStart: '/opt/app/bin/server' }),
      environment: { MODE: 'production' },
      roles: { primaryEnvironment: { LEADER: 'true' }, secondaryEnvironment: { LEADER: 'false' } },
      dataVolume: { sizeGb: 10, mountPoint: '/srv/data' },
      bootVolumeSizeGb: 20,
    };
    const withAdmin = (group: WorkerGroup, stack: TerraformStack) =>
      new AdminAccess(stack, 'Admin', { adminCidrs: ['198.51.100.0/24'] }).allowSshTo(group);
    const two = build({ ...props, count: 2 }, withAdmin);
    const three = build({ ...props, count: 3 }, withAdmin);
    // THEN every resource (and data source) of the first synth is unchanged in the second
    const added: string[] = [];
    for (const block of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries(three[block] ?? {})) {
        for (const [name, body] of Object.entries(byName)) {
          const address = `${block === 'data' ? 'data.' : ''}${type}.${name}`;
          const before = two[block]?.[type]?.[name];
          if (before === undefined) added.push(address);
          else expect({ [address]: body }).toEqual({ [address]: before });
        }
      }
      for (const [type, byName] of Object.entries(two[block] ?? {})) {
        for (const name of Object.keys(byName)) expect(three[block]?.[type]?.[name]).toBeDefined();
      }
    }
    // AND what was added is exactly node 3's: image lookup, port, instance, data volume, attachment
    expect(added.map((a) => a.replace(/_[0-9A-F]{8}$/, '')).sort()).toEqual([
      'data.openstack_images_image_v2.Web_Node-web-3_Image',
      'openstack_blockstorage_volume_v3.Web_Node-web-3_Volume-data',
      'openstack_compute_instance_v2.Web_Node-web-3',
      'openstack_compute_volume_attach_v2.Web_Node-web-3_Volume-data-Attachment',
      'openstack_networking_port_v2.Web_Node-web-3_Port',
    ]);
    expect(tfcheckProblems(three)).toBe('');
  });

  it('addNode appends after the highest numbered node, like raising count', () => {
    const { group } = workers({ count: 2 });
    expect(group.addNode().name).toBe('web-3');
    expect(group.addNode('web-canary').name).toBe('web-canary');
    expect(group.addNode().name).toBe('web-4');
  });

  it('applies addCloudConfig to every node, including one added later, before the app starts', () => {
    // GIVEN a group with a systemd app
    const json = build({ app: WorkerApp.systemd({ execStart: '/opt/app/bin/server' }) }, (group) => {
      // WHEN a fragment is added, then a node
      group.addCloudConfig({ packages: ['openjdk-17-jre-headless'], runcmd: [['/opt/app/install']] });
      group.addNode();
    });
    // THEN all three nodes have it, and the app starts after the fragment's command
    for (const node of ['web-1', 'web-2', 'web-3']) {
      const userData = userDataOf(json, node);
      expect(userData).toContain('- "openjdk-17-jre-headless"');
      expect(userData.indexOf('"/opt/app/install"')).toBeGreaterThan(0);
      expect(userData.indexOf('"/opt/app/install"')).toBeLessThan(userData.indexOf('"daemon-reload"'));
    }
  });

  it('applies addEnvironment to every node, and passes a generated password through as a reference', () => {
    // GIVEN a password generated with env-safe special characters
    const json = build({}, (group, stack) => {
      new RandomProvider(stack, 'random');
      const password = new Password(stack, 'RedisPassword', {
        length: 32,
        overrideSpecial: ENV_SAFE_SPECIAL_CHARACTERS,
      });
      // WHEN it is added to the environment after construction
      group.addEnvironment({ REDIS_PASSWORD: password.result, REDIS_DATABASE: '0' });
    });
    // THEN each node's env file holds the reference, single-quoted
    for (const node of ['web-1', 'web-2']) {
      expect(envFileInUserData(userDataOf(json, node))).toContain(
        "REDIS_PASSWORD='${random_password.RedisPassword.result}'\nREDIS_DATABASE='0'\n",
      );
    }
    expect(ENV_SAFE_SPECIAL_CHARACTERS).not.toMatch(/['"\\\n]/);
    expect(tfcheckProblems(json)).toBe('');
  });

  it('writes the env file 0600 at /etc/webfarm/<name>.env and lists it in the host manifest', () => {
    const { stack } = workers({ environment: { A: 'b' } });
    const json = synthWithMetadata(stack);
    const instance = resourceNamed(json, 'openstack_compute_instance_v2', 'Node-web-1_');
    const manifest = (
      instance['//'] as Record<string, { role: string; files: Array<Record<string, string>> }>
    )[HOST_MANIFEST_KEY];
    expect(manifest.role).toBe('worker');
    expect(manifest.files).toContainEqual(
      expect.objectContaining({ path: '/etc/webfarm/web.env', mode: '0600', owner: 'root:root' }),
    );
  });

  it('offers its nodes to a pool by name at their private addresses', () => {
    // GIVEN a group and a balancer pool
    const { stack, group } = workers({ count: 2 });
    const pool = new NoopBalancer(stack, 'Balancer').addPool('web', { port: 8080 });
    // WHEN the group is added as a target
    pool.addTarget(group);
    // THEN the pool has both nodes on the pool's port
    expect(pool.nodes.map((n) => [n.name, n.port])).toEqual([
      ['web-1', 8080],
      ['web-2', 8080],
    ]);
    expect(pool.nodes[0].host).toBe(group.hosts[0].privateAddress);
    const json = synthStack(() => stack);
    expect(JSON.stringify(json)).not.toContain('TfToken');
  });

  it('opens the app port from another group by intent, group to group', () => {
    // GIVEN two groups
    const json = synthStack((app) => {
      const { stack, network } = stackOnNetwork(app);
      const web = new WorkerGroup(stack, 'Web', { network, ...BASE, appPort: 8080 });
      const proxy = new WorkerGroup(stack, 'Proxy', { network, ...BASE, count: 1 });
      // WHEN the app port is opened from the other group
      web.connections.allowDefaultPortFrom(proxy, 'proxy to app');
      return stack;
    });
    // THEN the rule names the other group, not an address block
    const rule = resourceNamed(
      json,
      'openstack_networking_secgroup_rule_v2',
      'Web/SecurityGroup/Rule-ingress-tcp_8080-from-group-test_Proxy_SecurityGroup',
    );
    expect(rule).toMatchObject({
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 8080,
      port_range_max: 8080,
      description: 'proxy to app',
      remote_group_id: expect.stringMatching(/^\$\{openstack_networking_secgroup_v2\.Proxy_SecurityGroup_/),
    });
    expect(rule.remote_ip_prefix).toBeUndefined();
    expect(tfcheckProblems(json)).toBe('');
  });

  it('opens SSH from the admin networks only when adminAccess names them', () => {
    // GIVEN one group with admin access and one without
    const json = synthStack((app) => {
      const { stack, network } = stackOnNetwork(app);
      const admin = new AdminAccess(stack, 'Admin', { adminCidrs: ['198.51.100.0/24'] });
      new WorkerGroup(stack, 'Web', { network, ...BASE, adminAccess: admin });
      new WorkerGroup(stack, 'Jobs', { network, ...BASE });
      return stack;
    });
    // THEN only the first has an SSH rule, from that CIDR
    const rules = Object.entries(resourcesOf(json, 'openstack_networking_secgroup_rule_v2'));
    const ssh = rules.filter(([, r]) => r.port_range_min === 22);
    expect(ssh).toHaveLength(1);
    expect(ssh[0][0]).toMatch(/^Web_SecurityGroup_/);
    expect(ssh[0][1]).toMatchObject({ direction: 'ingress', remote_ip_prefix: '198.51.100.0/24' });
  });

  it('boots with a keypair, from a volume, with a data volume that is bootstrapped and kept', () => {
    const json = build({
      count: 1,
      bootVolumeSizeGb: 30,
      dataVolume: { sizeGb: 50, mountPoint: '/srv/data', owner: 'app:app' },
      keyPair: KeyPair.fromName('ops'),
    });
    const instance = resourceNamed(json, 'openstack_compute_instance_v2', 'Node-web-1_');
    expect(instance.key_pair).toBe('ops');
    expect(instance.block_device).toEqual([
      expect.objectContaining({ volume_size: 30, destination_type: 'volume' }),
    ]);
    expect(resourceNamed(json, 'openstack_blockstorage_volume_v3', 'Node-web-1/Volume-data')).toMatchObject({
      size: 50,
      lifecycle: { prevent_destroy: true },
    });
    const userData = instance.user_data as string;
    expect(userData).toContain(`path: "${PREPARE_VOLUME_PATH}"`);
    expect(userData).toMatch(
      new RegExp(
        `- - "${PREPARE_VOLUME_PATH}"\\n    - "/dev/disk/by-id/virtio-\\$\\{substr\\(openstack_blockstorage_volume_v3\\.Web_Node-web-1_Volume-data_[0-9A-F]+\\.id, 0, 20\\)\\}"\\n    - "/srv/data"\\n    - "app:app"`,
      ),
    );
    expect(tfcheckProblems(json)).toBe('');
  });

  it('starts a docker compose app with the env file sourced by the shell', () => {
    const json = build({
      app: WorkerApp.dockerCompose({
        composeFile:
          'services:\n  app:\n    image: nginx\n    environment: [MODE]\n    restart: unless-stopped\n',
      }),
      environment: { MODE: 'a ${literal} value' },
    });
    const userData = userDataOf(json, 'web-1');
    expect(userData).toContain('- "docker.io"\n  - "docker-compose-v2"');
    expect(userData).toContain('path: "/opt/webfarm/web/compose.yaml"');
    expect(userData).toContain(
      '- "set -a && . /etc/webfarm/web.env && set +a && exec docker compose --project-name web --project-directory /opt/webfarm/web --file /opt/webfarm/web/compose.yaml up --detach"',
    );
    expect(envFileInUserData(userData)).toContain("MODE='a $${literal} value'");
  });

  it('renders a systemd unit that reads the env file and runs as a transient user by default', () => {
    const unit = renderAppUnit(
      { execStart: '/opt/app/bin/server --port 8080 --ratio 50%' },
      { name: 'web', envFilePath: '/etc/webfarm/web.env', path: 'test' },
    );
    expect(unit).toContain('EnvironmentFile=/etc/webfarm/web.env\n');
    expect(unit).toContain('ExecStart=/opt/app/bin/server --port 8080 --ratio 50%%\n');
    expect(unit).toContain('DynamicUser=yes\nStateDirectory=webfarm-web\n');
    expect(appUnitName('web')).toBe('webfarm-web.service');
    const asRoot = renderAppUnit(
      { execStart: '/bin/true', user: 'root' },
      { name: 'web', envFilePath: '/e', path: 't' },
    );
    expect(asRoot).toContain('User=root\n');
    expect(asRoot).not.toContain('AmbientCapabilities');
  });

  describe('environment file', () => {
    it('quotes values in single quotes, or double quotes when they hold a single quote', () => {
      const { group } = workers({ environment: { A: 'x y', B: "it's $x" } });
      expect(group.envFileOf('web-1')).toBe(
        [
          '# webfarm: environment of web node web-1.',
          '# Read by systemd (EnvironmentFile=) and by sh (set -a; . this-file).',
          "A='x y'",
          'B="it\'s \\$x"',
          '',
        ].join('\n'),
      );
    });

    // bash gets --norc: it takes node's socketpair stdio for an rsh session and would read ~/.bashrc.
    for (const shell of [['sh'], ['bash', '--posix', '--norc'], ['dash']]) {
      it(`parses in ${shell.join(' ')} to the exact values (spaces, quotes, $, backslashes, backticks)`, () => {
        const { group } = workers({ environment: TRICKY });
        const parsed = sourceWithShell(group.envFileOf('web-1'), shell);
        for (const [name, value] of Object.entries(TRICKY))
          expect({ [name]: parsed[name] }).toEqual({ [name]: value });
      });
    }
  });
});

describeWithTools(['systemd-analyze'], 'WorkerGroup env file with systemd', () => {
  const generator = '/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator';

  it("systemd's env-file parser reads the same values as the shell", () => {
    // systemd's EnvironmentFile= parser, run through the environment.d generator (which shares
    // it). The generator additionally expands $VAR and drops empty values, and prints control
    // characters C-escaped, so values with $, the empty value and the tab are left to the shell
    // tests; every quoting case is here.
    if (!fs.existsSync(generator)) throw new Error(`${generator} missing (part of systemd)`);
    const values = Object.fromEntries(
      Object.entries(TRICKY).filter(([, v]) => v !== '' && !v.includes('$') && !v.includes('\t')),
    );
    const { group } = workers({ environment: values });
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'environment.d'));
    fs.writeFileSync(path.join(dir, 'environment.d', 'web.conf'), group.envFileOf('web-1'));
    const printed = run(generator, [], { env: { XDG_CONFIG_HOME: dir } });
    // The generator prints shell-quoted assignments: read them back with sh.
    const parsed = sourceWithShell(printed, ['sh']);
    for (const [name, value] of Object.entries(values))
      expect({ [name]: parsed[name] }).toEqual({ [name]: value });
  });

  it('the app unit passes systemd-analyze verify', () => {
    const dir = tempDir();
    const unitPath = path.join(dir, appUnitName('web'));
    fs.writeFileSync(
      unitPath,
      renderAppUnit(
        { execStart: '/bin/sleep infinity', restart: 'on-failure' },
        { name: 'web', envFilePath: path.join(dir, 'web.env'), path: 'test' },
      ),
    );
    fs.writeFileSync(path.join(dir, 'web.env'), "A='b'\n");
    const result = require('child_process').spawnSync('systemd-analyze', ['verify', '--man=no', unitPath], {
      encoding: 'utf8',
    }) as { status: number; stdout: string; stderr: string };
    expect({ status: result.status, output: `${result.stdout}${result.stderr}`.trim() }).toEqual({
      status: 0,
      output: '',
    });
  });
});

describeWithTools(['cloud-init'], 'WorkerGroup user data with cloud-init', () => {
  for (const [kind, app] of [
    ['systemd', WorkerApp.systemd({ execStart: '/opt/app/bin/server' })],
    ['docker compose', WorkerApp.dockerCompose({ composeFile: 'services:\n  app:\n    image: nginx\n' })],
  ] as const) {
    it(`passes cloud-init schema (${kind} app, roles, tokens, data volume)`, () => {
      const json = build(
        {
          app,
          environment: TRICKY,
          roles: { primaryEnvironment: { P: 'true' }, secondaryEnvironment: { P: 'false' } },
          dataVolume: { sizeGb: 10, mountPoint: '/srv/data' },
          packages: ['curl'],
          files: [{ path: '/etc/app/app.conf', content: 'x = ${y}\n', permissions: '0640' }],
        },
        (group, stack) => {
          new RandomProvider(stack, 'random');
          group.addEnvironment({ SECRET: new Password(stack, 'Secret', { length: 16 }).result });
        },
      );
      for (const node of ['web-1', 'web-2']) {
        const dir = tempDir();
        const file = path.join(dir, 'user-data');
        fs.writeFileSync(file, withPlaceholders(userDataOf(json, node)));
        expect(run('cloud-init', ['schema', '--config-file', file]).trim()).toBe(
          `Valid cloud-config: ${file}`,
        );
      }
    });
  }
});

describeWithTools(['shellcheck'], 'WorkerGroup start commands with shellcheck', () => {
  it('the docker compose start command is clean sh', () => {
    const { group } = workers({ app: WorkerApp.dockerCompose({ composeFile: 'services: {}\n' }) });
    const runcmd = group.nodeCloudConfig('web-1').runcmd ?? [];
    const script = (runcmd[runcmd.length - 1] as string[])[2];
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'start.sh'), `#!/bin/sh\n${script}\n`);
    // SC1091: the env file is not on this machine to follow.
    expect(run('shellcheck', ['-s', 'sh', '-e', 'SC1091', path.join(dir, 'start.sh')])).toBe('');
  });
});

describeWithTools(['tfsim', 'terraform', 'python3'], 'WorkerGroup with Terraform (tfsim)', () => {
  it('the env file Terraform writes parses in a shell to the exact values', () => {
    // GIVEN the tricky values, through TypeScript -> JSON -> Terraform -> YAML -> file -> sh
    const json = build({ environment: TRICKY, app: WorkerApp.systemd({ execStart: '/bin/true' }) });
    // WHEN Terraform plans the stack
    const { changes } = tfsimPlan(json);
    const node = changes.find((c) => c.type === 'openstack_compute_instance_v2' && c.name.includes('web-1'));
    const userData = node?.change.after?.user_data as string;
    const parsedYaml = JSON.parse(
      run('python3', ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], {
        input: userData,
      }),
    ) as { write_files: Array<{ path: string; content: string }> };
    const envFile = parsedYaml.write_files.find((f) => f.path === '/etc/webfarm/web.env')?.content ?? '';
    // THEN the shell reads exactly the values given
    const parsed = sourceWithShell(envFile, ['sh']);
    for (const [name, value] of Object.entries(TRICKY))
      expect({ [name]: parsed[name] }).toEqual({ [name]: value });
  });

  it('a full-featured group passes terraform validate', () => {
    const json = build(
      {
        app: WorkerApp.dockerCompose({ composeFile: 'services: {}\n' }),
        roles: { primaryEnvironment: { P: 'true' }, secondaryEnvironment: { P: 'false' } },
        dataVolume: { sizeGb: 10, mountPoint: '/srv/data' },
        bootVolumeSizeGb: 20,
        keyPair: KeyPair.fromName('ops'),
        appPort: 8080,
      },
      (group, stack) => {
        new AdminAccess(stack, 'Admin', { adminCidrs: ['198.51.100.0/24', '2001:db8::/32'] }).allowSshTo(
          group,
        );
        group.connections.allowFrom(Peer.ipv4('203.0.113.0/24'), Port.tcp(8080), 'test clients');
      },
    );
    expect(tfcheckProblems(json)).toBe('');
    expect(tfsimValidateProblems(json)).toBe('');
  });
});

describe('WorkerGroup validation', () => {
  const fails = (props: Partial<WorkerGroupProps>) => () => workers(props);

  it('fails on a group name that is not a DNS label', () => {
    expect(fails({ name: 'Web_1' })).toThrow(
      'test/Web: name "Web_1" is not allowed; allowed: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters. Fix: rename it, e.g. "web" or "api-v2"',
    );
  });

  it('fails on a group name too long for its node names', () => {
    expect(fails({ name: 'a'.repeat(62), count: 10 })).toThrow(
      `test/Web: name "${'a'.repeat(62)}" is not allowed; allowed: at most 60 characters, so that node names up to "<name>-10" fit in 63. Fix: give the group a shorter name`,
    );
  });

  it('fails on a count of 0', () => {
    expect(fails({ count: 0 })).toThrow(
      'test/Web: count 0 is not allowed; allowed: an integer from 1 to 1000. Fix: give the number of nodes, from 1 to 1000 (split larger fleets into several groups)',
    );
  });

  it('fails on a fractional count', () => {
    expect(fails({ count: 1.5 })).toThrow(
      'test/Web: count 1.5 is not allowed; allowed: an integer from 1 to 1000.',
    );
  });

  it('fails on a count that is a Terraform reference', () => {
    expect(fails({ count: Token.asNumber('${var.workers}') })).toThrow(
      'test/Web: count "a Terraform reference" is not allowed; allowed: a number known at synth (each node is its own resource, keyed by name). Fix: give a literal count',
    );
  });

  it('fails on an environment value that is not a string (a number from JavaScript)', () => {
    expect(fails({ environment: { PORT: 8080 as unknown as string } })).toThrow(
      'test/Web: value of PORT 8080 is not allowed; allowed: a string. Fix: write the value as a string, e.g. "8080"',
    );
  });

  it('fails on an env file that names a variable twice (renderEnvFile)', () => {
    expect(() =>
      renderEnvFile('test/Web', [
        ['A', '1'],
        ['B', '2'],
        ['A', '1'],
      ]),
    ).toThrow(
      'test/Web: environment variable "A" is not allowed; allowed: each name once. Fix: set the variable in one place only',
    );
    expect(renderEnvFile('test/Web', [['A', '1']])).toBe("A='1'\n");
  });

  it('fails on count and nodeNames together', () => {
    expect(fails({ count: 2, nodeNames: ['a'] })).toThrow(
      'test/Web: count and nodeNames {"count":2,"nodeNames":["a"]} is not allowed; allowed: one of them. Fix: give count for nodes named <name>-1…<name>-N, or nodeNames for names of your own',
    );
  });

  it('fails on an empty nodeNames', () => {
    expect(fails({ nodeNames: [] })).toThrow(
      'test/Web: nodeNames [] is not allowed; allowed: at least one node name. Fix: list the nodes, e.g. ["web-a", "web-b"], or give count',
    );
  });

  it('fails on a duplicate node name', () => {
    expect(fails({ nodeNames: ['a', 'a'] })).toThrow(
      'test/Web: node name "a" is not allowed; allowed: each name once. Fix: remove the duplicate',
    );
  });

  it('fails on a node name that is not a DNS label', () => {
    expect(fails({ nodeNames: ['A b'] })).toThrow(
      'test/Web: node name "A b" is not allowed; allowed: lowercase letters',
    );
  });

  it('fails on an empty image', () => {
    expect(fails({ image: '' })).toThrow(
      'test/Web: image "" is not allowed; allowed: an image name of your cloud. Fix: give the image name, e.g. from `openstack image list`',
    );
  });

  it('fails on a blank flavor', () => {
    expect(fails({ flavor: ' ' })).toThrow(
      'test/Web: flavor " " is not allowed; allowed: a flavor name of your cloud. Fix: give the flavor name, e.g. from `openstack flavor list`',
    );
  });

  it('fails on a placement other than (soft-)anti-affinity', () => {
    expect(fails({ placement: 'affinity' as never })).toThrow(
      'test/Web: placement "affinity" is not allowed; allowed: "anti-affinity" or "soft-anti-affinity". Fix: use "soft-anti-affinity" when the cloud has fewer hypervisors than nodes',
    );
  });

  it('fails on an app port of 0', () => {
    expect(fails({ appPort: 0 })).toThrow(
      'test/Web: appPort 0 is not allowed; allowed: an integer from 1 to 65535.',
    );
  });

  it('fails on a boot volume of 0 GiB', () => {
    expect(fails({ bootVolumeSizeGb: 0 })).toThrow(
      'test/Web: bootVolumeSizeGb 0 is not allowed; allowed: an integer from 1 to 65536. Fix: give the size in GiB, e.g. 20',
    );
  });

  it('fails on a data volume of 0 GiB', () => {
    expect(fails({ dataVolume: { sizeGb: 0 } })).toThrow(
      'test/Web: dataVolume.sizeGb 0 is not allowed; allowed: an integer from 1 to 65536. Fix: give the size in GiB, e.g. 100',
    );
  });

  it('fails on a relative mount point', () => {
    expect(fails({ dataVolume: { sizeGb: 1, mountPoint: 'srv' } })).toThrow(
      'test/Web: dataVolume.mountPoint "srv" is not allowed; allowed: an absolute path',
    );
  });

  it('fails on mounting a data volume at /', () => {
    expect(fails({ dataVolume: { sizeGb: 1, mountPoint: '/' } })).toThrow(
      'test/Web: dataVolume.mountPoint "/" is not allowed; allowed: a directory below /. Fix: mount the volume at e.g. "/srv/data"',
    );
  });

  it('fails on a malformed data volume owner', () => {
    expect(fails({ dataVolume: { sizeGb: 1, mountPoint: '/srv', owner: 'Bad Owner' } })).toThrow(
      'test/Web: dataVolume.owner "Bad Owner" is not allowed; allowed: "user", "user:group" or "uid:gid".',
    );
  });

  it('fails on an environment variable name starting with a digit', () => {
    expect(fails({ environment: { '1A': 'x' } })).toThrow(
      'test/Web: environment variable name "1A" is not allowed; allowed: letters, digits and "_", not starting with a digit. Fix: rename the variable, e.g. "REDIS_URL"',
    );
  });

  for (const [what, value, shown] of [
    ['a newline', 'a\nb', '"a\\nb"'],
    ['a carriage return', 'a\rb', '"a\\rb"'],
    ['a NUL', 'a\u0000b', '"a\\u0000b"'],
  ] as const) {
    it(`fails on an environment value with ${what}`, () => {
      expect(fails({ environment: { A: value } })).toThrow(
        `test/Web: value of A ${shown} is not allowed; allowed: one line of text without carriage returns or NUL characters. Fix: put multi-line content in a file (\`files\`) and pass its path in the variable`,
      );
    });
  }

  it('fails on a reference with a single quote around it', () => {
    const { stack, group } = workers();
    new RandomProvider(stack, 'random');
    const password = new Password(stack, 'P', { length: 8 }).result;
    expect(() => group.addEnvironment({ URL: `redis://:'${password}'@redis` })).toThrow(
      /^test\/Web: value of URL "redis:\/\/:'\$\{TfToken\[TOKEN\.\d+\]\}'@redis" is not allowed; allowed: a Terraform reference with text around it that holds no single quote\. Fix: drop the ' from the text around the reference, or pass the reference alone$/,
    );
    expect(() => group.addEnvironment({ URL: `redis://:${password}@redis:6379/0` })).not.toThrow();
  });

  it('fails on setting a variable twice to different values', () => {
    const { group } = workers({ environment: { A: 'x' } });
    group.addEnvironment({ A: 'x' });
    expect(() => group.addEnvironment({ A: 'y' })).toThrow(
      'test/Web: environment variable A "y" is not allowed; allowed: its value already set: "x". Fix: set each variable once',
    );
  });

  it('fails on a common variable that the roles set', () => {
    const { group } = workers({
      roles: { primaryEnvironment: { R: '1' }, secondaryEnvironment: { R: '0' } },
    });
    expect(() => group.addEnvironment({ R: 'y' })).toThrow(
      'test/Web: environment variable "R" is not allowed; allowed: a name the roles do not set (R). Fix: set it in roles.primaryEnvironment and roles.secondaryEnvironment only',
    );
  });

  it('fails on an empty execStart', () => {
    expect(fails({ app: WorkerApp.systemd({ execStart: '' }) })).toThrow(
      'test/Web: app execStart "" is not allowed; allowed: the command line of the app, e.g. "/opt/app/bin/server --port 8080" (one non-empty line). Fix: give one command; put several steps in a script and start that',
    );
  });

  it('fails on an execStart of two lines', () => {
    expect(fails({ app: WorkerApp.systemd({ execStart: '/bin/a\n/bin/b' }) })).toThrow(
      'test/Web: app execStart "/bin/a\\n/bin/b" is not allowed;',
    );
  });

  it('fails on an app user that is not a Linux user name', () => {
    expect(fails({ app: WorkerApp.systemd({ execStart: '/bin/a', user: 'Root!' }) })).toThrow(
      'test/Web: app user "Root!" is not allowed; allowed: a Linux user name: lowercase letters, digits, "_" and "-", at most 32 characters. Fix: name an existing user, or leave user unset for a transient one',
    );
  });

  it('fails on a relative working directory', () => {
    expect(fails({ app: WorkerApp.systemd({ execStart: '/bin/a', workingDirectory: 'rel' }) })).toThrow(
      'test/Web: app workingDirectory "rel" is not allowed; allowed: an absolute path',
    );
  });

  it('fails on an unknown restart policy', () => {
    expect(fails({ app: WorkerApp.systemd({ execStart: '/bin/a', restart: 'sometimes' as never }) })).toThrow(
      'test/Web: app restart "sometimes" is not allowed; allowed: "always", "on-failure" or "no". Fix: pick one of them',
    );
  });

  it('fails on an empty compose file', () => {
    expect(fails({ app: WorkerApp.dockerCompose({ composeFile: '' }) })).toThrow(
      'test/Web: app composeFile "" is not allowed; allowed: the YAML text of a compose file. Fix: pass the compose file content, e.g. fs.readFileSync("compose.yaml", "utf8")',
    );
  });

  it('fails on an empty list of compose packages', () => {
    expect(fails({ app: WorkerApp.dockerCompose({ composeFile: 'x', packages: [] }) })).toThrow(
      "test/Web: app packages [] is not allowed; allowed: the packages that provide docker and docker compose. Fix: leave packages unset for Ubuntu's docker.io and docker-compose-v2",
    );
  });

  it('fails at construction on a malformed package name', () => {
    expect(fails({ packages: ['Bad Package'] })).toThrow(
      'test/Web cloud-init: package "Bad Package" is not allowed; allowed: a Debian package name, optionally "=version".',
    );
  });

  it('fails at once on a fragment that writes a file the group already writes', () => {
    const { group } = workers({ files: [{ path: '/etc/a', content: '' }] });
    expect(() => group.addCloudConfig({ writeFiles: [{ path: '/etc/a', content: '' }] })).toThrow(
      'test/Web cloud-init: write_files path "/etc/a" is not allowed; allowed: each path once. Fix: merge the two files into one, or write them to different paths',
    );
  });

  it('puts a node added after the group joined a pool into that pool (order of calls does not matter)', () => {
    // GIVEN a group that joined a pool, and one that joins after the node is added
    const { stack, group } = workers();
    const before = new NoopBalancer(stack, 'Balancer').addPool('web', { port: 80 });
    before.addTarget(group);
    // WHEN a node is added
    group.addNode();
    const after = new NoopBalancer(stack, 'Other').addPool('web', { port: 80 });
    after.addTarget(group);
    // THEN both pools hold the same three nodes, and asking for nodes changed nothing
    expect(before.nodes.map((n) => n.name)).toEqual(['web-1', 'web-2', 'web-3']);
    expect(after.nodes.map((n) => n.name)).toEqual(['web-1', 'web-2', 'web-3']);
    group.balancerNodes(80);
    expect(() => group.addNode()).not.toThrow();
    expect(before.nodes).toHaveLength(4);
  });

  it('fails on addNode with a name already taken', () => {
    expect(() => workers().group.addNode('web-1')).toThrow(
      'test/Web: node name "web-1" is not allowed; allowed: a name not yet used (taken: web-1, web-2). Fix: choose another name',
    );
  });

  it('fails on asking for a node that does not exist', () => {
    expect(() => workers().group.host('web-9')).toThrow(
      'test/Web: node "web-9" is not allowed; allowed: "web-1", "web-2". Fix: name one of the nodes of this group',
    );
  });

  it('fails on balancer nodes on port 0', () => {
    expect(() => workers().group.balancerNodes(0)).toThrow('test/Web: balancer port 0 is not allowed;');
  });

  it('skips unresolved tokens for image and flavor', () => {
    const { stack, network } = stackOnNetwork(Testing.app());
    expect(
      () => new WorkerGroup(stack, 'Web', { network, image: network.subnet.cidr, flavor: network.networkId }),
    ).not.toThrow();
  });
});

describe('ServerGroup validation', () => {
  const group = (props: ConstructorParameters<typeof ServerGroup>[2]) => () =>
    new ServerGroup(new TerraformStack(Testing.app(), 'test'), 'Placement', props);

  it('fails on an unknown policy', () => {
    expect(group({ policy: 'spread' as never })).toThrow(
      'test/Placement: policy "spread" is not allowed; allowed: "anti-affinity", "soft-anti-affinity", "affinity", "soft-affinity". Fix: use "anti-affinity" to spread members over hypervisors',
    );
  });

  it('fails on a name that is not a DNS label', () => {
    expect(group({ name: 'Web Group' })).toThrow(
      'test/Placement: name "Web Group" is not allowed; allowed: lowercase',
    );
  });
});
