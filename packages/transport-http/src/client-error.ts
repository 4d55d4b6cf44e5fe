import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { WharfError } from '@wharf/core/transport';
import { PROBLEM_CONTENT_TYPE, problemOf } from './problem.js';

/** Answers requests Node's parser rejects (bad syntax, headers too large, too slow) with a problem. */
export function onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  const busy = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || busy?.headersSent) {
    socket.destroy();
    return;
  }
  let status = 400;
  let wharf = new WharfError('INVALID_ARGUMENT', `The request is not valid HTTP/1.1 (${error.code ?? error.message})`);
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    wharf = new WharfError('RESOURCE_EXHAUSTED', 'The request headers are too large');
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    wharf = new WharfError('DEADLINE_EXCEEDED', 'The request was not received in time; send headers and body promptly');
  }
  const body = JSON.stringify(problemOf(wharf, status));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
