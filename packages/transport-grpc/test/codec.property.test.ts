// For random values valid under a schema that uses every supported type: decode(encode(x)) is x,
// and the bytes are exactly what protobufjs writes from the emitted .proto text, parsed on its own.
import { compileProto, protoFiles } from '@wharf/transport-grpc';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { everything as contract, type Everything, type Shape, type Tree } from './contracts.js';

// Strings of whole code points: a lone surrogate is not UTF-8, so protobuf cannot carry it (docs: "Strings").
const text = fc.string({ unit: 'binary', maxLength: 12 });
// -0 in a field without presence is written as nothing and read back as 0 (docs: "Numbers").
const double = fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d));
const leaf = fc.record({ label: text, weight: fc.integer({ min: 0, max: 100 }) });
const shape = fc.oneof(
  fc.record({ kind: fc.constant('circle' as const), r: double }),
  fc.record({ kind: fc.constant('square' as const), side: fc.integer(), tags: fc.array(text, { maxLength: 3 }) }),
);
const color = fc.constantFrom('red' as const, 'green' as const, 'dark-blue' as const);
// Bounded depth: protobuf refuses messages nested deeper than 100 levels (tested in server.test.ts).
const treeOf = (depth: number): fc.Arbitrary<Tree> =>
  fc.record({ name: text, children: depth === 0 ? fc.constant([]) : fc.array(treeOf(depth - 1), { maxLength: 2 }) });
const tree = treeOf(4);
const dictionary = <T>(value: fc.Arbitrary<T>) =>
  fc
    .array(fc.tuple(fc.oneof(text, fc.constant('__proto__')), value), { maxLength: 4 })
    .map((entries) => Object.fromEntries(entries));

const values: fc.Arbitrary<Everything> = fc.record({
  s: text,
  b: fc.boolean(),
  d: double,
  i32: fc.integer({ min: -1000, max: 1000 }),
  u32: fc.bigInt({ min: 0n, max: 4_000_000_000n }).map(Number),
  i64: fc.maxSafeInteger(),
  u64: fc.maxSafeNat(),
  big: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  ubig: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  bytes: fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)),
  at: fc.date({ noInvalidDate: true, min: new Date(-62135596800000), max: new Date(253402300799999) }),
  color,
  lit: fc.constant('fixed' as const),
  lits: fc.constantFrom('a' as const, 'b' as const),
  nums: fc.array(fc.integer(), { maxLength: 5 }),
  tags: fc.array(text, { maxLength: 4 }).map((a) => new Set(a)),
  scores: dictionary(double),
  flags: fc.array(fc.tuple(text, fc.boolean()), { maxLength: 3 }).map((e) => new Map(e)),
  leaf,
  leaves: fc.array(leaf, { maxLength: 3 }),
  optS: fc.option(text, { nil: undefined }),
  optLeaf: fc.option(leaf, { nil: undefined }),
  nullI: fc.option(fc.integer(), { nil: null }),
  defColor: color,
  shape,
  shapes: fc.array(shape, { maxLength: 3 }),
  matrix: fc.array(fc.array(double, { maxLength: 3 }), { maxLength: 3 }),
  json: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
  optList: fc.option(fc.array(text, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  tree,
  zig: fc.integer(),
  fixed: fc.maxSafeNat(),
}) as fc.Arbitrary<Everything>;

// --- The independent side: the emitted text, parsed by protobufjs alone, fed a hand-mapped object.

const file = protoFiles([contract])[0] as { content: string };
const textRoot = new protobuf.Root();
protobuf.parse(file.content, textRoot, { keepCase: true });
for (const path of ['google/protobuf/timestamp.proto', 'google/protobuf/struct.proto']) {
  textRoot.addJSON((protobuf.common.get(path) as protobuf.INamespace).nested ?? {});
}
textRoot.resolveAll();
const AllRequest = textRoot.lookupType('prop.v1.AllRequest');

const COLOR: Record<string, string> = { red: 'COLOR_RED', green: 'COLOR_GREEN', 'dark-blue': 'COLOR_DARK_BLUE' };
const DEF_COLOR: Record<string, string> = { red: 'DEF_COLOR_RED', green: 'DEF_COLOR_GREEN', 'dark-blue': 'DEF_COLOR_DARK_BLUE' };

function protoValue(value: unknown): unknown {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(protoValue) } };
  return {
    structValue: { fields: Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, protoValue(v)])) },
  };
}

function protoShape(s: Shape): unknown {
  return s.kind === 'circle' ? { circle: { r: s.r } } : { square: { side: s.side, tags: s.tags } };
}

function protoTree(t: Tree): unknown {
  return { name: t.name, children: t.children.map(protoTree) };
}

function protoObject(x: Everything): Record<string, unknown> {
  const ms = x.at.getTime();
  const seconds = Math.floor(ms / 1000);
  return {
    s: x.s,
    b: x.b,
    d: x.d,
    i32: x.i32,
    u32: x.u32,
    i64: x.i64,
    u64: x.u64,
    big: x.big.toString(),
    ubig: x.ubig.toString(),
    bytes: x.bytes,
    at: { seconds, nanos: (ms - seconds * 1000) * 1e6 },
    color: COLOR[x.color],
    lit: x.lit,
    lits: x.lits === 'a' ? 'LITS_A' : 'LITS_B',
    nums: x.nums,
    tags: [...x.tags],
    scores: x.scores,
    flags: Object.fromEntries(x.flags),
    leaf: x.leaf,
    leaves: x.leaves,
    ...(x.optS === undefined ? {} : { optS: x.optS }),
    ...(x.optLeaf === undefined ? {} : { optLeaf: x.optLeaf }),
    ...(x.nullI === null ? {} : { nullI: x.nullI }),
    defColor: DEF_COLOR[x.defColor],
    shape: protoShape(x.shape),
    shapes: x.shapes.map(protoShape),
    matrix: x.matrix.map((row) => ({ value: row })),
    ...(x.json === undefined ? {} : { json: protoValue(x.json) }),
    ...(x.optList === undefined ? {} : { optList: x.optList }),
    tree: protoTree(x.tree),
    zig: x.zig,
    fixed: x.fixed,
  };
}

const wire = compileProto(contract)?.methods[0]?.request as { encode(v: unknown): Buffer; decode(b: Uint8Array): unknown };

describe('codec property', () => {
  it('the generated values are valid under the schema (the property is about valid values)', () => {
    fc.assert(
      fc.property(values, (x) => {
        expect(contract.methods.all.input.safeParse(x).success).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('decode(encode(x)) equals x, and the bytes equal protobufjs encoding from the emitted .proto text', () => {
    fc.assert(
      fc.property(values, (x) => {
        const bytes = wire.encode(x);
        expect(wire.decode(bytes)).toEqual(x);
        const independent = AllRequest.encode(AllRequest.fromObject(protoObject(x))).finish();
        expect(Buffer.from(bytes).equals(Buffer.from(independent))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
