export * from './provider';
export * from './network';
export * from './security-group';
export * from './server-group';
export * from './floating-ip';
export * from './host';
