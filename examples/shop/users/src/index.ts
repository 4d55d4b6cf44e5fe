// The whole public surface of @wharf/shop-users.
export { usersService } from './service.js';
export type { AddressesTable, ProfilesTable, UsersDb } from './tables.js';
