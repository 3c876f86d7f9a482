/**
 * `webfarm/runtime`: change the pools of running nginx and HAProxy balancers (the deployment
 * tool's `getNodes` / `addNodes` / `deleteNodes`) over SSH. Loads neither cdktf nor constructs.
 */
export { RuntimeBalancer } from './balancer';
export type { IRuntimeBalancer, RuntimeBalancerSettings, RuntimeHost, RuntimePool } from './balancer';
export { DivergedPoolError, HostError, PartialFailureError, RuntimeInputError } from './errors';
export type { HostOutcome, RuntimeInputErrorDetails } from './errors';
export { checkPoolName, parseNode, parseNodes } from './nodes';
export type { ParsedNode } from './nodes';
export type { SshBastion, SshSettings } from './ssh';
export { balancerFromStack } from './stack';
export type { StackBalancerOptions } from './stack';
