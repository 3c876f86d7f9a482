import * as fs from 'fs';
import * as path from 'path';
import { Testing } from '../../lib/core/cdk';
import {
  AdminAccess,
  AdminAccessProps,
  BASTION_SSHD_CONFIG,
  Bastion,
  KeyPair,
  KeyPairProps,
  WorkerGroup,
} from '../../lib/openstack';
import { StackJson, resourcesOf, synthStack, tfcheckProblems } from '../support/synth';
import { describeWithTools, run, tempDir } from '../support/tools';
import { resourceNamed, stackOnNetwork, tfsimValidateProblems } from './building-blocks-support';

/** A throwaway public key (its private half was deleted when it was made). */
const PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJnFHtimwtBv6TR4TiAMIZ8N4oX31JW2hFZvP9Bno78n admin@example.org';
const IMAGE = { image: 'Featured-Ubuntu24', flavor: 'm3.tiny' };

function withAdmin(props: (network: ReturnType<typeof stackOnNetwork>['network']) => AdminAccessProps) {
  const { stack, network } = stackOnNetwork(Testing.app());
  const admin = new AdminAccess(stack, 'Admin', props(network));
  const workers = new WorkerGroup(stack, 'Web', { network, ...IMAGE, adminAccess: admin });
  return { stack, admin, workers };
}

type Rule = Record<string, unknown>;
function sshRules(json: StackJson, group: string): Rule[] {
  return Object.entries(resourcesOf(json, 'openstack_networking_secgroup_rule_v2'))
    .filter(
      ([name, r]) => name.startsWith(`${group}_`) && r.direction === 'ingress' && r.port_range_min === 22,
    )
    .map(([, r]) => r);
}

