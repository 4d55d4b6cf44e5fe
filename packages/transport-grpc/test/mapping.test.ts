import { DeclarationError, defineContract, type RpcOptions, type Schema } from '@wharf/core';
import { protoFiles } from '@wharf/transport-grpc';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

/** The generated .proto of a one-method service whose input is `input`. */
function protoOf(input: Schema, extra: Partial<RpcOptions> = {}): string {
  const contract = defineContract({ name: 'm', version: 1, methods: { run: { input, output: z.object({}), ...extra } } });
  return (protoFiles([contract])[0] as { content: string }).content;
}

/** The body lines of `message <name> { … }` at the top level of `proto`. */
function message(proto: string, name: string): string {
  const start = proto.indexOf(`\nmessage ${name} {`);
  if (start < 0) throw new Error(`no message ${name} in\n${proto}`);
  const end = proto.indexOf('\n}\n', start);
  return proto.slice(start + 1, end + 2);
}

function problemsOf(input: Schema): string[] {
  try {
    protoOf(input);
  } catch (error) {
    if (error instanceof DeclarationError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a DeclarationError');
}

describe('zod → proto3 types', () => {
  it.each([
    ['z.string()', z.string(), 'string f = 1;'],
    ['z.iso.datetime()', z.iso.datetime(), 'string f = 1;'],
    ['z.boolean()', z.boolean(), 'bool f = 1;'],
    ['z.number()', z.number(), 'double f = 1;'],
    ['z.float32()', z.float32(), 'double f = 1;'],
    ['z.int() within int32', z.int().min(-10).max(10), 'int32 f = 1;'],
    ['z.int32()', z.int32(), 'int32 f = 1;'],
    ['z.uint32()', z.uint32(), 'uint32 f = 1;'],
    [
      'z.int() beyond int32, non-negative',
      z
        .int()
        .min(0)
        .max(2 ** 32 - 1),
      'uint32 f = 1;',
    ],
    ['z.int()', z.int(), 'int64 f = 1;'],
    ['z.int().min(0)', z.int().min(0), 'uint64 f = 1;'],
    ['z.number().int() unbounded', z.number().multipleOf(1), 'double f = 1;'],
    ['z.bigint()', z.bigint(), 'int64 f = 1;'],
    ['z.bigint().min(0n)', z.bigint().min(0n), 'uint64 f = 1;'],
    ['z.int64()', z.int64(), 'int64 f = 1;'],
    ['z.uint64()', z.uint64(), 'uint64 f = 1;'],
    ['z.instanceof(Uint8Array)', z.instanceof(Uint8Array), 'bytes f = 1;'],
    ['z.instanceof(Buffer)', z.instanceof(Buffer), 'bytes f = 1;'],
    ['z.custom().meta({ proto: "bytes" })', z.custom<Uint8Array>().meta({ proto: 'bytes' }), 'bytes f = 1;'],
    ['z.date()', z.date(), 'google.protobuf.Timestamp f = 1;'],
    ['z.unknown()', z.unknown(), 'google.protobuf.Value f = 1;'],
    ['z.literal("x")', z.literal('x'), 'string f = 1;'],
    ['z.literal(3)', z.literal(3), 'int32 f = 1;'],
    ['z.literal(true)', z.literal(true), 'bool f = 1;'],
    ['z.enum({ A: 1, B: 2 })', z.enum({ A: 1, B: 2 }), 'int32 f = 1;'],
    ['z.string().optional()', z.string().optional(), 'optional string f = 1;'],
    ['z.int32().nullable()', z.int32().nullable(), 'optional int32 f = 1;'],
    ['z.boolean().default(true)', z.boolean().default(true), 'optional bool f = 1;'],
    ['z.array(z.string())', z.array(z.string()), 'repeated string f = 1;'],
    ['z.set(z.int32())', z.set(z.int32()), 'repeated int32 f = 1;'],
    ['z.record(z.string(), z.number())', z.record(z.string(), z.number()), 'map<string, double> f = 1;'],
    ['z.record(z.enum(), z.boolean())', z.record(z.enum(['a', 'b']), z.boolean()), 'map<string, bool> f = 1;'],
    ['z.map(z.string(), z.string())', z.map(z.string(), z.string()), 'map<string, string> f = 1;'],
    ['z.string().transform(...)', z.string().transform((s) => s.length), 'string f = 1;'],
    ['z.int32().meta({ proto: "sint32" })', z.int32().meta({ proto: 'sint32' }), 'sint32 f = 1;'],
    ['z.int().meta({ proto: "fixed64" }) non-negative', z.int().min(0).meta({ proto: 'fixed64' }), 'fixed64 f = 1;'],
    [
      'z.string().meta({ proto: "json" })',
      z.union([z.string(), z.number()]).meta({ proto: 'json' }),
      'google.protobuf.Value f = 1;',
    ],
  ])('%s', (_name, schema, line) => {
    expect(message(protoOf(z.object({ f: schema })), 'RunRequest')).toContain(`  ${line}\n`);
  });

  it('imports a well-known type only when it is used', () => {
    expect(protoOf(z.object({ d: z.date() }))).toContain('import "google/protobuf/timestamp.proto";');
    expect(protoOf(z.object({ d: z.date() }))).not.toContain('struct.proto');
    expect(protoOf(z.object({ s: z.string() }))).not.toContain('import ');
  });

  it('maps a z.enum to a nested enum with an UNSPECIFIED zero and prefixed, upper-snake value names', () => {
    const proto = protoOf(z.object({ color: z.enum(['red', 'dark-blue', 'lightGreen']) }));
    expect(message(proto, 'RunRequest')).toContain(
      [
        '  enum Color {',
        '    COLOR_UNSPECIFIED = 0;',
        '    COLOR_RED = 1;',
        '    COLOR_DARK_BLUE = 2;',
        '    COLOR_LIGHT_GREEN = 3;',
        '  }',
      ].join('\n'),
    );
  });

  it('maps nested objects to nested messages, recursively', () => {
    const proto = protoOf(z.object({ user: z.object({ name: z.string(), address: z.object({ city: z.string() }) }) }));
    expect(message(proto, 'RunRequest')).toBe(
      [
        'message RunRequest {',
        '  User user = 1;',
        '',
        '  message User {',
        '    string name = 1;',
        '    Address address = 2;',
        '',
        '    message Address {',
        '      string city = 1;',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
  });

  it('maps a discriminated union to a message with one oneof, one member per variant (discriminator implied)', () => {
    const shape = z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('circle'), radius: z.number() }),
      z.object({ kind: z.literal('square'), side: z.number() }).meta({ field: 5 }),
    ]);
    const body = message(protoOf(z.object({ shape })), 'RunRequest');
    expect(body).toContain(
      ['  message Shape {', '    oneof kind {', '      Circle circle = 1;', '      Square square = 5;', '    }'].join('\n'),
    );
    expect(body).toContain(['    message Circle {', '      double radius = 1;', '    }'].join('\n'));
    expect(body).not.toContain('string kind');
  });

  it('refers to an enclosing message for a recursive schema', () => {
    const Node = z.object({
      name: z.string(),
      get children() {
        return z.array(Node);
      },
    });
    expect(message(protoOf(z.object({ root: Node })), 'RunRequest')).toContain('repeated .m.v1.RunRequest.Root children = 2;');
  });

  it('wraps a list of lists (and a map of lists) in a message with one field, value', () => {
    const body = message(
      protoOf(z.object({ grid: z.array(z.array(z.int32())), groups: z.record(z.string(), z.array(z.string())) })),
      'RunRequest',
    );
    expect(body).toContain('repeated Grid grid = 1;');
    expect(body).toContain(['  message Grid {', '    repeated int32 value = 1;', '  }'].join('\n'));
    expect(body).toContain('map<string, Groups> groups = 2;');
  });

  it('wraps a top-level schema that is not an object in a message with the field value = 1; z.void() is empty', () => {
    const contract = defineContract({
      name: 'w',
      version: 3,
      methods: {
        echo: { input: z.string(), output: z.array(z.int32()) },
        fire: { input: z.object({}), output: z.void() },
      },
    });
    const proto = (protoFiles([contract])[0] as { content: string }).content;
    expect(proto).toContain('package w.v3;');
    expect(proto).toContain('service W {');
    expect(message(proto, 'EchoRequest')).toContain('  string value = 1;');
    expect(message(proto, 'EchoResponse')).toContain('  repeated int32 value = 1;');
    expect(proto).toContain('message FireRequest {}');
    expect(proto).toContain('message FireResponse {}');
  });

  it('names the package <service>.v<major>, the service in PascalCase and each rpc with its first letter upper-cased', () => {
    const contract = defineContract({
      name: 'user_accounts',
      version: '4.2.0',
      methods: {
        getUser: { input: z.object({}), output: z.object({}) },
        watch: { input: z.object({}), output: z.object({}), stream: 'server' },
        upload: { input: z.object({}), output: z.object({}), stream: 'client' },
        chat: { input: z.object({}), output: z.object({}), stream: 'bidi' },
      },
    });
    const [file] = protoFiles([contract]);
    expect(file?.path).toBe('user_accounts/v4/user_accounts.proto');
    expect(file?.service).toBe('user_accounts.v4.UserAccounts');
    expect(file?.content).toContain('package user_accounts.v4;');
    expect(file?.content).toContain('  rpc GetUser(GetUserRequest) returns (GetUserResponse);');
    expect(file?.content).toContain('  rpc Watch(WatchRequest) returns (stream WatchResponse);');
    expect(file?.content).toContain('  rpc Upload(stream UploadRequest) returns (UploadResponse);');
    expect(file?.content).toContain('  rpc Chat(stream ChatRequest) returns (stream ChatResponse);');
  });

  it('carries descriptions as comments', () => {
    const contract = defineContract({
      name: 'docs',
      version: 1,
      description: 'The service.',
      methods: {
        run: { description: 'The method.', input: z.object({ f: z.string().describe('The field.') }), output: z.object({}) },
      },
    });
    const proto = (protoFiles([contract])[0] as { content: string }).content;
    expect(proto).toContain('// The service.\nservice Docs {');
    expect(proto).toContain('  // The method.\n  rpc Run(');
    expect(proto).toContain('  // The field.\n  string f = 1;');
  });
});

