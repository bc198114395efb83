import { Worker } from 'node:worker_threads';
import * as jose from 'jose';
import { jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyOptions } from 'jose';

/** What checking one token gave: its claims, or jose's error code (and claim) and message. */
export type CheckOutcome =
  { ok: true; payload: JWTPayload } | { ok: false; code: string; claim?: string; message: string };

/**
 * The key a token names, for jose's `jwtVerify` (a function of the token's header): the key of
 * its `kid`, else the only key of the algorithm's type. jose's `createLocalJWKSet` does the same
 * selection but filters the whole set for every token, which was a third of a check's time; here
 * the keys are imported once per set. Plain JavaScript, so that the checking thread runs the very
 * same selection (`new Function` below, a worker's source there).
 */
const KEY_RESOLVER = `(jose, jwks) => {
  const TYPES = { RS: 'RSA', PS: 'RSA', ES: 'EC', Ed: 'OKP' };
  const usable = jwks.keys.filter((k) => k.use !== 'enc' && (!k.key_ops || k.key_ops.includes('verify')));
  const imported = new Map();
  return (header) => {
    const kty = TYPES[String(header.alg).slice(0, 2)];
    const candidates = usable.filter((k) =>
      (header.kid === undefined || k.kid === header.kid) && k.kty === kty && (!k.alg || k.alg === header.alg));
    if (candidates.length === 0) throw new jose.errors.JWKSNoMatchingKey();
    if (candidates.length > 1) throw new jose.errors.JWKSMultipleMatchingKeys();
    const jwk = candidates[0];
    const id = header.alg + ' ' + usable.indexOf(jwk);
    if (!imported.has(id)) imported.set(id, jose.importJWK(jwk, header.alg));
    return imported.get(id);
  };
}`;

export type KeyFor = (header: jose.JWTHeaderParameters) => Promise<jose.KeyLike | Uint8Array>;
const resolverOf = new Function(`return ${KEY_RESOLVER}`)() as (
  j: typeof jose,
  keys: JSONWebKeySet,
) => KeyFor;

/** `jwtVerify`'s key for a token of this set (see KEY_RESOLVER). */
export const keyResolver = (keys: JSONWebKeySet): KeyFor => resolverOf(jose, keys);

/**
 * The thread's program: jose's `jwtVerify` against the keys it was last given. It is plain
 * CommonJS evaluated in the worker (the thread runs the same whether this library is loaded from
 * TypeScript in tests or from dist/), and it requires the very jose this library resolved.
 */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const jose = require(workerData.jose);
const { jwtVerify } = jose;
const resolver = ${KEY_RESOLVER};
let keys;
parentPort.on('message', async (message) => {
  if (message.keys) {
    keys = resolver(jose, message.keys);
    return;
  }
  const results = await Promise.all(
    message.tokens.map(async (token) => {
      try {
        if (!keys) throw Object.assign(new Error('no keys yet'), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
        return { ok: true, payload: (await jwtVerify(token, keys, message.options)).payload };
      } catch (err) {
        return { ok: false, code: String(err.code ?? 'ERR_UNKNOWN'), claim: err.claim, message: String(err.message) };
      }
    }),
  );
  parentPort.postMessage({ id: message.id, results });
});
`;

interface Batch {
  tokens: string[];
  settle: ((outcome: CheckOutcome) => void)[];
}

/**
 * Checks identity tokens (signature and claims, with jose) on a thread of its own, so that the
 * event loop that serves every request never spends its time on them: a crowd joining the queue
 * brings a token nobody has seen with each request, and jose's share of one check (parsing,
 * claims, the hand-off of the RSA work) was a third of a join's time on the loop (ADR 0009).
 * Tokens arriving in the same turn of the loop travel as one message, and come back as one.
 */
export class SignatureThread {
  private worker?: Worker;
  private keys?: JSONWebKeySet;
  private localKeys?: KeyFor;
  /** A check running on the event loop itself (only when nothing else is being checked). */
  private checkingHere = false;
  private crowdUntil = 0;
  private next?: Batch;
  private readonly inFlight = new Map<number, Batch>();
  private nextId = 1;
  private stopped = false;

  constructor(
    private readonly options: JWTVerifyOptions,
    /** The thread's program (tests give one that fails on purpose). */
    private readonly program = PROGRAM,
  ) {}

  /** The keys to check against from now on (the provider's JWKS as last fetched). */
  setKeys(keys: JSONWebKeySet): void {
    this.keys = keys;
    this.localKeys = keyResolver(keys);
    this.worker?.postMessage({ keys });
  }

  check(token: string): Promise<CheckOutcome> {
    if (this.stopped) return Promise.resolve(failure('ERR_STOPPED', 'the verifier has stopped'));
    // A lone check (a quiet moment) is cheaper here than two thread hand-offs. Once checks
    // overlap (a crowd), every check goes to the thread until a second passes without overlap.
    const now = Date.now();
    if (this.checkingHere || this.next || this.inFlight.size > 0) this.crowdUntil = now + 1000;
    else if (now >= this.crowdUntil && this.localKeys) return this.checkHere(token, this.localKeys);
    return new Promise((resolve) => {
      if (!this.next) {
        this.next = { tokens: [], settle: [] };
        setImmediate(() => this.flush());
      }
      this.next.tokens.push(token);
      this.next.settle.push(resolve);
    });
  }

  private async checkHere(token: string, keys: KeyFor): Promise<CheckOutcome> {
    this.checkingHere = true;
    try {
      return { ok: true, payload: (await jwtVerify(token, keys, this.options)).payload };
    } catch (err) {
      const e = err as { code?: unknown; claim?: unknown; message?: unknown };
      return {
        ok: false,
        code: String(e.code ?? 'ERR_UNKNOWN'),
        ...(typeof e.claim === 'string' && { claim: e.claim }),
        message: String(e.message),
      };
    } finally {
      this.checkingHere = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll('the verifier has stopped');
    await worker?.terminate();
  }

  private flush(): void {
    const batch = this.next!;
    this.next = undefined;
    const id = this.nextId++;
    this.inFlight.set(id, batch);
    this.thread().postMessage({ id, tokens: batch.tokens, options: this.options });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.program, {
      eval: true,
      workerData: { jose: require.resolve('jose') },
    });
    // The thread does not keep the process alive: a service's stop() ends it, and so does exit.
    worker.unref();
    worker.on('message', (m: { id: number; results: CheckOutcome[] }) => {
      const batch = this.inFlight.get(m.id);
      this.inFlight.delete(m.id);
      batch?.settle.forEach((settle, i) => settle(m.results[i]!));
    });
    const lost = (reason: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined; // the next check starts a new thread
      this.failAll(reason);
    };
    worker.on('error', (err) => lost(`the verifying thread failed: ${err.message}`));
    worker.on('exit', (code) => lost(`the verifying thread exited (${code})`));
    if (this.keys) worker.postMessage({ keys: this.keys });
    this.worker = worker;
    return worker;
  }

  private failAll(reason: string): void {
    for (const batch of this.inFlight.values())
      batch.settle.forEach((settle) => settle(failure('ERR_THREAD_LOST', reason)));
    this.inFlight.clear();
  }
}

const failure = (code: string, message: string): CheckOutcome => ({ ok: false, code, message });
