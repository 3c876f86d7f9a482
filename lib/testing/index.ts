export * from './noop-balancer';
