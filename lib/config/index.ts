export * from './cloud-init';
export * from './files';
export * from './quote';
export * from './nginx';
