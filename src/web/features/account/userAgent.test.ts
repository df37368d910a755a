import { describe, expect, it } from 'vitest';
import { describeUserAgent } from './userAgent.js';

const agents = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  chromeIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  samsungAndroid:
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  headlessLinux:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
};

describe('describeUserAgent', () => {
  it.each([
    ['chromeWindows', 'Chrome on Windows'],
    ['edgeWindows', 'Edge on Windows'],
    ['firefoxLinux', 'Firefox on Linux'],
    ['safariIphone', 'Safari on iPhone'],
    ['chromeIphone', 'Chrome on iPhone'],
    ['safariMac', 'Safari on macOS'],
    ['samsungAndroid', 'Samsung Internet on Android'],
    ['chromeAndroid', 'Chrome on Android'],
    ['headlessLinux', 'Chrome on Linux'],
  ] as const)('names %s as "%s"', (agent, expected) => {
    expect(describeUserAgent(agents[agent])).toBe(expected);
  });

  it('names programs', () => {
    expect(describeUserAgent('curl/8.5.0')).toBe('curl');
    expect(describeUserAgent('node')).toBe('Node.js');
  });

  it('shows an unknown agent as sent, cut short', () => {
    expect(describeUserAgent('RoomkitBot/1.0')).toBe('RoomkitBot/1.0');
    const long = `Bot/${'x'.repeat(100)}`;
    expect(describeUserAgent(long)).toHaveLength(60);
    expect(describeUserAgent(long).endsWith('…')).toBe(true);
  });

  it('says when there is none', () => {
    expect(describeUserAgent('')).toBe('Unknown device');
  });
});
