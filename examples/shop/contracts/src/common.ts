import * as z from 'zod';

/** Ids the services make (random UUIDs): nothing to enumerate. */
export const Id = z.uuid();

/** Product ids are short slugs chosen by the catalog (`mug`, `tee-blue`). */
export const ProductId = z.string().regex(/^[a-z0-9-]{1,40}$/);

/** Money in cents: integers, so totals add up exactly in every language and database. */
export const Cents = z.int().min(0).max(100_000_000);

/** A quantity of one product in one order. */
export const Quantity = z.int().min(1).max(10);

/** Epoch milliseconds. */
export const Millis = z.int().min(0);

/** Internal commands: only the shop's own services (client-credentials tokens) may send them. */
export const INTERNAL_SCOPE = 'shop:internal';
export const internal = { scopes: [INTERNAL_SCOPE] } as const;

/** The audience of every token the shop accepts (RFC 8707 resource indicator). */
export const SHOP_AUDIENCE = 'urn:shop';
