import fc from 'fast-check';
import { KeepalivedConfig, renderKeepalived } from '../../lib/config/keepalived';
import { ValidationError } from '../../lib/core/errors';
import { describeWithTools } from '../support/tools';
import { keepalivedDump, privateNetworkAvailable } from './keepalived-harness';
import { nastyString } from './quote-arbitraries';

/**
 * Any string given as the VRRP password either reaches real keepalived unchanged (read back from
 * its configuration dump, in a private network namespace) or is rejected with a ValidationError.
 */

const withPasswords = (passwords: string[]): KeepalivedConfig => ({
  routerId: 'lb-test',
  trackScript: { process: 'nginx' },
  instances: passwords.map((password, i) => ({
    name: `vip_${i}`,
    interface: 'i0',
    virtualRouterId: i + 1,
    priority: 100,
    sourceAddress: '10.9.0.1',
    peers: ['10.9.0.2'],
    password,
    virtualAddresses: [`10.9.1.${i + 1}/24`],
  })),
});

function accepted(password: string): boolean {
  try {
    renderKeepalived(withPasswords([password]));
    return true;
  } catch (e) {
    if (e instanceof ValidationError) return false;
    throw e;
  }
}

describeWithTools(
  ['keepalived', 'unshare', 'ip'],
  'keepalived reads passwords back intact (fast-check, real keepalived)',
  () => {
    it('GIVEN any strings as VRRP passwords WHEN keepalived parses the rendered file THEN each arrives unchanged, or was rejected', async () => {
      if (!privateNetworkAvailable()) return;
      let checked = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(nastyString(8), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 })),
            { minLength: 15, maxLength: 30 },
          ),
          async (values) => {
            const passwords = values.filter(accepted);
            checked += passwords.length;
            if (!passwords.length) return;
            const [file] = renderKeepalived(withPasswords(passwords));
            const dump = await keepalivedDump(file.content);
            expect([...dump.matchAll(/ Password = (.*)\n/g)].map((m) => m[1])).toEqual(passwords);
          },
        ),
        { numRuns: 3 },
      );
      expect(checked).toBeGreaterThan(20);
    });
  },
);
