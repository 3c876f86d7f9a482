export * from './load-balanced-service';
