// Requests Node refuses before Fastify sees them (a request timeout, oversized headers, a
// malformed request line), answered in the API's error shape on the raw socket and closed.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, type ErrorCode } from './errors.js';

const CLIENT_ERRORS: Record<string, [ErrorCode, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: ['REQUEST_TIMEOUT', 'the request did not arrive in full within the server’s request timeout'],
  HPE_HEADER_OVERFLOW: ['HEADERS_TOO_LARGE', 'the request headers are too large'],
};

export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  // A reset connection, or one already answered and closed: nothing to say, nobody to say it to.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, message] = CLIENT_ERRORS[err.code ?? ''] ?? ['VALIDATION_FAILED', 'the HTTP request is malformed'];
  const error = new ApiError(code, message);
  const body = JSON.stringify(error.toBody());
  // As Node does: no answer of ours once a response began on this socket (a request answered
  // before its body arrived, then timed out), or the client would read it as a second response.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    socket.write(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
