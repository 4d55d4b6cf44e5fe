// Unions: a discriminated union is a message holding one oneof, a member (and nested message)
// per variant; a union of string literals is an enum. Anything else has no proto3 form.
import type { Schema } from '@wharf/core';
import type { FieldCodec } from './codec/message-codec.js';
import { MessageCodec } from './codec/message-codec.js';
import { UnionCodec, type VariantCodec } from './codec/union-codec.js';
import { JSON_HINT, type MapContext, type MappedValue, newMessage, type Owner, problem } from './map-context.js';
import { enumValue, stringValues } from './map-scalars.js';
import { isProtoIdentifier, pascalCase, Scope } from './naming.js';
import { assignNumbers, reservedOf } from './numbering.js';
import type { MessageModel } from './proto-model.js';
import { descriptionOf, type Unwrapped, unwrap } from './zod-introspect.js';

/**
 * Maps the fields of an object schema into `model`, leaving out `skip`. Passed in rather than
 * imported: a variant's fields may hold unions in turn, so the mapper that calls this owns it.
 */
export type FieldsMapper = (
  u: Unwrapped,
  model: MessageModel,
  fqn: string,
  path: string,
  ctx: MapContext,
  skip: string | undefined,
) => FieldCodec[];

export function unionValue(
  u: Unwrapped,
  name: string,
  owner: Owner,
  path: string,
  ctx: MapContext,
  mapFields: FieldsMapper,
  typeName?: string,
): MappedValue | undefined {
  const discriminator = u.def.discriminator;
  const options = u.def.options as readonly Schema[];
  if (typeof discriminator !== 'string') {
    const values = options.map((o) => stringValues(unwrap(o).def));
    if (values.every((v) => v !== undefined)) return enumValue(values.flat() as string[], name, u.meta, owner, path, ctx);
    return problem(
      ctx,
      path,
      `a union without a discriminator cannot map to proto3; use z.discriminatedUnion('kind', [...]), ${JSON_HINT}`,
    );
  }
  if (!isProtoIdentifier(discriminator))
    return problem(ctx, path, `the discriminator "${discriminator}" must be a proto identifier`);
  const messageName = owner.scope.unique(typeName ?? (pascalCase(name) || 'Value'));
  const model = newMessage(messageName, descriptionOf(u.meta));
  owner.nested.push(model);
  const fqn = `${owner.fqn}.${messageName}`;
  const scope = new Scope([discriminator]);
  const reserved = reservedOf(u.meta, path, ctx.problems);
  model.reserved = reserved;

  const variants: { value: string; member: string; option: Unwrapped; where: string }[] = [];
  options.forEach((option, i) => {
    const o = unwrap(option);
    const tagSchema = o.def.type === 'object' ? (o.def.shape as Record<string, Schema>)[discriminator] : undefined;
    const tag = tagSchema === undefined ? undefined : unwrap(tagSchema);
    const values = tag?.def.type === 'literal' ? (tag.def.values as readonly unknown[]) : undefined;
    const where = `${path}<${values?.length === 1 ? `${discriminator}=${String(values[0])}` : `variant ${i + 1}`}>`;
    if (o.def.type !== 'object') {
      problem(ctx, where, 'each variant of a discriminated union must be an object');
    } else if (values?.length !== 1 || typeof values[0] !== 'string') {
      problem(ctx, where, `the discriminator "${discriminator}" must be one string literal per variant (z.literal('…'))`);
    } else {
      const value = values[0];
      const base = value.replace(/[^A-Za-z0-9_]/g, '_');
      const member = scope.unique(/^[A-Za-z_]/.test(base) ? base : `_${base}`);
      variants.push({ value, member, option: o, where });
    }
  });
  const numbers = assignNumbers(
    variants.map((v) => ({ explicit: v.option.meta.field, path: v.where })),
    reserved,
    ctx.problems,
  );
  const codecs: VariantCodec[] = variants.map((variant, i) => {
    const variantName = scope.unique(pascalCase(variant.value) || `Variant${i + 1}`);
    const variantModel = newMessage(variantName, descriptionOf(variant.option.meta));
    model.nested.push(variantModel);
    const variantFqn = `${fqn}.${variantName}`;
    const codec = new MessageCodec();
    ctx.ancestors.set(variant.option.schema, { fqn: variantFqn, codec });
    codec.define(mapFields(variant.option, variantModel, variantFqn, variant.where, ctx, discriminator));
    ctx.ancestors.delete(variant.option.schema);
    model.fields.push({
      name: variant.member,
      number: numbers[i] as number,
      rule: 'single',
      type: variantName,
      oneof: discriminator,
    });
    return { value: variant.value, member: variant.member, codec };
  });
  return { type: messageName, codec: new UnionCodec(discriminator, codecs), message: true };
}
