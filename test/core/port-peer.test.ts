import { Peer, Port, ValidationError, checkCidr, cidrContains, parseCidr } from '../../lib/core';

describe('Port', () => {
  it('describes single ports, ranges, ICMP and VRRP', () => {
    expect(Port.tcp(8080).toString()).toBe('tcp/8080');
    expect(Port.tcpRange(30000, 30100).toString()).toBe('tcp/30000-30100');
    expect(Port.udp(53).toString()).toBe('udp/53');
    expect(Port.icmpPing().toString()).toBe('icmp/8:0');
    expect(Port.allIcmp().toString()).toBe('icmp');
    expect(Port.vrrp().toString()).toBe('vrrp');
    expect(Port.allTraffic().toString()).toBe('all');
  });

  it.each([0, 65536, -1, 1.5, NaN])('rejects port %p with the allowed range', (port) => {
    expect(() => Port.tcp(port)).toThrow(ValidationError);
    expect(() => Port.tcp(port)).toThrow(/an integer from 1 to 65535/);
  });

  it('rejects a reversed range with the fix spelled out', () => {
    expect(() => Port.tcpRange(9000, 8000)).toThrow(
      'Port.tcpRange: port range "9000-8000" is not allowed; allowed: a first port less than or equal to the last port. Fix: write Port.tcpRange(8000, 9000)',
    );
  });

  it('knows which ports a range covers', () => {
    expect(Port.tcpRange(80, 90).covers('tcp', 85)).toBe(true);
    expect(Port.tcpRange(80, 90).covers('udp', 85)).toBe(false);
    expect(Port.tcp(80).covers('tcp', 81)).toBe(false);
  });
});

describe('Peer', () => {
  it('accepts IPv4 and IPv6 blocks', () => {
    expect(Peer.ipv4('203.0.113.0/24')).toMatchObject({
      peerKind: 'cidr',
      ethertype: 'IPv4',
      isWorld: false,
    });
    expect(Peer.ipv6('2001:db8::/32')).toMatchObject({ ethertype: 'IPv6', isWorld: false });
    expect(Peer.cidr('2001:db8:1::/48').ethertype).toBe('IPv6');
  });

  it('marks the whole internet as such', () => {
    expect(Peer.anyIpv4().isWorld).toBe(true);
    expect(Peer.anyIpv6().isWorld).toBe(true);
  });

  it.each(['10.0.0.0/33', '10.0.0/24', '300.0.0.0/8', 'abc', '10.0.0.0', '2001:db8::/129', '::1::/64'])(
    'rejects malformed CIDR %p',
    (cidr) => {
      expect(() => Peer.cidr(cidr)).toThrow(/is not allowed; allowed: an IPv4 or IPv6 CIDR block/);
    },
  );

  it('rejects host bits with the network address as the fix', () => {
    expect(() => Peer.ipv4('10.0.0.5/24')).toThrow(
      'Peer.ipv4: CIDR "10.0.0.5/24" is not allowed; allowed: an IPv4 CIDR block such as "203.0.113.0/24" with the host bits zero. Fix: use the network address of that block (prefix /24)',
    );
  });

  it('rejects an IPv6 block where IPv4 is required', () => {
    expect(() => Peer.ipv4('2001:db8::/32')).toThrow(/allowed: an IPv4 CIDR block/);
  });

  it('computes containment', () => {
    expect(cidrContains(parseCidr('10.0.0.0/16')!, parseCidr('10.0.3.0/24')!)).toBe(true);
    expect(cidrContains(parseCidr('10.0.0.0/24')!, parseCidr('10.0.0.0/16')!)).toBe(false);
    expect(cidrContains(parseCidr('2001:db8::/32')!, parseCidr('2001:db8:ff::/48')!)).toBe(true);
    expect(checkCidr('x', 'y', '${TfToken[TOKEN.1]}')).toBeUndefined();
  });
});

describe('Peer world detection', () => {
  it.each(['0.0.0.0/0', '::/0', '0::/0', '::0/0', '0:0:0:0:0:0:0:0/0'])(
    'GIVEN %p THEN the peer is the whole internet',
    (cidr) => {
      const peer = Peer.cidr(cidr);
      expect(peer.isWorld).toBe(true);
      expect(peer.label).toBe(`${cidr} (anyone)`);
    },
  );

  it('GIVEN a /1 THEN the peer is not the whole internet', () => {
    expect(Peer.cidr('0.0.0.0/1').isWorld).toBe(false);
  });
});
