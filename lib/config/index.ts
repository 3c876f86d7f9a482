export * from './cloud-init';
