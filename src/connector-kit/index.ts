// The connector kit: the contract a connector is written against, apart from the connectors themselves.
export * from './types.ts';
export * from './errors.ts';
export { ConnectorRegistry } from './registry.ts';
export * from './values.ts';
export * from './dates.ts';
export * from './retry.ts';
export * from './fields.ts';
export * from './polling.ts';
export * from './paging.ts';
