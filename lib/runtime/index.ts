/**
 * `webfarm/runtime`: change the pools of running nginx and HAProxy balancers (the deployment
 * tool's `getNodes` / `addNodes` / `deleteNodes`) over SSH. Loads neither cdktf nor constructs.
 */
export { IRuntimeBalancer, RuntimeBalancer, RuntimeBalancerSettings, RuntimeHost, RuntimePool } from './balancer';
export {
  DivergedPoolError,
  HostError,
  HostOutcome,
  PartialFailureError,
  RuntimeInputError,
  RuntimeInputErrorDetails,
} from './errors';
export { ParsedNode, checkPoolName, parseNode, parseNodes } from './nodes';
export { SshBastion, SshSettings } from './ssh';
export { StackBalancerOptions, balancerFromStack } from './stack';
