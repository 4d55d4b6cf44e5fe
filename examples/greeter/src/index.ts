// What the greeter example exports for its tests and for other examples.
export { greeter } from './contract.js';
export { Greeter } from './greeter.js';
