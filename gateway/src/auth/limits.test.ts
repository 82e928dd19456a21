import { describe, expect, it } from 'vitest';
import { sourceOf } from './limits.js';

describe('rate-limit sources', () => {
  it('counts IPv4 per address, IPv6 per /64, IPv4-mapped IPv6 as its IPv4', () => {
    expect(sourceOf('203.0.113.7')).toBe('203.0.113.7');
    expect(sourceOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(sourceOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8:1:2:bbbb::9')).toBe(sourceOf('2001:db8:1:2:aaaa::1'));
    expect(sourceOf('2001:db8:1:3::1')).not.toBe(sourceOf('2001:db8:1:2::1'));
  });
});
