import { describe, expect, it } from 'vitest';
import { checkTarget, RefusedTargetError, refusedBecause } from '#shared/adapters/address-guard';

const deployed = { allowHttp: false, allowLoopback: false, extraPorts: [] };
const local = { allowHttp: true, allowLoopback: true, extraPorts: 'any' as const };

describe('the webhook address guard', () => {
  it.each([
    ['93.184.216.34', undefined],
    ['2606:2800:220:1:248:1893:25c8:1946', undefined],
    ['127.0.0.1', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['::7f00:1', 'not a global unicast IPv6 address'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::a00:1', 'translated'],
    ['224.0.0.1', 'multicast'],
  ])('judges %s', (address, reason) => {
    const verdict = refusedBecause(address, deployed);
    if (reason === undefined) expect(verdict).toBeUndefined();
    else expect(verdict).toContain(reason);
  });

  it("takes the scheme's own port only, unless the allow-list names another", async () => {
    const resolve = async () => [{ address: '93.184.216.34', family: 4 }];
    await expect(checkTarget('https://hooks.example.org/x', deployed, resolve)).resolves.toBeDefined();
    await expect(checkTarget('https://hooks.example.org:443/x', deployed, resolve)).resolves.toBeDefined();
    await expect(checkTarget('https://hooks.example.org:22/x', deployed, resolve)).rejects.toThrow(
      'webhook URLs use port 443, not 22; deploy with -c webhookPorts=<ports> to allow others',
    );
    const withList = { ...deployed, extraPorts: [8443] };
    await expect(checkTarget('https://hooks.example.org:8443/x', withList, resolve)).resolves.toBeDefined();
    await expect(checkTarget('https://hooks.example.org:9443/x', withList, resolve)).rejects.toThrow(
      'not 9443 (also allowed: 8443)',
    );
    await expect(checkTarget('http://127.0.0.1:4567/x', local, resolve)).resolves.toBeDefined();
  });

  it('lets loopback through only locally', () => {
    expect(refusedBecause('127.0.0.1', local)).toBeUndefined();
  });

  it('refuses a host that resolves to any internal address, even among public ones', async () => {
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ];
    await expect(checkTarget('https://mixed.example/hook', deployed, resolve)).rejects.toThrow('10.1.2.3');
  });

  it('returns every checked address to connect to', async () => {
    const resolve = async () => [
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      { address: '93.184.216.34', family: 4 },
    ];
    const target = await checkTarget('https://example.org/hook', deployed, resolve);
    expect(target.addresses).toEqual([
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      { address: '93.184.216.34', family: 4 },
    ]);
  });

  it.each([
    ['http://example.org/hook', 'must use https'],
    ['https://user:pass@example.org/hook', 'credentials'],
    ['not a url', 'not an absolute URL'],
  ])('refuses %s when deployed', async (url, message) => {
    const attempt = checkTarget(url, deployed, async () => [{ address: '93.184.216.34', family: 4 }]);
    await expect(attempt).rejects.toBeInstanceOf(RefusedTargetError);
    await expect(attempt).rejects.toThrow(message);
  });
});
