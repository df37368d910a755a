import { describe, expect, it } from 'vitest';
import { ticketField, ticketJson } from './ticketJson.js';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('a ticket’s payload', () => {
  it('is read from base64url JSON, whatever its length', () => {
    for (const name of ['a', 'ab', 'abc', 'Zoë 🙂']) {
      const ticket = encode({
        integratorId: 'shop',
        origin: 'https://shop.example',
        displayName: name,
      });
      expect(ticketJson(ticket)).toMatchObject({ displayName: name });
      expect(ticketField(ticket, 'integratorId')).toBe('shop');
      expect(ticketField(ticket, 'origin')).toBe('https://shop.example');
    }
  });

  it.each([
    ['standard base64', Buffer.from('{"origin":"x"}').toString('base64') + '+/='],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['a JSON array', encode(['origin'])],
    ['a JSON string', encode('origin')],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')],
    ['nothing', ''],
  ])('is null for %s', (_, ticket) => {
    expect(ticketJson(ticket)).toBeNull();
  });

  it('has no field that is not a string', () => {
    expect(ticketField(encode({ origin: 42 }), 'origin')).toBeNull();
  });
});
