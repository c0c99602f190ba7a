import * as nodeFs from 'node:fs';
import { dirname } from 'node:path';

/** A message as the journal keeps it. */
export interface JournaledMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
}

/** A dead letter as the journal keeps it. */
export interface JournaledDeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
  readonly lastError: string;
  readonly movedAt: string;
}

type Line =
  | { readonly sent: JournaledMessage }
  | { readonly done: string }
  | { readonly dead: JournaledDeadLetter }
  /** A dead letter moved back (a redrive): the letter `from` is gone, `message` is pending. */
  | { readonly moved: { readonly from: string; readonly message: JournaledMessage } };

/**
 * The file operations the journal uses (`node:fs` by default); tests pass a wrapper to see when data
 * reaches stable storage.
 */
export type JournalFileSystem = Pick<
  typeof nodeFs,
  | 'closeSync'
  | 'existsSync'
  | 'fdatasync'
  | 'fsyncSync'
  | 'openSync'
  | 'readFileSync'
  | 'renameSync'
  | 'writeSync'
>;

/** Thrown when a journal holds a damaged line that is not the last one (so not a write cut short by a crash). */
export class CorruptJournalError extends Error {
  override name = 'CorruptJournalError';
}

/** Rewrite the journal once it holds this many bytes more than its pending messages need. */
const COMPACT_AFTER_BYTES = 32 * 1024 * 1024;
/** …or, once nothing is pending, this many (a drained journal rewrites to its dead letters only). */
const COMPACT_WHEN_EMPTY_BYTES = 1024 * 1024;

/**
 * The write-ahead log that makes a local queue durable with `--data-dir`, as SQS keeps messages
 * across a consumer's crash: every message is appended before the sender is answered, and marked done
 * when its consumer succeeded or it moved to the dead letters. After a crash (even `kill -9`) the hub
 * reads the journal back and delivers what was never done. Each line goes to the file with `write(2)`
 * at once, so a killed process loses nothing the operating system was given; {@link durable} resolves
 * once the lines are also on stable storage (one `fdatasync` per event-loop turn, however many
 * messages were sent in it), so a machine crash loses no message whose sender was answered after it.
 * A compaction writes and syncs the new file, renames it over the old one, then syncs the directory.
 */
export class QueueJournal {
  private fd: number | undefined;
  private bytes = 0;
  /** A sent message was written but is not yet synced. */
  private unsynced = false;
  /** The sync scheduled for this turn of the event loop; senders of this turn wait for it. */
  private scheduled: Promise<void> | undefined;
  /** The latest sync scheduled (running, or done). */
  private latest: Promise<void> = Promise.resolve();
  /** Syncs running on a file descriptor (which a compaction then closes only after them). */
  private syncsRunning = 0;
  /** Descriptors of replaced files, closed when the syncs running on them end. */
  private retired: number[] = [];

  constructor(
    private readonly file: string,
    private readonly fs: JournalFileSystem = nodeFs,
  ) {}

  /**
   * Reads what the journal holds: messages sent and not done, in the order they were sent, and the
   * dead letters. Rewrites the journal with just those. A last line cut short by a crash (no newline
   * after it) is ignored: its sender was never answered.
   * @throws CorruptJournalError naming the file and line when any other line is not a journal line.
   */
  recover(): { pending: JournaledMessage[]; deadLetters: JournaledDeadLetter[] } {
    const pending = new Map<string, JournaledMessage>();
    const deadLetters: JournaledDeadLetter[] = [];
    if (this.fs.existsSync(this.file)) {
      const texts = this.fs.readFileSync(this.file, 'utf8').split('\n');
      // What follows the last newline is a line whose write was cut short (empty when none was).
      const torn = texts.length - 1;
      texts.forEach((text, index) => {
        if (text === '' || index === torn) return;
        const line = parseLine(text);
        if (!line) {
          throw new CorruptJournalError(
            `queue journal ${this.file}: line ${index + 1} is not a journal line (${JSON.stringify(text.slice(0, 80))}); only the last line may be cut short by a crash. Move the file away to start the queue empty, or repair that line`,
          );
        }
        if ('sent' in line) pending.set(line.sent.messageId, line.sent);
        else if ('done' in line) pending.delete(line.done);
        else if ('dead' in line) {
          pending.delete(line.dead.messageId);
          deadLetters.push(line.dead);
        } else {
          const from = deadLetters.findIndex((letter) => letter.messageId === line.moved.from);
          if (from >= 0) deadLetters.splice(from, 1);
          pending.set(line.moved.message.messageId, line.moved.message);
        }
      });
    }
    const recovered = { pending: [...pending.values()], deadLetters };
    this.rewrite(recovered.pending, deadLetters);
    return recovered;
  }

  /** Records a message before its sender is answered (on stable storage once {@link durable} resolves). */
  sent(message: JournaledMessage): void {
    this.append({ sent: message });
    this.unsynced = true;
  }

