export * from './roles';
export * from './env-file';
export * from './environment';
export * from './app';
export * from './secrets';
export * from './balancer-daemon';
export * from './nginx-daemon';
export * from './haproxy-daemon';
