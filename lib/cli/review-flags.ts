/**
 * The findings of a change that concern resources: replacements (ForceNew, a rebuild from a new
 * image, a server destroyed and re-created under a new address), destroyed data (a volume
 * deleted or replaced, `prevent_destroy` removed) and apply-time failures Terraform's plan does
 * not show (a volume that shrinks).
 */
import { formatPath, ResourceChange, StackDiff } from './review-diff';
import type { Flag } from './review-exposure';
import type { StackModel } from './review-model';
import { code, escapeText } from './review-text';

const IMPACT: Record<string, string> = {
  openstack_compute_instance_v2: 'a new server: its root disk and local state are lost',
  openstack_networking_port_v2: 'a new port: new fixed IP and MAC',
  openstack_networking_floatingip_v2: 'a new public address',
  openstack_lb_loadbalancer_v2: 'a new Octavia load balancer (new VIP, downtime)',
  openstack_lb_listener_v2: 'the listener is recreated (connections drop)',
  openstack_lb_pool_v2: 'the pool is recreated with its members',
  openstack_compute_keypair_v2: 'a new key pair (new private key)',
  random_password: 'a new password',
};

function reasonText(change: ResourceChange, diffModel: StackModel | undefined): string {
  const name = (address: string | undefined): string => {
    const r = address ? diffModel?.resources.get(address) : undefined;
    return r ? r.path : (address ?? '');
  };
  return change.replace
    .map((r) => {
      const p = code(formatPath(r.path));
      switch (r.why) {
        case 'changed':
          return `ForceNew ${p} changed`;
        case 'any-argument':
          return `${p} changed (any change replaces a ${change.type})`;
        case 'unknown':
          return `ForceNew ${p} is known only after apply (${code(name(r.via))} is replaced)`;
        case 'data':
          return `ForceNew ${p} comes from ${code(name(r.via))}, read again with new arguments`;
        case 'input':
          return `ForceNew ${p} reads ${code(r.via ?? '')}, whose value changes`;
        case 'trigger':
          return `${code('replace_triggered_by')} ${code(name(r.via))}`;
      }
      return p;
    })
    .join('; ');
}

/** True for a block storage volume. */
export function isVolume(type: string): boolean {
  return /^openstack_blockstorage_volume_v\d$/.test(type);
}

/** Types whose destroy-and-create under a new address loses something: a server, an address, a balancer. */
const IDENTITY_TYPES: ReadonlySet<string> = new Set([
  'openstack_compute_instance_v2',
  'openstack_networking_floatingip_v2',
  'openstack_lb_loadbalancer_v2',
]);

/** A literal volume size, if any. */
function sizeOf(change: ResourceChange, side: 'before' | 'after'): number | undefined {
  const v = change[side]?.body.size;
  if (typeof v === 'number') return v;
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
}

function hasPreventDestroy(change: ResourceChange, side: 'before' | 'after'): boolean {
  const lifecycle = change[side]?.body.lifecycle;
  return (
    typeof lifecycle === 'object' &&
    lifecycle !== null &&
    (lifecycle as Record<string, unknown>).prevent_destroy === true
  );
}

/**
 * Replacement, destroy and failure findings of a stack's change (configuration pushes excluded):
 * one finding per resource, in the category of its consequence.
 */
export function changeFlags(diff: StackDiff, after: StackModel | undefined): Flag[] {
  const flags: Flag[] = [];
  const created = new Map<string, string[]>();
  for (const c of diff.changes) {
    if (c.action === 'create') created.set(c.type, [...(created.get(c.type) ?? []), c.address]);
  }
  for (const c of diff.changes) {
    const host = after?.hosts.find((h) => h.address === c.address);
    const name = escapeText(`${c.path}${host ? `, host ${host.name}` : ''}`);
    const flag = (kind: Flag['kind'], detail: string): void => {
      flags.push({ kind, stack: diff.stack, subject: c.address, name, detail, resources: [c.address] });
    };
    if (c.action === 'replace' && c.type !== 'terraform_data') {
      const files = diff.files.filter((f) => f.resource === c.address && f.delivery === 'cloud-init');
      const userData = c.replace.some((r) => r.why === 'changed' && formatPath(r.path) === 'user_data');
      const because =
        userData && files.length
          ? ` (cloud-init files: ${[...new Set(files.map((f) => f.path))].map((f) => code(f)).join(', ')})`
          : '';
      const refused = c.preventDestroy ? '; `prevent_destroy` is set, so `terraform apply` will refuse' : '';
      if (isVolume(c.type)) {
        flag(
          'destroy',
          `replaced: ${reasonText(c, after)} — Terraform deletes the volume with its data and creates an empty one${refused}`,
        );
      } else {
        const impact = IMPACT[c.type] ?? '';
        flag(
          'replace',
          `replaced: ${reasonText(c, after)}${because}${impact ? ` — ${impact}` : ''}${refused}`,
        );
      }
    }
    for (const d of c.disruptive) {
      if (d.effect !== 'rebuild') continue;
      flag(
        'replace',
        `rebuilt in place: ${code(d.attribute)} changed (not ForceNew, but the provider rebuilds the server from the new image: its root disk is re-imaged)`,
      );
    }
    if (c.action === 'delete') {
      const successor = IDENTITY_TYPES.has(c.type) ? created.get(c.type)?.[0] : undefined;
      if (c.preventDestroy || isVolume(c.type)) {
        flag(
          'destroy',
          c.preventDestroy
            ? 'destroyed: removed from the configuration, so its `prevent_destroy` no longer protects it — Terraform deletes it and its data'
            : 'destroyed: a volume, with its data',
        );
      } else if (successor) {
        flag(
          'replace',
          `destroyed and re-created under a new address (its construct id or name changed; new: ${code(successor)})${
            IMPACT[c.type] ? ` — ${IMPACT[c.type]}` : ''
          }`,
        );
      }
    }
    if (c.action === 'update' && hasPreventDestroy(c, 'before') && !hasPreventDestroy(c, 'after')) {
      flag(
        'destroy',
        '`prevent_destroy` removed: the next change that replaces or removes it deletes its data',
      );
    }
    if (c.action === 'update' && isVolume(c.type)) {
      const from = sizeOf(c, 'before');
      const to = sizeOf(c, 'after');
      if (from !== undefined && to !== undefined && to < from) {
        flag(
          'failure',
          `volumes cannot shrink: ${code('size')} ${from} → ${to} GB plans as an update, and \`terraform apply\` fails (Cinder only extends)`,
        );
      }
    }
  }
  return flags;
}
