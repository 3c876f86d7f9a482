import { Testing } from '../../lib/core/cdk';
import { WorkerGroup, WorkerGroupProps } from '../../lib/openstack';
import { WorkerRoles } from '../../lib/hosting';
import { synthStack, tfcheckProblems } from '../support/synth';
import { resourceNamed, stackOnNetwork } from './building-blocks-support';

/** The seed VISA platform's two variables. */
const VISA_ROLES: WorkerRoles = {
  primaryEnvironment: { VISA_SCHEDULER_ENABLED: 'true', VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'true' },
  secondaryEnvironment: { VISA_SCHEDULER_ENABLED: 'false', VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP: 'false' },
};

function workers(props: Partial<WorkerGroupProps>) {
  const { stack, network } = stackOnNetwork(Testing.app());
  const group = new WorkerGroup(stack, 'Visa', {
    network,
    image: 'Featured-Ubuntu24',
    flavor: 'm3.medium',
    ...props,
  });
  return { stack, group };
}

describe('WorkerGroup roles', () => {
  it('gives exactly one node, the first by default, the primary environment', () => {
    // GIVEN three VISA nodes with roles
    const { stack, group } = workers({ count: 3, roles: VISA_ROLES, environment: { REDIS_DATABASE: '0' } });
    // WHEN synthesized
    const json = synthStack(() => stack);
    // THEN visa-1 is the one primary, in its node record and in its user data
    expect(group.nodes.map((n) => [n.name, n.primary])).toEqual([
      ['visa-1', true],
      ['visa-2', false],
      ['visa-3', false],
    ]);
    const envOf = (node: string) =>
      resourceNamed(json, 'openstack_compute_instance_v2', `Node-${node}_`).user_data as string;
    const primaries = ['visa-1', 'visa-2', 'visa-3'].filter((n) =>
      envOf(n).includes("VISA_SCHEDULER_ENABLED='true'\\nVISA_VDI_CLEANUP_SESSIONS_ON_STARTUP='true'"),
    );
    expect(primaries).toEqual(['visa-1']);
    for (const n of ['visa-2', 'visa-3']) {
      expect(envOf(n)).toContain(
        "REDIS_DATABASE='0'\\nVISA_SCHEDULER_ENABLED='false'\\nVISA_VDI_CLEANUP_SESSIONS_ON_STARTUP='false'\\n",
      );
    }
    expect(tfcheckProblems(json)).toBe('');
  });

  it('makes the named node primary', () => {
    const { group } = workers({ count: 2, roles: { ...VISA_ROLES, primary: 'visa-2' } });
    expect(group.nodes.filter((n) => n.primary).map((n) => n.name)).toEqual(['visa-2']);
    expect(group.environmentOf('visa-2')).toEqual([
      ['VISA_SCHEDULER_ENABLED', 'true'],
      ['VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP', 'true'],
    ]);
    expect(group.envFileOf('visa-1')).toContain('# webfarm: environment of visa node visa-1 (secondary).');
  });

  it('works with explicit node names', () => {
    const { group } = workers({ nodeNames: ['blue', 'green'], roles: { ...VISA_ROLES, primary: 'green' } });
    expect(group.nodes.map((n) => [n.name, n.primary])).toEqual([
      ['blue', false],
      ['green', true],
    ]);
  });

  it('keeps the primary when a node is added', () => {
    const { group } = workers({ count: 2, roles: VISA_ROLES });
    group.addNode();
    expect(group.nodes.filter((n) => n.primary).map((n) => n.name)).toEqual(['visa-1']);
    expect(group.environmentOf('visa-3')).toContainEqual(['VISA_SCHEDULER_ENABLED', 'false']);
  });

  it('marks no node primary without roles', () => {
    const { group } = workers({ count: 2 });
    expect(group.nodes.map((n) => n.primary)).toEqual([false, false]);
  });

  it('is not changed by mutating the maps after construction', () => {
    const primaryEnvironment: Record<string, string> = { LEADER: 'true' };
    const { group } = workers({ roles: { primaryEnvironment, secondaryEnvironment: { LEADER: 'false' } } });
    primaryEnvironment.LEADER = 'changed';
    expect(group.environmentOf('visa-1')).toEqual([['LEADER', 'true']]);
  });

  describe('validation', () => {
    it('fails on naming a primary that is not a node (zero primaries)', () => {
      expect(() => workers({ count: 2, roles: { ...VISA_ROLES, primary: 'visa-3' } })).toThrow(
        'test/Visa: roles.primary "visa-3" is not allowed; allowed: exactly one primary among the nodes ("visa-1", "visa-2"). Fix: name one of the nodes as primary, or leave primary unset for the first node',
      );
    });

    it('fails on role variables set for the primary only', () => {
      expect(() =>
        workers({
          roles: {
            primaryEnvironment: { VISA_SCHEDULER_ENABLED: 'true', EXTRA: '1' },
            secondaryEnvironment: { VISA_SCHEDULER_ENABLED: 'false', OTHER: '0' },
          },
        }),
      ).toThrow(
        'test/Visa: roles variables {"onlyOnPrimary":["EXTRA"],"onlyOnSecondaries":["OTHER"]} is not allowed; allowed: the same variable names in primaryEnvironment and secondaryEnvironment. Fix: give every role variable a value for the primary and one for the secondaries',
      );
    });

    it('fails on a role variable name that is not a variable name', () => {
      expect(() =>
        workers({ roles: { primaryEnvironment: { 'A-B': '1' }, secondaryEnvironment: { 'A-B': '0' } } }),
      ).toThrow(
        'test/Visa roles.primaryEnvironment: environment variable name "A-B" is not allowed; allowed: letters, digits and "_", not starting with a digit.',
      );
    });

    it('fails on a role value with a newline', () => {
      expect(() =>
        workers({ roles: { primaryEnvironment: { A: '1' }, secondaryEnvironment: { A: '0\n1' } } }),
      ).toThrow(
        'test/Visa roles.secondaryEnvironment: value of A "0\\n1" is not allowed; allowed: one line of text without carriage returns or NUL characters.',
      );
    });

    it('fails on a variable set both for every node and by the roles', () => {
      expect(() => workers({ roles: VISA_ROLES, environment: { VISA_SCHEDULER_ENABLED: 'true' } })).toThrow(
        'test/Visa: environment variable "VISA_SCHEDULER_ENABLED" is not allowed; allowed: a name the roles do not set (VISA_SCHEDULER_ENABLED, VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP). Fix: set it in roles.primaryEnvironment and roles.secondaryEnvironment only',
      );
    });
  });
});
