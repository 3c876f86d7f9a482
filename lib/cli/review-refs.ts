/**
 * References in synthesized Terraform text, and how they read for a person: which resources a
 * `${…}` names (`referencesIn`), and template text with each reference shown as the construct
 * it reads (`labelTemplate`), secrets as `(sensitive)`.
 */
import { classifyReference, referenceTarget } from './placeholders';
import type { FoundReference, ResourceRecord } from './review-model';
import { isRecord } from './stacks';
import { parseTemplate } from './terraform-text';

const TRAVERSALS =
  /(?<![\w.-])(data\.)?([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*|\.\d+|\[[^\]]*\])*)/g;

/**
 * Every reference to a known resource or data source in template text: each `${…}` (found by
 * {@link parseTemplate}) is searched for traversals, including those inside nested strings
 * (`sha256("…${port.all_fixed_ips}…")`).
 */
export function referencesIn(text: string, known: ReadonlyMap<string, unknown>): FoundReference[] {
  const found = new Map<string, FoundReference>();
  if (!text.includes('${')) return [];
  for (const part of parseTemplate(text)) {
    if (part.kind !== 'interpolation') continue;
    for (const m of part.expression.matchAll(TRAVERSALS)) {
      const address = `${m[1] ?? ''}${m[2]}.${m[3]}`;
      if (!known.has(address)) continue;
      const attribute = /^\.([A-Za-z_][\w-]*)/.exec(m[4])?.[1] ?? '';
      found.set(`${address} ${attribute}`, { address, attribute });
    }
  }
  return [...found.values()];
}

/** Every string inside a JSON value, with its path. */
export function stringLeaves(
  value: unknown,
  at: Array<string | number> = [],
): Array<[Array<string | number>, string]> {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...at, i]));
  if (isRecord(value)) return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...at, k]));
  return [];
}

/** A function that names what a reference in template text points at. */
export type Labeller = (text: string) => string;

/**
 * Renders template text for a reader: literal text as is, each `${…}` as the resource it reads
 * (`‹Web/Node-web-1 port›`), secrets (`random_password`, private keys, …) as `(sensitive)`.
 */
export function labelTemplate(text: string, resources: ReadonlyMap<string, ResourceRecord>): string {
  return parseTemplate(text)
    .map((part) => {
      if (part.kind === 'literal') return part.text;
      if (part.kind === 'directive') return part.source;
      return `‹${referenceLabel(part.expression, resources)}›`;
    })
    .join('');
}

/** How one reference reads: `Web/Node-web-1 port`, `Net/Subnet cidr`, `(sensitive)`. */
export function referenceLabel(expression: string, resources: ReadonlyMap<string, ResourceRecord>): string {
  const kind = classifyReference(expression);
  if (kind === 'secret') return '(sensitive)';
  const target = referenceTarget(expression);
  const record = resources.get(`${target.type}.${target.name}`);
  if (!record) return expression;
  const name = resourceName(record);
  if (kind === 'private-address' || kind === 'public-address' || kind === 'ipv6-address') return name;
  const attribute = target.attribute.replace(/^\./, '').split(/[.[]/)[0];
  return attribute ? `${name} ${attribute}` : name;
}

/** A resource's display name: its construct path, `…/Port` read as `… port`. */
export function resourceName(record: ResourceRecord): string {
  if (record.type === 'openstack_networking_port_v2' && /\/Port$/.test(record.path)) {
    return `${record.path.slice(0, -'/Port'.length)} port`;
  }
  if (record.type === 'openstack_networking_floatingip_v2' && /\/FloatingIp$/.test(record.path)) {
    return `${record.path.slice(0, -'/FloatingIp'.length)} floating IP`;
  }
  return record.path;
}