describe('field numbers', () => {
  it('follows declaration order, so appending a field keeps every number', () => {
    const before = message(protoOf(z.object({ a: z.string(), b: z.string() })), 'RunRequest');
    const after = message(protoOf(z.object({ a: z.string(), b: z.string(), c: z.string() })), 'RunRequest');
    expect(before).toContain('string a = 1;\n  string b = 2;');
    expect(after).toContain('string a = 1;\n  string b = 2;\n  string c = 3;');
  });

  it('takes an explicit number from .meta({ field }) on any layer, and skips it for the others', () => {
    const body = message(
      protoOf(
        z.object({
          a: z.string(),
          b: z.string().meta({ field: 2 }).optional(),
          c: z.string(),
          d: z.string().optional().meta({ field: 7 }),
        }),
      ),
      'RunRequest',
    );
    expect(body).toContain('string a = 1;\n  optional string b = 2;\n  string c = 3;\n  optional string d = 7;');
  });

  it('retires a field: its number (and name) go in .meta({ reserved }), and the others keep theirs', () => {
    const body = message(protoOf(z.object({ a: z.string(), c: z.string() }).meta({ reserved: [2, 'b'] })), 'RunRequest');
    expect(body).toContain('  reserved 2;\n  reserved "b";\n  string a = 1;\n  string c = 3;');
  });

  it('prints reserved ranges compactly', () => {
    const body = message(protoOf(z.object({ z: z.string() }).meta({ reserved: [3, 4, 5, 9] })), 'RunRequest');
    expect(body).toContain('  reserved 3 to 5, 9;');
  });

  it('refuses a reused, reserved or out-of-range number, naming the field', () => {
    expect(problemsOf(z.object({ a: z.string().meta({ field: 1 }), b: z.string().meta({ field: 1 }) }))).toEqual([
      'm.run input.b: field number 1 is used twice in the same message',
    ]);
    expect(problemsOf(z.object({ a: z.string().meta({ field: 2 }) }).meta({ reserved: [2] }))).toEqual([
      'm.run input.a: field number 2 is reserved (retired); choose another number',
    ]);
    expect(problemsOf(z.object({ a: z.string().meta({ field: 19_500 }) }))[0]).toMatch(
      /^m\.run input\.a: field number 19500 is invalid/,
    );
    expect(problemsOf(z.object({ b: z.string() }).meta({ reserved: ['b'] }))).toEqual([
      'm.run input.b: the name "b" is reserved (retired); rename the field',
    ]);
  });
});

