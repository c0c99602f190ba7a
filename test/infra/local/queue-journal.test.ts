import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptJournalError, type JournalFileSystem, QueueJournal } from '#infra/local/queue-journal';

const journalFile = () => join(fs.mkdtempSync(join(tmpdir(), 'cityhub-journal-')), 'q.ndjson');
const message = (messageId: string) => ({ messageId, body: `body of ${messageId}`, sentAt: 1 });
const sent = (messageId: string) => `${JSON.stringify({ sent: message(messageId) })}\n`;

/**
 * `node:fs` that records what the journal does, by file name: writes, syncs, renames; each
 * `fdatasync` answers only when the test releases it.
 */
const recordingFs = () => {
  const calls: string[] = [];
  const names = new Map<number, string>();
  const held: (() => void)[] = [];
  const nameOf = (fd: number) => names.get(fd) ?? `fd ${fd}`;
  const recording: JournalFileSystem = {
    ...fs,
    openSync: ((path: fs.PathLike, flags: fs.OpenMode = 'r') => {
      const fd = fs.openSync(path, flags);
      names.set(fd, basename(String(path)));
      calls.push(`open ${names.get(fd)}`);
      return fd;
    }) as typeof fs.openSync,
    writeSync: ((fd: number, ...rest: unknown[]) => {
      calls.push(`write ${nameOf(fd)}`);
      return (fs.writeSync as (fd: number, ...args: unknown[]) => number)(fd, ...rest);
    }) as typeof fs.writeSync,
    fsyncSync: (fd) => {
      calls.push(`fsync ${nameOf(fd)}`);
      fs.fsyncSync(fd);
    },
    fdatasync: ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      calls.push(`fdatasync ${nameOf(fd)}`);
      held.push(() => fs.fdatasync(fd, callback));
    }) as typeof fs.fdatasync,
    closeSync: (fd) => {
      calls.push(`close ${nameOf(fd)}`);
      fs.closeSync(fd);
    },
    renameSync: (from, to) => {
      calls.push(`rename ${basename(String(from))} ${basename(String(to))}`);
      fs.renameSync(from, to);
    },
  };
  const release = () => {
    for (const run of held.splice(0)) run();
  };
  return { fs: recording, calls, release, held: () => held.length };
};

/** Resolves after the pending immediates and the I/O callbacks of this turn. */
const turn = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('QueueJournal recovery', () => {
  it('skips a last line cut short by a crash and recovers every line before it', () => {
    const file = journalFile();
    fs.writeFileSync(
      file,
      `${sent('a')}${sent('b')}${JSON.stringify({ done: 'a' })}\n{"sent":{"messageId":"ha`,
    );
    const recovered = new QueueJournal(file).recover();
    expect(recovered.pending).toEqual([message('b')]);
    // The rewrite keeps what is pending and drops the torn line.
    expect(fs.readFileSync(file, 'utf8')).toBe(sent('b'));
  });

  it.each([
    ['not JSON', '{"sent":{"messageId":"x'],
    ['JSON but not a journal line', '{"hello":"world"}'],
  ])('throws naming the file and line when a line before the last is %s', (_, damaged) => {
    const file = journalFile();
    const text = `${sent('a')}${damaged}\n${sent('b')}`;
    fs.writeFileSync(file, text);
    const journal = new QueueJournal(file);
    expect(() => journal.recover()).toThrow(CorruptJournalError);
    expect(() => journal.recover()).toThrow(`queue journal ${file}: line 2 is not a journal line`);
    // Nothing was rewritten: the damaged file is still there to be looked at.
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('throws when the last line is damaged but complete (ends with a newline), as no crash cuts a line so', () => {
    const file = journalFile();
    fs.writeFileSync(file, `${sent('a')}${sent('b')}garbage\n`);
    expect(() => new QueueJournal(file).recover()).toThrow(
      `queue journal ${file}: line 3 is not a journal line`,
    );
  });
});

describe('QueueJournal durability', () => {
  it('answers senders of one turn after one fdatasync of the lines they wrote', async () => {
    const file = journalFile();
    const seen = recordingFs();
    const journal = new QueueJournal(file, seen.fs);
    journal.recover();
    seen.calls.length = 0;

    let answered = 0;
    journal.sent(message('a'));
    const first = journal.durable().then(() => (answered += 1));
    journal.sent(message('b'));
    const second = journal.durable().then(() => (answered += 1));
    await turn();
    // Both lines were written, then synced once; nobody is answered before the sync completes.
    expect(seen.calls).toEqual(['open q.ndjson', 'write q.ndjson', 'write q.ndjson', 'fdatasync q.ndjson']);
    expect(answered).toBe(0);
    seen.release();
    await Promise.all([first, second]);
    expect(answered).toBe(2);
  });

  it('syncs again for a message sent while a sync is running, and answers its sender after that one', async () => {
    const seen = recordingFs();
    const journal = new QueueJournal(journalFile(), seen.fs);
    journal.recover();
    journal.sent(message('a'));
    const first = journal.durable();
    await turn();
    journal.sent(message('b'));
    let second = false;
    const answered = journal.durable().then(() => {
      second = true;
    });
    seen.release();
    await first;
    await turn();
    // The second sync is held: its sender is not answered although the first sync completed.
    expect(seen.held()).toBe(1);
    expect(second).toBe(false);
    seen.release();
    await answered;
    expect(second).toBe(true);
  });

  it('does not sync for done lines alone, and resolves at once when nothing sent is unsynced', async () => {
    const seen = recordingFs();
    const journal = new QueueJournal(journalFile(), seen.fs);
    journal.recover();
    seen.calls.length = 0;
    journal.done('a');
    await journal.durable();
    expect(seen.calls).toEqual(['open q.ndjson', 'write q.ndjson']);
  });

  it('syncs a written message when the journal is closed before its sync ran', () => {
    const seen = recordingFs();
    const journal = new QueueJournal(journalFile(), seen.fs);
    journal.recover();
    seen.calls.length = 0;
    journal.sent(message('a'));
    journal.close();
    expect(seen.calls).toEqual(['open q.ndjson', 'write q.ndjson', 'fsync q.ndjson', 'close q.ndjson']);
  });

  it('compacts by syncing the new file, renaming it over the old one, then syncing the directory', () => {
    const file = journalFile();
    fs.writeFileSync(file, `${sent('a')}${sent('b')}${JSON.stringify({ done: 'a' })}\n`);
    const seen = recordingFs();
    new QueueJournal(file, seen.fs).recover();
    const directory = basename(dirname(file));
    expect(seen.calls).toEqual([
      'open q.ndjson.tmp',
      'write q.ndjson.tmp',
      'fsync q.ndjson.tmp',
      'close q.ndjson.tmp',
      'rename q.ndjson.tmp q.ndjson',
      `open ${directory}`,
      `fsync ${directory}`,
      `close ${directory}`,
    ]);
    expect(fs.readFileSync(file, 'utf8')).toBe(sent('b'));
  });
});
