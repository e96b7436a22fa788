/**
 * Requests and notices between the cluster primary and its serving workers over Node's IPC
 * channel (`process.send` in a worker, `worker.send` in the primary). Each side can ask the other
 * and wait for one answer; a BerthError crosses as its id and message, so the HTTP status a worker
 * answers with is the one the failing side chose.
 */
import { BerthError, ERROR_KINDS, toBerthError, type ErrorId } from '../../core/errors.js';

/** Every message this channel sends carries this tag, so other IPC users (none today) pass by. */
const TAG = 'berth-cluster';

interface Envelope {
  readonly tag: typeof TAG;
  readonly kind: string;
  /** Present on requests: the answer carries it back as `answers`. */
  readonly id?: number;
  readonly answers?: number;
  readonly body?: unknown;
  readonly error?: { readonly id: string; readonly message: string };
}

type Handler = (body: unknown) => unknown;

/** The two ends of one IPC link: how to send, and where messages arrive. */
export interface IpcEnds {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** One side of the link between the primary and one worker. */
export class IpcChannel {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly handlers = new Map<string, Handler>();
  private closed: Error | undefined;

  constructor(private readonly ends: IpcEnds) {
    ends.onMessage((message) => this.receive(message));
  }

  /** Asks the other side; resolves with its handler's result, rejects with its error. */
  request<T>(kind: string, body?: unknown): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ tag: TAG, kind, id, body });
    });
  }

  /** Tells the other side something that needs no answer. */
  notify(kind: string, body?: unknown): void {
    if (!this.closed) this.post({ tag: TAG, kind, body });
  }

  /** Answers requests (and notices) of one kind; a thrown error or rejection goes back as the answer. */
  handle(kind: string, handler: Handler): void {
    this.handlers.set(kind, handler);
  }

  /** Fails every unanswered request: the other side is gone. */
  close(reason: Error): void {
    this.closed ??= reason;
    for (const waiter of this.pending.values()) waiter.reject(reason);
    this.pending.clear();
  }

  private post(envelope: Envelope): void {
    try {
      this.ends.send(envelope);
    } catch (error) {
      // The channel closed under us (the other process exited); the exit handler says why.
      this.close(toBerthError(error, 'WORKER_UNAVAILABLE'));
    }
  }

  private receive(message: unknown): void {
    if (!isEnvelope(message)) return;
    if (message.answers !== undefined) {
      const waiter = this.pending.get(message.answers);
      if (!waiter) return;
      this.pending.delete(message.answers);
      if (message.error) waiter.reject(errorFrom(message.error));
      else waiter.resolve(message.body);
      return;
    }
    const handler = this.handlers.get(message.kind);
    if (message.id === undefined) {
      handler?.(message.body);
      return;
    }
    const answers = message.id;
    const reply = (result: { body?: unknown; error?: Envelope['error'] }): void =>
      this.post({ tag: TAG, kind: message.kind, answers, ...result });
    if (!handler) {
      reply({ error: { id: 'INTERNAL', message: `no handler for cluster request "${message.kind}"` } });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.body))
      .then(
        (body) => reply({ body }),
        (error: unknown) => {
          const typed = toBerthError(error);
          reply({ error: { id: typed.id, message: typed.message } });
        },
      );
  }
}

function isEnvelope(message: unknown): message is Envelope {
  return typeof message === 'object' && message !== null && (message as Envelope).tag === TAG;
}

function errorFrom(error: { id: string; message: string }): BerthError {
  const id = (Object.hasOwn(ERROR_KINDS, error.id) ? error.id : 'INTERNAL') as ErrorId;
  return new BerthError(id, error.message);
}
