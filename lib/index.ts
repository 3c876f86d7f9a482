export * from './core';
export * from './config';
export * from './openstack';
export * from './testing';
