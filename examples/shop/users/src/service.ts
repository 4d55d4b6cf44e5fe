import { randomUUID } from 'node:crypto';
import { type Context, implement, WharfError } from '@wharf/core';
import { users } from '@wharf/shop-contracts';
import type { ServiceModule } from '@wharf/shop-platform';
import { migrations, type UsersDb } from './tables.js';

const ADDRESS = ['id', 'label', 'line1', 'city', 'postcode', 'country'] as const;
const MAX_ADDRESSES = 20;

function subjectOf(ctx: Context): string {
  const subject = ctx.auth?.subject;
  if (subject === undefined) throw new WharfError('UNAUTHENTICATED', 'Sign in first');
  return subject;
}

/**
 * Users: the profile and addresses of whoever the token names. The user id is the provider's
 * `sub`; no input names a user, so nobody can read or write another user's data.
 */
export const usersService: ServiceModule<UsersDb> = {
  name: 'users',
  migrations,
  create({ db }) {
    // A provider's `sub` may be longer than a name (80, the column and updateProfile's limit):
    // the first name is cut to fit, or PostgreSQL refuses the row and the user gets only 500s.
    const created = (subject: string) => ({ subject, name: subject.slice(0, 80), email: '', created_at: Date.now() });

    async function profile(subject: string) {
      await db
        .insertInto('profiles')
        .values(created(subject))
        .onConflict((oc) => oc.column('subject').doNothing())
        .execute();
      const row = await db
        .selectFrom('profiles')
        .select(['subject', 'name', 'email'])
        .where('subject', '=', subject)
        .executeTakeFirstOrThrow();
      const addresses = await db
        .selectFrom('addresses')
        .select(ADDRESS)
        .where('subject', '=', subject)
        .orderBy('created_at')
        .execute();
      return { ...row, addresses };
    }
    return {
      services: [
        implement(users, {
          me: (_input, ctx) => profile(subjectOf(ctx)),
          async updateProfile({ name, email }, ctx) {
            const subject = subjectOf(ctx);
            await profile(subject);
            await db.updateTable('profiles').set({ name, email }).where('subject', '=', subject).execute();
            return profile(subject);
          },
          async addAddress(address, ctx) {
            const subject = subjectOf(ctx);
            const row = { id: randomUUID(), subject, ...address, created_at: Date.now() };
            await db.transaction().execute(async (trx) => {
              // The profile row's lock makes one user's adds take turns: two requests counting
              // at once would both see room for one more.
              await trx
                .insertInto('profiles')
                .values(created(subject))
                .onConflict((oc) => oc.column('subject').doNothing())
                .execute();
              await trx.updateTable('profiles').set({ subject }).where('subject', '=', subject).execute();
              const { n } = await trx
                .selectFrom('addresses')
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .where('subject', '=', subject)
                .executeTakeFirstOrThrow();
              if (Number(n) >= MAX_ADDRESSES)
                throw new WharfError('FAILED_PRECONDITION', `At most ${MAX_ADDRESSES} addresses; remove one first`);
              await trx.insertInto('addresses').values(row).execute();
            });
            const { subject: _owner, created_at: _at, ...saved } = row;
            return saved;
          },
          async address({ id }, ctx) {
            const found = await db
              .selectFrom('addresses')
              .select(ADDRESS)
              .where('id', '=', id)
              .where('subject', '=', subjectOf(ctx))
              .executeTakeFirst();
            if (found === undefined) throw new WharfError('NOT_FOUND', `No address ${id}`);
            return found;
          },
        }),
      ],
    };
  },
};
