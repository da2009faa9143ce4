/**
 * tsgi: the TypeScript Server Gateway Interface. The contract (types), and the pieces every
 * server and app share: the node:http adapter, the reference server, the validator.
 * @module
 */
export * from './types.js';
