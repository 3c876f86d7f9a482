import { Algorithm, ListenerProtocol, Stickiness, TlsVersion } from '../../core/balancing';
import { NginxLayout, NginxPaths, NginxTimeouts } from './types';

// ---------------------------------------------------------------------------------------------
// Validation: the model is checked and defaults are filled in before anything is printed.

export interface ResolvedPool {
  readonly name: string;
  /** Where its messages point (`nginx pool 'web'`, after the construct path when one renders). */
  readonly path: string;
  readonly stream: boolean;
  readonly protocol: 'http' | 'https' | 'tcp' | 'udp';
  readonly algorithm: Algorithm;
  readonly stickiness?: Stickiness;
  readonly maxFails: number;
  readonly failTimeoutSeconds: number;
  readonly keepalive: number;
  /** The pool's own timeouts (undefined: the host's). */
  readonly timeouts: { readonly connectSeconds?: number; readonly responseSeconds?: number };
  readonly nodes: ReadonlyArray<{ name: string; address: string; weight?: number; backup: boolean }>;
  readonly runtimeManaged: boolean;
}

export interface ResolvedCondition {
  /** The nginx variable tested. */
  readonly source: string;
  /** The regular expression map key (with its `~` or `~*`), unquoted. */
  readonly regex: string;
  /** For the comment. */
  readonly describe: string;
}

export interface ResolvedRule {
  readonly pool: ResolvedPool;
  readonly conditions: ResolvedCondition[];
}

export interface ResolvedListener {
  readonly name: string;
  /** Where its messages point (`nginx listener 'http'`, after the construct path when one renders). */
  readonly path: string;
  readonly stream: boolean;
  readonly protocol: ListenerProtocol;
  readonly listen: string;
  readonly port: number;
  readonly bindAddress?: string;
  readonly defaultPool: ResolvedPool;
  readonly rules: ResolvedRule[];
  readonly tls?: {
    readonly certificatePath: string;
    readonly keyPath: string;
    readonly versions: readonly TlsVersion[];
    readonly redirectFromPort?: number;
    readonly hstsMaxAgeSeconds?: number;
  };
  readonly allowedCidrs: readonly string[];
  readonly rate?: { readonly perSecond: number; readonly burst: number };
  readonly cache?: { readonly maxSizeMb: number; readonly validSeconds: number };
  readonly serverNames: readonly string[];
  readonly requestHeaders: ReadonlyArray<readonly [string, string]>;
}

export interface ResolvedModel {
  readonly layout: NginxLayout;
  readonly paths: Required<NginxPaths>;
  readonly user: string;
  readonly workerConnections: number;
  readonly status?: { readonly port: number; readonly path: string; readonly adminCidrs: readonly string[] };
  readonly stream: boolean;
  readonly timeouts: Required<NginxTimeouts>;
  readonly nextUpstreamTries: number;
  readonly pools: ResolvedPool[];
  readonly listeners: ResolvedListener[];
}
