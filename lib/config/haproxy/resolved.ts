import {
  ActiveHealthCheck,
  Algorithm,
  ListenerProtocol,
  PoolTimeouts,
  Stickiness,
} from '../../core/balancing';
import { HaproxyPaths, HaproxyTimeouts } from './types';

// ---------------------------------------------------------------------------------------------
// Validation.

export interface ResolvedPool {
  readonly name: string;
  /** Where its messages point (`haproxy pool 'web'`, after the construct path when one renders). */
  readonly path: string;
  readonly protocol: 'http' | 'https' | 'tcp';
  readonly algorithm: Algorithm;
  readonly stickiness?: Stickiness;
  readonly active?: ActiveHealthCheck;
  readonly maxFails: number;
  readonly keepalive: number;
  readonly nodes: ReadonlyArray<{ name: string; address: string; weight?: number; backup: boolean }>;
  readonly runtimeManaged: boolean;
  readonly timeouts?: PoolTimeouts;
}

export interface ResolvedListener {
  readonly name: string;
  /** Where its messages point (`haproxy listener 'http'`, after the construct path when one renders). */
  readonly path: string;
  readonly mode: 'http' | 'tcp';
  readonly protocol: ListenerProtocol;
  readonly port: number;
  readonly binds: string[][];
  readonly tlsPort?: number;
  readonly redirectFromPort?: number;
  readonly hstsMaxAgeSeconds?: number;
  readonly defaultPool: ResolvedPool;
  readonly rules: ReadonlyArray<{
    readonly pool: ResolvedPool;
    readonly acls: ReadonlyArray<readonly string[]>;
  }>;
  readonly allowedCidrs: readonly string[];
  readonly rateLimitPerSecond?: number;
  readonly requestHeaders: ReadonlyArray<readonly [string, string]>;
}

export interface ResolvedStats {
  readonly bind: string;
  readonly user: string;
  readonly password?: string;
  readonly prometheus: boolean;
  readonly refreshSeconds: number;
  readonly admin: boolean;
}

export interface ResolvedModel {
  readonly paths: Required<HaproxyPaths>;
  readonly user: string;
  readonly group: string;
  readonly maxConnections: number;
  readonly log: string | false;
  readonly timeouts: Required<HaproxyTimeouts>;
  readonly retries: number;
  readonly stats?: ResolvedStats;
  readonly pools: ResolvedPool[];
  readonly listeners: ResolvedListener[];
}
