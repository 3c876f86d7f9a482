import { ValidationError } from './errors';
import { checkInteger, checkPort } from './validate';

/** IP protocols a security-group rule can name. */
export type IpProtocol = 'tcp' | 'udp' | 'icmp' | 'ipv6-icmp' | 'vrrp' | 'any';

/**
 * A protocol and port range, as a security-group rule needs it.
 *
 * `Port.tcp(8080)`, `Port.tcpRange(30000, 30100)`, `Port.udp(53)`, `Port.icmpPing()`,
 * `Port.vrrp()` (keepalived pairs), `Port.allTcp()`, `Port.allTraffic()`.
 */
export class Port {
  /** One TCP port. */
  public static tcp(port: number): Port {
    checkPort('Port.tcp', 'port', port);
    return new Port('tcp', port, port);
  }

  /** A range of TCP ports, inclusive. */
  public static tcpRange(from: number, to: number): Port {
    return Port.range('tcp', from, to);
  }

  /** Every TCP port. */
  public static allTcp(): Port {
    return new Port('tcp', 1, 65535);
  }

  /** One UDP port. */
  public static udp(port: number): Port {
    checkPort('Port.udp', 'port', port);
    return new Port('udp', port, port);
  }

  /** A range of UDP ports, inclusive. */
  public static udpRange(from: number, to: number): Port {
    return Port.range('udp', from, to);
  }

  /** ICMP of one type and code (Neutron needs both); IPv6 rules use `ipv6: true`. */
  public static icmp(type: number, code: number, ipv6 = false): Port {
    checkInteger('Port.icmp', 'ICMP type', type, 0, 255, 'give an ICMP type number, e.g. 8 for echo request');
    checkInteger('Port.icmp', 'ICMP code', code, 0, 255, 'give an ICMP code number, e.g. 0');
    return new Port(ipv6 ? 'ipv6-icmp' : 'icmp', type, code);
  }

  /** ICMP echo request (ping), IPv4: type 8, code 0. */
  public static icmpPing(): Port {
    return Port.icmp(8, 0);
  }

  /** Every ICMP type and code (path-MTU discovery, unreachable messages). */
  public static allIcmp(ipv6 = false): Port {
    return new Port(ipv6 ? 'ipv6-icmp' : 'icmp');
  }

  /** VRRP (IP protocol 112), the keepalived heartbeat between a balancer pair. */
  public static vrrp(): Port {
    return new Port('vrrp');
  }

  /** Every protocol and port. Use sparingly: it is what "least privilege" is not. */
  public static allTraffic(): Port {
    return new Port('any');
  }

  private static range(protocol: 'tcp' | 'udp', from: number, to: number): Port {
    const where = `Port.${protocol}Range`;
    checkPort(where, 'first port', from);
    checkPort(where, 'last port', to);
    if (from > to) {
      throw new ValidationError({
        path: where,
        what: 'port range',
        value: `${from}-${to}`,
        allowed: 'a first port less than or equal to the last port',
        fix: `write Port.${protocol}Range(${to}, ${from})`,
      });
    }
    return new Port(protocol, from, to);
  }

  private constructor(
    /** The IP protocol. */
    public readonly protocol: IpProtocol,
    /** First port (or ICMP type); undefined for protocols without ports (and all of ICMP). */
    public readonly fromPort?: number,
    /** Last port (or ICMP code); undefined for protocols without ports (and all of ICMP). */
    public readonly toPort?: number,
  ) {}

  /** A short, stable, human-readable form: `tcp/8080`, `tcp/30000-30100`, `icmp/8:0`, `icmp`, `vrrp`, `all`. */
  public toString(): string {
    if (this.protocol === 'any') return 'all';
    if (this.fromPort === undefined) return this.protocol;
    if (this.protocol === 'icmp' || this.protocol === 'ipv6-icmp') {
      return `${this.protocol}/${this.fromPort}:${this.toPort}`;
    }
    return this.fromPort === this.toPort
      ? `${this.protocol}/${this.fromPort}`
      : `${this.protocol}/${this.fromPort}-${this.toPort}`;
  }

  /** True when this rule's range includes TCP/UDP `port` of the same protocol. */
  public covers(protocol: IpProtocol, port: number): boolean {
    if (this.protocol === 'any') return true;
    if (this.protocol !== protocol || this.fromPort === undefined || this.toPort === undefined) return false;
    return port >= this.fromPort && port <= this.toPort;
  }
}
