import { renderHaproxy } from '../../lib/config/haproxy';
import { renderNginx } from '../../lib/config/nginx';
import { checkAllowedCidrFamily, listenVersion } from '../../lib/core/listener-checks';
import { Lazy } from '../../lib/core/cdk';
import { ValidationError } from '../../lib/core/errors';

const reference = (value: string) => Lazy.stringValue({ produce: () => value });

/**
 * One rule for allowedCidrs against the family a listener is reached on: Octavia refuses any
 * entry of the other family; nginx and HAProxy (IPv4 only without a bindAddress) refuse a list
 * that admits nobody. Proven with the real daemons in the bad-input corpus and by hand: both
 * accept `allow 2001:db8::/32; deny all;` / `reject unless { src 2001:db8::/32 }` and then refuse
 * every IPv4 client (403, connection reset).
 */
const nodes = [{ name: 'web-1', host: '10.0.0.11', port: 8080 }];

describe('allowedCidrs and the listening family', () => {
  it('reads the family from the bind address: none is IPv4, a reference is unknown', () => {
    expect(listenVersion(undefined)).toBe(4);
    expect(listenVersion('10.0.0.5')).toBe(4);
    expect(listenVersion('::')).toBe(6);
    expect(listenVersion('[2001:db8::1]')).toBe(6);
    expect(listenVersion(reference('::'))).toBeUndefined();
  });

  it('fails on an IPv6-only list on an IPv4 nginx listener, naming the path', () => {
    expect(() =>
      renderNginx(
        {
          pools: [{ name: 'web', options: {}, nodes }],
          listeners: [
            {
              name: 'http',
              options: { port: 80, defaultPool: 'web', allowedCidrs: ['2001:db8::/32', '::/0'] },
            },
          ],
        },
        's/Balancer nginx',
      ),
    ).toThrow(
      's/Balancer nginx listener \'http\': allowedCidrs ["2001:db8::/32","::/0"] is not allowed; allowed: at least one IPv4 CIDR block (nginx listens on IPv4 only: a list of IPv6 blocks alone admits nobody). Fix: list the IPv4 networks of the clients, e.g. ["0.0.0.0/0"] for the internet',
    );
  });

  it('fails on an IPv4-only list on HAProxy bound to an IPv6 address', () => {
    expect(() =>
      renderHaproxy({
        pools: [{ name: 'web', options: {}, nodes }],
        listeners: [
          {
            name: 'http',
            options: {
              port: 80,
              defaultPool: 'web',
              bindAddress: '2001:db8::5',
              allowedCidrs: ['0.0.0.0/0'],
            },
          },
        ],
      }),
    ).toThrow(
      'allowed: at least one IPv6 CIDR block (HAProxy listens on IPv6 only (bindAddress 2001:db8::5): a list of IPv4 blocks alone admits nobody). Fix: list the IPv6 networks of the clients, e.g. ["::/0"]',
    );
  });

  it('accepts a mixed list, and a list with a reference (the plan decides)', () => {
    const mixed = ['203.0.113.0/24', '2001:db8::/32'];
    expect(() =>
      renderNginx({
        pools: [{ name: 'web', options: {}, nodes }],
        listeners: [{ name: 'http', options: { port: 80, defaultPool: 'web', allowedCidrs: mixed } }],
      }),
    ).not.toThrow();
    expect(() =>
      checkAllowedCidrFamily('p', ['2001:db8::/32', reference('198.51.100.0/24')], {
        version: 4,
        entries: 'some',
        reason: 'r',
        fix: 'f',
      }),
    ).not.toThrow();
  });

  it('refuses every entry of the other family when the backend requires it (Octavia)', () => {
    let error: unknown;
    try {
      checkAllowedCidrFamily('p', ['10.0.0.0/8', '::/0'], {
        version: 4,
        entries: 'every',
        reason: 'r',
        fix: 'f',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).value).toBe('::/0');
  });
});
