// Calling a gRPC method we have no code for, as grpcurl does: the server's reflection service
// gives its .proto descriptors; protobufjs builds the message types from them.
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { WharfError } from '@wharf/core';
import protobuf from 'protobufjs';

// A CommonJS extension that adds Root.fromDescriptor when loaded; it has no ESM entry.
const descriptor = createRequire(import.meta.url)('protobufjs/ext/descriptor') as typeof import('protobufjs/ext/descriptor.js');

// The part of grpc/reflection/v1alpha/reflection.proto a client needs.
const REFLECTION = protobuf.parse(`
syntax = "proto3";
package grpc.reflection.v1alpha;
message ServerReflectionRequest {
  string host = 1;
  oneof message_request { string file_by_filename = 3; string file_containing_symbol = 4; string list_services = 7; }
}
message FileDescriptorResponse { repeated bytes file_descriptor_proto = 1; }
message ServiceResponse { string name = 1; }
message ListServiceResponse { repeated ServiceResponse service = 1; }
message ErrorResponse { int32 error_code = 1; string error_message = 2; }
message ServerReflectionResponse {
  string valid_host = 1;
  ServerReflectionRequest original_request = 2;
  oneof message_response {
    FileDescriptorResponse file_descriptor_response = 4;
    ListServiceResponse list_services_response = 6;
    ErrorResponse error_response = 7;
  }
}`).root;
const Request = REFLECTION.lookupType('grpc.reflection.v1alpha.ServerReflectionRequest');
const Response = REFLECTION.lookupType('grpc.reflection.v1alpha.ServerReflectionResponse');
const PATH = '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo';

interface ReflectionAnswer {
  fileDescriptorResponse?: { fileDescriptorProto: Uint8Array[] };
  listServicesResponse?: { service: { name: string }[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

/** A client for one `host:port`, closed with `close()`. */
export function grpcClient(address: string): grpc.Client {
  const url = new URL(address);
  return new grpc.Client(url.host, grpc.credentials.createInsecure());
}

/** Asks the reflection service one question and returns its answer. */
function reflect(client: grpc.Client, request: Record<string, string>, deadline: number): Promise<ReflectionAnswer> {
  return new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest(
      PATH,
      (value: object) => Buffer.from(Request.encode(Request.fromObject(value)).finish()),
      (bytes: Buffer) => Response.toObject(Response.decode(bytes), { defaults: false }) as ReflectionAnswer,
      new grpc.Metadata(),
      { deadline },
    );
    call.once('data', (answer: ReflectionAnswer) => {
      call.end();
      if (answer.errorResponse) reject(new Error(`gRPC reflection: ${answer.errorResponse.errorMessage}`));
      else resolve(answer);
    });
    call.once('error', reject);
    call.write({ host: '', ...request });
  });
}

/** The services the server lists (health and reflection left out). */
export async function listGrpcServices(client: grpc.Client, deadline: number): Promise<string[]> {
  const answer = await reflect(client, { listServices: '' }, deadline);
  return (answer.listServicesResponse?.service ?? []).map((s) => s.name).filter((n) => !n.startsWith('grpc.'));
}

/** A protobufjs root with every type of the file that declares `symbol`, and of the files it imports. */
export async function rootFor(client: grpc.Client, symbol: string, deadline: number): Promise<protobuf.Root> {
  const answer = await reflect(client, { fileContainingSymbol: symbol }, deadline);
  const files = (answer.fileDescriptorResponse?.fileDescriptorProto ?? []).map((bytes) =>
    descriptor.FileDescriptorProto.decode(bytes),
  );
  // Imports first, as protobufjs resolves types in the order files are added.
  const set = descriptor.FileDescriptorSet.create({ file: files.reverse() });
  const root = (protobuf.Root as unknown as { fromDescriptor(set: unknown): protobuf.Root }).fromDescriptor(set);
  root.resolveAll();
  return root;
}

/** Calls one unary method with JSON in and JSON out, as the HTTP transport shows it. */
export function callUnary(
  client: grpc.Client,
  method: protobuf.Method,
  input: unknown,
  metadata: Record<string, string>,
  deadline: number,
): Promise<unknown> {
  const service = method.parent as protobuf.Service;
  const path = `/${service.fullName.replace(/^\./, '')}/${method.name}`;
  const requestType = method.resolvedRequestType!;
  const responseType = method.resolvedResponseType!;
  const meta = new grpc.Metadata();
  for (const [key, value] of Object.entries(metadata)) meta.set(key, value);
  // What protobuf cannot even encode never reaches the server: say so as the server would.
  const problem = requestType.verify(input as Record<string, unknown>);
  if (problem)
    return Promise.reject(new WharfError('INVALID_ARGUMENT', `The input does not fit ${requestType.name}: ${problem}`));
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      (value: unknown) => Buffer.from(requestType.encode(requestType.fromObject(value as Record<string, unknown>)).finish()),
      (bytes: Buffer) => responseType.toObject(responseType.decode(bytes), { longs: Number, enums: String, defaults: true }),
      input,
      meta,
      { deadline },
      (error, value) => (error ? reject(error) : resolve(value)),
    );
  });
}
