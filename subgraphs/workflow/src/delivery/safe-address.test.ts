import { describe, expect, it } from 'vitest';
import { checkTargetUrl, refusedAddressReason } from './safe-address.ts';

describe('safe target addresses', () => {
  it('refuse this machine, private networks, link-local and metadata addresses, in IPv4 and IPv6', () => {
    for (const address of ['127.0.0.1', '10.0.0.8', '172.16.4.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '::1', 'fd12::1', 'fe80::1', '::ffff:127.0.0.1']) {
      expect(refusedAddressReason(address), address).toBeDefined();
    }
    for (const address of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '8.8.8.8']) expect(refusedAddressReason(address), address).toBeUndefined();
  });

  it('check URLs by scheme, credentials and the addresses the host resolves to', async () => {
    await expect(checkTargetUrl('file:///etc/passwd', false)).rejects.toThrow('only http and https URLs can be delivered to, not file');
    await expect(checkTargetUrl('https://user:pw@example.com', false)).rejects.toThrow('a URL must not carry credentials');
    await expect(checkTargetUrl('http://localhost:9/x', false)).rejects.toThrow(/^localhost resolves to .* is a loopback address/);
    await expect(checkTargetUrl('http://[::1]/x', false)).rejects.toThrow(/::1 is a loopback address/);
    await expect(checkTargetUrl('http://127.0.0.1/x', true)).resolves.toBeInstanceOf(URL);
    await expect(checkTargetUrl('not a url', true)).rejects.toThrow('"not a url" is not a URL');
  });
});
