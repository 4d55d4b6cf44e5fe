// What every step of mapping one file's schemas shares: the file-wide state, where nested types
// go, and what a mapped value or field yields (the .proto side and the codec side together).
import type { Schema } from '@wharf/core';
import type { FieldCodec, MessageCodec } from './codec/message-codec.js';
import type { ValueCodec } from './codec/value-codec.js';
import type { Scope } from './naming.js';
import type { EnumModel, FieldModel, MessageModel } from './proto-model.js';
import type { Unwrapped } from './zod-introspect.js';

/** Shared state of one file's mapping. */
export interface MapContext {
  readonly problems: string[];
  readonly imports: Set<string>;
  /** Object schemas being mapped, for recursive schemas: a schema met again refers to its message. */
  readonly ancestors: Map<Schema, { readonly fqn: string; readonly codec: MessageCodec }>;
}

/** A message (or the package) that nested types and fields are added to. */
export interface Owner {
  readonly nested: (MessageModel | EnumModel)[];
  readonly fqn: string;
  readonly scope: Scope;
}

export interface MappedValue {
  readonly type: string;
  readonly codec: ValueCodec;
  /** A message type: it has presence without an `optional` label. */
  readonly message: boolean;
}

export interface MappedField {
  readonly rule: FieldModel['rule'];
  readonly type: string;
  readonly keyType?: string;
  readonly codec: Omit<FieldCodec, 'key'>;
  readonly comment?: string;
}

export const JSON_HINT = "or carry it as JSON (google.protobuf.Value) with .meta({ proto: 'json' })";

/** Records why a schema cannot map; answers undefined so that a mapping step can return it. */
export function problem(ctx: MapContext, path: string, text: string): undefined {
  ctx.problems.push(`${path}: ${text}`);
  return undefined;
}

export function isJson(u: Unwrapped): boolean {
  return u.meta.proto === 'json' || u.def.type === 'unknown' || u.def.type === 'any';
}

export function newMessage(name: string, comment: string | undefined): MessageModel {
  return { kind: 'message', name, fields: [], nested: [], reserved: { numbers: [], names: [] }, comment };
}
