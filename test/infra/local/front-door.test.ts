import { describe, expect, it } from 'vitest';
import { FrontDoor } from '#infra/local/front-door';

const settled = async (promise: Promise<void>, withinMs: number) =>
  Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), withinMs)),
  ]);

describe('FrontDoor', () => {
  it('is quiet at once when no request is in flight', async () => {
    expect(await settled(new FrontDoor().quiet(10_000), 50)).toBe(true);
  });

  it('is quiet once the last request in flight has left, and a request leaves once', async () => {
    const door = new FrontDoor();
    const leaveFirst = door.enter();
    const leaveSecond = door.enter();
    const quiet = door.quiet(10_000);
    leaveFirst();
    leaveFirst();
    expect(await settled(quiet, 50)).toBe(false);
    leaveSecond();
    expect(await settled(quiet, 50)).toBe(true);
  });

  it('gives way for at most the bound while requests keep coming', async () => {
    const door = new FrontDoor();
    door.enter();
    const started = Date.now();
    await door.quiet(80);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
  });
});
