export * from './core';
export * from './testing';
