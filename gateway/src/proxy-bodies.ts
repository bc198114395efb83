/**
 * The bodies the proxy holds: a request's, read whole before the first try, and an answer's, kept
 * until it is whole (or too long to keep).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { responseHeaders } from './proxy-headers';

export class BodyTooLarge extends Error {}

/**
 * The request's body, whole (at most `limit` bytes). Listeners rather than `for await`: an async
 * iterator per request was a visible share of the gateway's time under a crowd of joins.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new BodyTooLarge());
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      done();
      reject(new BodyTooLarge());
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onGone = () => {
      done();
      reject(new Error('the client went away while sending'));
    };
    const done = () => {
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
    };
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onGone);
  });
}

/**
 * An instance's answer, kept until it is whole. Answers are JSON of a page at most; one longer
 * than this goes on to the client as it comes, and a break past this point reaches the client.
 */
const HELD_ANSWER_BYTES = 1024 * 1024;

export class HeldAnswer {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly answer: IncomingMessage,
    private readonly res: ServerResponse,
  ) {}

  /** Keeps a chunk; true once the answer is too long to hold. */
  add(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.size += chunk.length;
    return this.size > HELD_ANSWER_BYTES;
  }

  /** The whole answer, at once. */
  send(method: string | undefined): void {
    const headers = responseHeaders(this.answer.headers, this.res);
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    // A chunked answer is whole now: its length is known (a HEAD's describes another body).
    if (headers['content-length'] === undefined && body.length > 0 && method !== 'HEAD')
      headers['content-length'] = String(body.length);
    this.res.writeHead(this.answer.statusCode ?? 502, headers);
    this.res.end(body);
  }

  /** What was held, then the rest of the answer as it comes (an event stream: each event). */
  streamOn(): void {
    this.res.writeHead(
      this.answer.statusCode ?? 502,
      responseHeaders(this.answer.headers, this.res),
    );
    this.res.flushHeaders();
    for (const chunk of this.chunks.splice(0)) this.res.write(chunk);
    this.answer.pipe(this.res);
  }
}
