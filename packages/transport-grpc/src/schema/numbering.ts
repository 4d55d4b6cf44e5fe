// Field numbers: stable as long as fields are appended, numbered explicitly, or retired into
// `reserved` (docs/transports/grpc.md, "Field numbers").
import { isProtoIdentifier } from './naming.js';
import type { ReservedModel } from './proto-model.js';
import type { ProtoMeta } from './zod-introspect.js';

const MAX_FIELD = 536_870_911;

/** Reserved numbers and names from `.meta({ reserved: [...] })`; bad entries are added to `problems`. */
export function reservedOf(meta: ProtoMeta, path: string, problems: string[]): ReservedModel {
  const numbers: number[] = [];
  const names: string[] = [];
  for (const entry of meta.reserved ?? []) {
    if (typeof entry === 'number' && Number.isInteger(entry) && entry >= 0 && entry <= MAX_FIELD) numbers.push(entry);
    else if (typeof entry === 'string' && isProtoIdentifier(entry)) names.push(entry);
    else problems.push(`${path}: reserved entry ${JSON.stringify(entry)} is neither a field number nor a field name`);
  }
  return { numbers, names };
}

/**
 * Numbers for items in declaration order: an explicit number where given, otherwise the lowest
 * number not taken by an explicit one, a reserved one or an earlier item. So appending an item, or
 * retiring one into `reserved`, never renumbers the others.
 */
export function assignNumbers(
  items: readonly { readonly explicit: unknown; readonly path: string }[],
  reserved: ReservedModel,
  problems: string[],
): number[] {
  const taken = new Set<number>(reserved.numbers);
  const out: number[] = new Array(items.length).fill(0);
  items.forEach((item, i) => {
    if (item.explicit === undefined) return;
    const n = item.explicit;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_FIELD || (n >= 19000 && n <= 19999)) {
      problems.push(
        `${item.path}: field number ${JSON.stringify(n)} is invalid: use an integer from 1 to ${MAX_FIELD}, outside 19000–19999`,
      );
    } else if (reserved.numbers.includes(n)) {
      problems.push(`${item.path}: field number ${n} is reserved (retired); choose another number`);
    } else if (taken.has(n)) {
      problems.push(`${item.path}: field number ${n} is used twice in the same message`);
    } else {
      taken.add(n);
      out[i] = n;
    }
  });
  let next = 1;
  items.forEach((item, i) => {
    if (item.explicit !== undefined) return;
    while (taken.has(next) || (next >= 19000 && next <= 19999)) next++;
    taken.add(next);
    out[i] = next;
  });
  return out;
}
