// The whole public surface of @wharf/shop-notifications.
export { notificationsService } from './service.js';
export type { MessagesTable, NotificationsDb } from './tables.js';