  /**
   * Resolves once every message recorded so far is on stable storage. Calls made in one turn of the
   * event loop share one `fdatasync`, run after that turn; with nothing unsynced it resolves at once.
   * (Done and dead-letter lines are synced along but never waited for: losing one only repeats a delivery.)
   */
  durable(): Promise<void> {
    if (!this.unsynced) return this.latest;
    if (!this.scheduled) {
      this.scheduled = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
      this.latest = this.scheduled;
    }
    return this.scheduled;
  }

  /**
   * Records that dead letter `from` moved back to the queue as `message`, in one line: a crash keeps
   * either the dead letter or the pending message, never both and never neither.
   */
  moved(from: string, message: JournaledMessage): void {
    this.append({ moved: { from, message } });
    this.unsynced = true;
  }

  /** Records that a message was consumed. */
  done(messageId: string): void {
    this.append({ done: messageId });
  }

  /** Records that a message moved to the dead letters. */
  dead(letter: JournaledDeadLetter): void {
    this.append({ dead: letter });
  }

  /**
   * Rewrites the journal with only the pending messages (`pending` lists them, called only then) and
   * `deadLetters` when it has grown well past them (1 MB once nothing is pending, 32 MB otherwise).
   */
  compact(
    pendingCount: number,
    pending: () => readonly JournaledMessage[],
    deadLetters: readonly JournaledDeadLetter[],
  ): void {
    if (this.bytes > COMPACT_AFTER_BYTES || (pendingCount === 0 && this.bytes > COMPACT_WHEN_EMPTY_BYTES))
      this.rewrite(pending(), deadLetters);
  }

  /** Closes the file, synced first when a sent message is not yet on stable storage. */
  close(): void {
    if (this.fd !== undefined && this.unsynced) this.fs.fsyncSync(this.fd);
    this.unsynced = false;
    if (this.fd !== undefined) {
      if (this.syncsRunning > 0) this.retired.push(this.fd);
      else this.fs.closeSync(this.fd);
    }
    this.fd = undefined;
  }

  /** Syncs the file as it is now; a sent message appended meanwhile schedules the next sync. */
  private async flush(): Promise<void> {
    this.scheduled = undefined;
    this.unsynced = false;
    const fd = this.fd;
    // No descriptor: the file was closed (and synced) or rewritten (and synced) since the writes.
    if (fd === undefined) return;
    this.syncsRunning += 1;
    try {
      await new Promise<void>((resolve, reject) =>
        this.fs.fdatasync(fd, (error) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      throw new Error(`queue journal ${this.file}: fdatasync failed: ${(error as Error).message}`);
    } finally {
      this.syncsRunning -= 1;
      if (this.syncsRunning === 0) for (const old of this.retired.splice(0)) this.fs.closeSync(old);
    }
  }

  private append(line: Line): void {
    if (this.fd === undefined) this.fd = this.fs.openSync(this.file, 'a');
    const text = `${JSON.stringify(line)}\n`;
    this.write(this.fd, text);
    this.bytes += Buffer.byteLength(text);
  }

  /** Writes all of `text` (a regular file takes it in one `write(2)` but for a full disk). */
  private write(fd: number, text: string): void {
    const buffer = Buffer.from(text);
    for (let offset = 0; offset < buffer.length; )
      offset += this.fs.writeSync(fd, buffer, offset, buffer.length - offset);
  }

  /** Writes the journal anew: the new file is synced, renamed over the old one, then the directory synced. */
  private rewrite(pending: readonly JournaledMessage[], deadLetters: readonly JournaledDeadLetter[]): void {
    // The new file holds every pending message and is synced below: the old one needs no sync.
    this.unsynced = false;
    this.close();
    const temporary = `${this.file}.tmp`;
    const fd = this.fs.openSync(temporary, 'w');
    try {
      for (const letter of deadLetters) this.write(fd, `${JSON.stringify({ dead: letter })}\n`);
      for (const { messageId, body, sentAt } of pending)
        this.write(fd, `${JSON.stringify({ sent: { messageId, body, sentAt } })}\n`);
      this.fs.fsyncSync(fd);
    } finally {
      this.fs.closeSync(fd);
    }
    this.fs.renameSync(temporary, this.file);
    const directory = this.fs.openSync(dirname(this.file), 'r');
    try {
      this.fs.fsyncSync(directory);
    } finally {
      this.fs.closeSync(directory);
    }
    this.bytes = 0;
  }
}

/** A journal line, or undefined when `text` is not one. */
const parseLine = (text: string): Line | undefined => {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof line !== 'object' || line === null) return undefined;
  if ('sent' in line && typeof (line.sent as JournaledMessage | null)?.messageId === 'string')
    return line as Line;
  if ('done' in line && typeof line.done === 'string') return line as Line;
  if ('dead' in line && typeof (line.dead as JournaledDeadLetter | null)?.messageId === 'string')
    return line as Line;
  if (
    'moved' in line &&
    typeof (line.moved as { from?: unknown } | null)?.from === 'string' &&
    typeof (line.moved as { message?: JournaledMessage } | null)?.message?.messageId === 'string'
  )
    return line as Line;
  return undefined;
};
