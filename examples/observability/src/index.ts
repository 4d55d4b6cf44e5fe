// The example's parts, for its tests and for anyone copying it.
export { type ExampleApp, type ExampleOptions, exampleApp, type Role } from './app.js';
export { front, mailer, orders } from './contracts.js';
export { frontService, mailed, mailerService, ordersService } from './services.js';
