// Contracts used by several tests: one covering every supported type, one covering the
// structural cases (wrappers, unions, recursion, reserved numbers, every stream kind).
import { defineContract } from '@wharf/core';
import * as z from 'zod';

const Color = z.enum(['red', 'green', 'dark-blue']);
const Leaf = z.object({ label: z.string(), weight: z.int().min(0).max(100) });
const Shape = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('circle'), r: z.number() }),
  z.object({ kind: z.literal('square'), side: z.int32(), tags: z.array(z.string()) }),
]);
export type Tree = { name: string; children: Tree[] };
const Tree: z.ZodType<Tree> = z.object({
  name: z.string(),
  get children() {
    return z.array(Tree);
  },
});

const Everything = z.object({
  s: z.string(),
  b: z.boolean(),
  d: z.number(),
  i32: z.int().min(-1000).max(1000),
  u32: z.int().min(0).max(4_000_000_000),
  i64: z.int(),
  u64: z.int().min(0),
  big: z.bigint(),
  ubig: z.bigint().min(0n),
  bytes: z.instanceof(Uint8Array),
  at: z.date(),
  color: Color,
  lit: z.literal('fixed'),
  lits: z.literal(['a', 'b']),
  nums: z.array(z.int32()),
  tags: z.set(z.string()),
  scores: z.record(z.string(), z.number()),
  flags: z.map(z.string(), z.boolean()),
  leaf: Leaf,
  leaves: z.array(Leaf),
  optS: z.string().optional(),
  optLeaf: Leaf.optional(),
  nullI: z.int32().nullable(),
  defColor: Color.default('green'),
  shape: Shape,
  shapes: z.array(Shape),
  matrix: z.array(z.array(z.number())),
  json: z.unknown(),
  // An empty list and an absent one are the same on the wire (docs: "Presence"); optional lists here are non-empty.
  optList: z.array(z.string()).min(1).optional(),
  tree: Tree,
  zig: z.int32().meta({ proto: 'sint32' }),
  fixed: z.int().min(0).meta({ proto: 'fixed64' }),
});
export type Everything = z.output<typeof Everything>;
export type Shape = z.output<typeof Shape>;

/** Every supported type, as the input of one method. */
export const everything = defineContract({
  name: 'prop',
  version: 1,
  methods: { all: { input: Everything, output: z.object({}) } },
});

const Node: z.ZodType<{ id: string; kids: unknown[] }> = z.object({
  id: z.string(),
  get kids() {
    return z.array(Node);
  },
});

/** The structural cases of the mapping, over all four stream kinds. */
export const structures = defineContract({
  name: 'structures',
  version: 3,
  description: 'Structural cases of the zod to proto3 mapping.',
  methods: {
    wrapped: { description: 'Top-level schemas that are not objects.', input: z.string(), output: z.array(z.int32()) },
    nothing: { input: z.object({}), output: z.void() },
    union: { input: Shape, output: z.enum(['ok', 'not-ok']).optional(), stream: 'client' },
    nested: {
      input: z
        .object({
          grid: z.array(z.array(z.number())),
          groups: z.record(z.string(), z.array(z.string())),
          byName: z.record(z.string(), Shape),
          tree: Node,
          kept: z.string().meta({ field: 7 }),
          json: z.record(z.string(), z.unknown()),
        })
        .meta({ reserved: [3, 4, 'old'] }),
      output: z.object({ at: z.date().optional(), color: Color.nullable() }),
      stream: 'server',
    },
    chat: { input: z.object({ text: z.string() }), output: z.object({ text: z.string() }), stream: 'bidi' },
  },
});