describe('AdminAccess', () => {
  it('writes no SSH rule at all without admin CIDRs', () => {
    const { stack } = withAdmin(() => ({}));
    const json = synthStack(() => stack);
    const ssh = Object.values(resourcesOf(json, 'openstack_networking_secgroup_rule_v2')).filter(
      (r) => r.port_range_min === 22,
    );
    expect(ssh).toEqual([]);
  });

  it('opens SSH to the targets from each admin CIDR, IPv4 and IPv6, when there is no bastion', () => {
    const { stack } = withAdmin(() => ({ adminCidrs: ['198.51.100.0/24', '2001:db8::/48'] }));
    const json = synthStack(() => stack);
    expect(
      sshRules(json, 'Web_SecurityGroup')
        .map((r) => [r.ethertype, r.protocol, r.port_range_max, r.remote_ip_prefix, r.description])
        .sort(),
    ).toEqual([
      ['IPv4', 'tcp', 22, '198.51.100.0/24', 'SSH from an admin network'],
      ['IPv6', 'tcp', 22, '2001:db8::/48', 'SSH from an admin network'],
    ]);
    expect(tfcheckProblems(json)).toBe('');
  });

  it('with a bastion: SSH from the CIDRs to the bastion only, and from the bastion group to the targets', () => {
    // GIVEN admin access through a bastion
    const { stack, admin } = withAdmin((network) => ({
      adminCidrs: ['198.51.100.0/24'],
      bastion: { network, ...IMAGE, floatingIpPool: 'public', keyPair: KeyPair.fromName('ops') },
    }));
    // WHEN synthesized
    const json = synthStack(() => stack);
    // THEN the bastion admits the admin network
    expect(sshRules(json, 'Admin_Bastion_SecurityGroup')).toEqual([
      expect.objectContaining({ remote_ip_prefix: '198.51.100.0/24', protocol: 'tcp', port_range_max: 22 }),
    ]);
    // AND the workers admit the bastion's group only
    const workerSsh = sshRules(json, 'Web_SecurityGroup');
    expect(workerSsh).toEqual([
      expect.objectContaining({
        remote_group_id: expect.stringMatching(
          /^\$\{openstack_networking_secgroup_v2\.Admin_Bastion_SecurityGroup_/,
        ),
        description: 'SSH from the bastion',
      }),
    ]);
    expect(workerSsh[0].remote_ip_prefix).toBeUndefined();
    // AND the bastion has a separate floating IP on its port, a keypair and keys-only sshd
    expect(
      resourceNamed(
        json,
        'openstack_networking_floatingip_associate_v2',
        'Admin/Bastion/FloatingIp/Association',
      ),
    ).toMatchObject({
      port_id: expect.stringMatching(/^\$\{openstack_networking_port_v2\.Admin_Bastion_Host_Port_/),
    });
    const instance = resourceNamed(json, 'openstack_compute_instance_v2', 'Admin/Bastion/Host');
    expect(instance).toMatchObject({ name: 'bastion', key_pair: 'ops', flavor_name: 'm3.tiny' });
    expect(instance.user_data).toContain('path: "/etc/ssh/sshd_config.d/60-webfarm-bastion.conf"');
    expect(instance.user_data).toContain('PasswordAuthentication no');
    expect(admin.bastion?.publicAddress).toBe(admin.bastion?.floatingIp.address);
    expect(tfcheckProblems(json)).toBe('');
  });

  it("GIVEN the administrators' keypair THEN the bastion and every target take it, unless they name their own", () => {
    const { stack, network } = stackOnNetwork(Testing.app());
    const admin = new AdminAccess(stack, 'Admin', {
      adminCidrs: ['198.51.100.0/24'],
      keyPair: KeyPair.fromName('operators'),
      bastion: { network, ...IMAGE, floatingIpPool: 'public' },
    });
    new WorkerGroup(stack, 'Web', { network, ...IMAGE, count: 2, adminAccess: admin });
    new WorkerGroup(stack, 'Api', {
      network,
      ...IMAGE,
      adminAccess: admin,
      keyPair: KeyPair.fromName('api'),
    });
    new WorkerGroup(stack, 'Batch', { network, ...IMAGE });
    const json = synthStack(() => stack);
    const keyOf: Record<string, unknown[]> = {};
    for (const [name, r] of Object.entries(resourcesOf(json, 'openstack_compute_instance_v2'))) {
      (keyOf[name.split('_')[0]] ??= []).push(r.key_pair);
    }
    expect(keyOf).toEqual({
      Admin: ['operators'],
      Web: ['operators', 'operators'],
      Api: ['api', 'api'],
      Batch: [undefined, undefined],
    });
    expect(tfcheckProblems(json)).toBe('');
  });

  it('warns when adminCidrs names the whole internet', () => {
    const { admin } = withAdmin(() => ({ adminCidrs: ['0.0.0.0/0'] }));
    expect(admin.node.metadata.map((m) => [m.type, m.data])).toEqual([
      [
        '@cdktf/warn',
        'SSH is open to the whole internet (0.0.0.0/0) because adminCidrs names it; prefer the networks your administrators use.',
      ],
    ]);
  });

  it('GIVEN adminCidrs naming the IPv6 internet as 0::/0 THEN it warns like ::/0', () => {
    const { admin } = withAdmin(() => ({ adminCidrs: ['0::/0'] }));
    expect(admin.node.metadata.map((m) => [m.type, m.data])).toEqual([
      [
        '@cdktf/warn',
        'SSH is open to the whole internet (0::/0) because adminCidrs names it; prefer the networks your administrators use.',
      ],
    ]);
  });

  describe('validation', () => {
    it('fails on adminCidrs given as one string instead of a list', () => {
      expect(() => withAdmin(() => ({ adminCidrs: '198.51.100.0/24' as unknown as string[] }))).toThrow(
        'test/Admin: adminCidrs "198.51.100.0/24" is not allowed; allowed: a list of CIDR blocks. Fix: write adminCidrs: ["198.51.100.0/24"]',
      );
    });

    it('fails on a malformed admin CIDR', () => {
      expect(() => withAdmin(() => ({ adminCidrs: ['198.51.100.7'] }))).toThrow(
        'test/Admin: adminCidrs entry "198.51.100.7" is not allowed; allowed: an IPv4 or IPv6 CIDR block such as "203.0.113.0/24" or "2001:db8::/32". Fix: write the network address and prefix length',
      );
    });

    it('fails on a bastion without admin CIDRs', () => {
      expect(() =>
        withAdmin((network) => ({ bastion: { network, ...IMAGE, floatingIpPool: 'public' } })),
      ).toThrow(
        'test/Admin/Bastion: adminCidrs [] is not allowed; allowed: at least one CIDR block (a bastion nobody may reach is of no use). Fix: give the networks your administrators connect from, e.g. ["198.51.100.0/24"]',
      );
    });

    it('fails on a bastion without a floating IP pool', () => {
      const { stack, network } = stackOnNetwork(Testing.app());
      expect(
        () =>
          new Bastion(stack, 'Bastion', {
            network,
            ...IMAGE,
            floatingIpPool: '',
            adminCidrs: ['198.51.100.0/24'],
          }),
      ).toThrow('test/Bastion/FloatingIp: pool "" is not allowed; allowed: the name of an external network.');
    });
  });
});

describeWithTools(['sshd', 'ssh-keygen'], 'Bastion sshd settings with sshd', () => {
  it('pass sshd -t', () => {
    const dir = tempDir();
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
    const config = path.join(dir, 'sshd_config');
    fs.writeFileSync(config, `HostKey ${path.join(dir, 'host_key')}\n${BASTION_SSHD_CONFIG}`);
    expect(run('sshd', ['-t', '-f', config])).toBe('');
  });
});

describe('KeyPair', () => {
  function keyPair(props: KeyPairProps) {
    let kp: KeyPair | undefined;
    const json = synthStack(() => {
      const { stack } = stackOnNetwork(Testing.app());
      kp = new KeyPair(stack, 'Admin', props);
      return stack;
    });
    return { json, kp: kp as KeyPair };
  }

  it('stores a given public key and outputs nothing', () => {
    const { json, kp } = keyPair({ publicKey: `${PUBLIC_KEY}\n` });
    expect(Object.values(resourcesOf(json, 'openstack_compute_keypair_v2'))).toEqual([
      { name: 'test-admin', public_key: PUBLIC_KEY },
    ]);
    expect(json.output).toBeUndefined();
    expect(kp.generated).toBe(false);
    expect(kp.keyPairName).toBe('test-admin');
  });

  it('lets Nova generate the pair and exposes the private key as a sensitive output', () => {
    const { json, kp } = keyPair({ name: 'ops-key' });
    expect(Object.values(resourcesOf(json, 'openstack_compute_keypair_v2'))).toEqual([{ name: 'ops-key' }]);
    expect(json.output).toEqual({
      ops_key_private_key: {
        value: expect.stringMatching(/^\$\{openstack_compute_keypair_v2\.Admin_[0-9A-F]+\.private_key\}$/),
        sensitive: true,
        description:
          'Private key of Nova keypair ops-key (generated by Nova; also in the state in plain text)',
      },
    });
    expect(kp.generated).toBe(true);
    expect(tfcheckProblems(json)).toBe('');
  });

  it('names the private key output as asked', () => {
    const { json } = keyPair({ privateKeyOutputName: 'admin_key' });
    expect(Object.keys(json.output ?? {})).toEqual(['admin_key']);
  });

  it('refers to an existing keypair by name', () => {
    expect(KeyPair.fromName('my key@laptop')).toEqual({ keyPairName: 'my key@laptop' });
  });

  describe('validation', () => {
    it('fails on a name with characters Nova refuses', () => {
      expect(() => keyPair({ name: 'ops/key' })).toThrow(
        'test/Admin: keypair name "ops/key" is not allowed; allowed: letters, digits, " ", "_", ".", "@" and "-", 1 to 255 characters. Fix: rename the keypair, e.g. "admin-key"',
      );
    });

    it('fails on a private key pasted as the public key', () => {
      expect(() =>
        keyPair({ publicKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n' }),
      ).toThrow(
        /^test\/Admin: publicKey "-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAA\\n" is not allowed; allowed: one OpenSSH public key line: "<type> <base64> \[comment\]" with type ssh-ed25519, ssh-rsa, .*\. Fix: paste the content of your ~\/\.ssh\/id_ed25519\.pub \(the \.pub file, never the private key\)$/,
      );
    });

    it('fails on an unknown key type', () => {
      expect(() => keyPair({ publicKey: 'ssh-dss AAAAB3NzaC1kc3MAAACBAP admin' })).toThrow(
        'test/Admin: publicKey "ssh-dss AAAAB3NzaC1kc3MAAACBAP admin" is not allowed;',
      );
    });

    it('fails on an output name Terraform refuses', () => {
      expect(() => keyPair({ privateKeyOutputName: '1key' })).toThrow(
        'test/Admin: privateKeyOutputName "1key" is not allowed; allowed: a Terraform output name: letters, digits, "_" and "-", not starting with a digit. Fix: give privateKeyOutputName, e.g. "admin_private_key"',
      );
    });

    it('fails on referring to a keypair by an empty name', () => {
      expect(() => KeyPair.fromName('')).toThrow('KeyPair.fromName: keypair name "" is not allowed;');
    });
  });
});

describeWithTools(['tfsim', 'terraform'], 'Admin access with Terraform (tfsim)', () => {
  it('bastion, admin rules and both kinds of keypair pass terraform validate', () => {
    const json = synthStack(() => {
      const { stack, network } = stackOnNetwork(Testing.app());
      const keyPair = new KeyPair(stack, 'Given', { publicKey: PUBLIC_KEY });
      new KeyPair(stack, 'Generated');
      const admin = new AdminAccess(stack, 'Admin', {
        adminCidrs: ['198.51.100.0/24', '2001:db8::/48'],
        bastion: { network, ...IMAGE, floatingIpPool: 'public', keyPair },
      });
      new WorkerGroup(stack, 'Web', { network, ...IMAGE, keyPair, adminAccess: admin });
      return stack;
    });
    expect(tfcheckProblems(json)).toBe('');
    expect(tfsimValidateProblems(json)).toBe('');
  });
});
