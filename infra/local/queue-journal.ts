import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

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
  | { readonly dead: JournaledDeadLetter };

/** Rewrite the journal once it holds this many bytes more than its pending messages need. */
const COMPACT_AFTER_BYTES = 32 * 1024 * 1024;
/** …or, once nothing is pending, this many (a drained journal rewrites to its dead letters only). */
const COMPACT_WHEN_EMPTY_BYTES = 1024 * 1024;

/**
 * The write-ahead log that makes a local queue durable with `--data-dir`, as SQS keeps messages
 * across a consumer's crash: every message is appended before the sender is answered, and marked done
 * when its consumer succeeded or it moved to the dead letters. After a crash (even `kill -9`) the hub
 * reads the journal back and delivers what was never done. Writes go straight to the file with
 * `write(2)`, so a killed process loses nothing the operating system was given; a machine crash may
 * lose the last writes, which is acceptable for a local runtime.
 */
export class QueueJournal {
  private fd: number | undefined;
  private bytes = 0;

  constructor(private readonly file: string) {}

  /**
   * Reads what the journal holds: messages sent and not done, in the order they were sent, and the
   * dead letters. Rewrites the journal with just those. A last line cut short by a crash is ignored
   * (its sender was never answered).
   */
  recover(): { pending: JournaledMessage[]; deadLetters: JournaledDeadLetter[] } {
    const pending = new Map<string, JournaledMessage>();
    const deadLetters: JournaledDeadLetter[] = [];
    if (existsSync(this.file)) {
      for (const text of readFileSync(this.file, 'utf8').split('\n')) {
        if (text === '') continue;
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch {
          continue;
        }
        if ('sent' in line) pending.set(line.sent.messageId, line.sent);
        else if ('done' in line) pending.delete(line.done);
        else if ('dead' in line) {
          pending.delete(line.dead.messageId);
          deadLetters.push(line.dead);
        }
      }
    }
    const recovered = { pending: [...pending.values()], deadLetters };
    this.rewrite(recovered.pending, deadLetters);
    return recovered;
  }

  /** Records a message before its sender is answered. */
  sent(message: JournaledMessage): void {
    this.append({ sent: message });
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

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private append(line: Line): void {
    if (this.fd === undefined) this.fd = openSync(this.file, 'a');
    const text = `${JSON.stringify(line)}\n`;
    writeSync(this.fd, text);
    this.bytes += Buffer.byteLength(text);
  }

  private rewrite(pending: readonly JournaledMessage[], deadLetters: readonly JournaledDeadLetter[]): void {
    this.close();
    const temporary = `${this.file}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      for (const letter of deadLetters) writeSync(fd, `${JSON.stringify({ dead: letter })}\n`);
      for (const { messageId, body, sentAt } of pending)
        writeSync(fd, `${JSON.stringify({ sent: { messageId, body, sentAt } })}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.file);
    this.bytes = 0;
  }
}