describe('schemas proto3 cannot carry fail at start-up, naming the schema path', () => {
  it('a union without a discriminator', () => {
    expect(problemsOf(z.object({ foo: z.union([z.string(), z.number()]) }))).toEqual([
      "m.run input.foo: a union without a discriminator cannot map to proto3; use z.discriminatedUnion('kind', [...]), or carry it as JSON (google.protobuf.Value) with .meta({ proto: 'json' })",
    ]);
  });

  it('a union of string literals is an enum, not a problem', () => {
    expect(protoOf(z.object({ s: z.union([z.literal('a'), z.literal('b')]) }))).toContain('S_B = 2;');
  });

  it('tuples, intersections, nullable list elements, non-string map keys, bad keys and clashing JSON names', () => {
    const problems = problemsOf(
      z.object({
        t: z.tuple([z.string(), z.number()]),
        i: z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() })),
        list: z.array(z.string().nullable()),
        nested: z.object({ deep: z.array(z.object({ n: z.map(z.number(), z.string()) })) }),
        'bad-key': z.string(),
        first_name: z.string(),
        firstName: z.string(),
        big: z.int().meta({ proto: 'int32' }),
      }),
    );
    expect(problems).toEqual([
      'm.run input["bad-key"]: a key must be a proto identifier (letters, digits and _, not starting with a digit) to be a field name; rename it',
      'm.run input.firstName: its JSON name "firstName" clashes with field "first_name" (protoc refuses that); rename one',
      "m.run input.t: a tuple cannot map to proto3; use an object with named fields, or carry it as JSON (google.protobuf.Value) with .meta({ proto: 'json' })",
      "m.run input.i: an intersection cannot map to proto3; merge the objects (a.extend(b.shape)), or carry it as JSON (google.protobuf.Value) with .meta({ proto: 'json' })",
      "m.run input.list[]: an element cannot be optional or null: proto3 lists and maps hold values only; or carry it as JSON (google.protobuf.Value) with .meta({ proto: 'json' })",
      "m.run input.nested.deep[].n: map keys must be strings (z.string(), z.enum([...])) to map to proto3 map<string, …>; or carry it as JSON (google.protobuf.Value) with .meta({ proto: 'json' })",
      'm.run input.big: proto type "int32" needs an integer schema bounded to -2147483648…2147483647; add z.int().min(…).max(…)',
    ]);
  });

  it('a discriminated union whose variant has no single string tag names the variant', () => {
    const bad = z.discriminatedUnion('kind', [z.object({ kind: z.literal('a') }), z.object({ kind: z.literal(2) })]);
    expect(problemsOf(z.object({ u: bad }))).toEqual([
      `m.run input.u<kind=2>: the discriminator "kind" must be one string literal per variant (z.literal('…'))`,
    ]);
  });

  it('the app refuses to start listing every problem', async () => {
    const { createApp, defineService } = await import('@wharf/core');
    const { grpcTransport } = await import('@wharf/transport-grpc');
    const service = defineService({
      name: 'broken',
      version: 1,
      rpc: {
        one: { input: z.object({ u: z.union([z.string(), z.int()]) }), output: z.object({}), handler: async () => ({}) },
        two: {
          input: z.object({}),
          output: z.object({ t: z.tuple([z.string()]) }),
          handler: async () => ({ t: ['x'] as [string] }),
        },
      },
    });
    const app = createApp({
      services: [service],
      transports: [grpcTransport()],
      logger: { level: 'silent' },
      shutdown: { signals: false },
    });
    const started = app.start();
    await expect(started).rejects.toBeInstanceOf(DeclarationError);
    await expect(started).rejects.toMatchObject({
      problems: [
        expect.stringMatching(/^broken\.one input\.u: a union without a discriminator/),
        expect.stringMatching(/^broken\.two output\.t: a tuple/),
      ],
    });
  });
});
