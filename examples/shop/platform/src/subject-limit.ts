import { type EndpointMiddleware, WharfError } from '@wharf/core';

/** The longest `sub` the shop's tables store (their `customer` and `subject` columns). */
export const MAX_SUBJECT = 200;

/**
 * Refuses a token whose subject is longer than the shop can store, with a clear 401: past the
 * auth guard it would reach a PostgreSQL column that refuses it, and every call of that user would
 * be a 500. (OpenID Connect allows subjects of up to 255 characters.) Runs after the auth guard.
 */
export function subjectLimit(): EndpointMiddleware {
  return {
    name: 'subject-limit',
    forEndpoint() {
      return (call, next) => {
        const subject = call.auth?.subject;
        if (subject !== undefined && subject.length > MAX_SUBJECT) {
          throw new WharfError(
            'UNAUTHENTICATED',
            `The token's subject is ${subject.length} characters; the shop accepts at most ${MAX_SUBJECT}`,
          );
        }
        return next();
      };
    },
  };
}
