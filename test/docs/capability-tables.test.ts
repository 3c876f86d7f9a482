import * as fs from 'fs';
import * as path from 'path';
import {
  BalancerCapabilities,
  HAPROXY_CAPABILITIES,
  NGINX_CAPABILITIES,
  UNRESTRICTED_CAPABILITIES,
} from '../../lib/core';
import { OCTAVIA_AMPHORA_CAPABILITIES, OCTAVIA_OVN_CAPABILITIES } from '../../lib/openstack/octavia';
import { ROOT } from '../support/tools';

/**
 * Each backend's page under docs/ carries its capability table; the table is the backend's
 * capability constant, row for row (`UPDATE_DOCS=1` rewrites the tables in place).
 */
const PAGES: Array<[string, string, BalancerCapabilities]> = [
  ['docs/nginx.md', 'nginx', NGINX_CAPABILITIES],
  ['docs/haproxy.md', 'haproxy', HAPROXY_CAPABILITIES],
  ['docs/octavia.md', 'amphora', OCTAVIA_AMPHORA_CAPABILITIES],
  ['docs/octavia.md', 'ovn', OCTAVIA_OVN_CAPABILITIES],
  ['docs/noop.md', 'noop', UNRESTRICTED_CAPABILITIES],
];

const yes = (b: boolean | undefined) => (b ? 'yes' : 'no');
const list = (l: readonly string[] | undefined) =>
  l && l.length ? l.map((x) => `\`${x}\``).join(', ') : 'none';

/** The Markdown table of a backend's capabilities. */
function table(caps: BalancerCapabilities): string {
  const rows: Array<[string, string]> = [
    ['algorithms', list(caps.algorithms)],
    ['stickiness', list(caps.stickiness)],
    ['active health checks', yes(caps.activeHealthChecks)],
    ['passive health checks', yes(caps.passiveHealthChecks)],
    ['listener protocols', list(caps.listenerProtocols)],
    ['TLS termination', yes(caps.tlsTermination)],
    ['certificate sources', list(caps.certificateKinds)],
    ['TLS passthrough', yes(caps.tlsPassthrough)],
    ['routing rules (path, header, host, websocket)', yes(caps.routingRules)],
    ['backup nodes', yes(caps.backupNodes)],
    ['weights', yes(caps.weights)],
    ['run-time managed pools', yes(caps.runtimeManagedPools)],
    ['listener options', list(caps.listenerExtras)],
  ];
  return ['| capability | supported |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join(
    '\n',
  );
}

const marker = (tag: string, end = false) => `<!-- capabilities:${tag}:${end ? 'end' : 'begin'} -->`;

describe('the capability table of each backend page', () => {
  it.each(PAGES)('%s (%s) states the backend capabilities', (page, tag, caps) => {
    const file = path.join(ROOT, page);
    const text = fs.readFileSync(file, 'utf8');
    const begin = text.indexOf(marker(tag));
    const end = text.indexOf(marker(tag, true));
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(begin);
    const current = text.slice(begin + marker(tag).length, end).trim();
    if (process.env.UPDATE_DOCS === '1' && process.env.CI !== 'true') {
      fs.writeFileSync(
        file,
        `${text.slice(0, begin + marker(tag).length)}\n${table(caps)}\n${text.slice(end)}`,
      );
      return;
    }
    expect(current).toBe(table(caps));
  });
});
